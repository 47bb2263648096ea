"""Console maps: a console described in its selector file, so most consoles need no Python.

``selectors/<console>.yaml`` names each screen's elements (``screens:``,
:mod:`teller.locators`). A console map adds what a flow needs to use the console:

* ``payments:`` the payment protocol (:mod:`teller.payments`) as steps over those
  elements: the sign-in (user, password, a one-time code), the transfer form with how
  each field is set and how the submit is confirmed (a dialog, or an overlay that asks to
  enter a field again), where the receipt, the refusal and the reused-reference refusal
  show, the inquiry by reference with its result columns and paging, and the statement
  file's layout and time zone (:mod:`teller.consolemap._model`);
  A single-page application is mapped too: steps whose clicks load no page
  (``load: false``), waits until no fetch/XHR is in flight (``idle_ms``), the submit told
  by the app's own request and its JSON answer, a draft saved before it, and the drafts a
  lookup finds discarded (:mod:`teller.consolemap._spa_model`, ``_spa``);
* ``rules:`` what the console accepts in each field (:class:`FieldRule`), which a flow
  checks when a batch is loaded;
* ``data:`` the console's own values a flow or bot may need (a date format, a journal).

:func:`open_payments` gives a flow the console's session: a :class:`MapBot` on its map,
or the ``MapBot`` subclass registered for the console in the ``teller.bots`` entry points
(Python, for what a map cannot say; :func:`console_bot`).
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from playwright.async_api import Page
from pydantic import TypeAdapter, ValidationError

from teller._errors import ConfigError
from teller.consolemap._bot import MapBot
from teller.consolemap._model import PaymentsMap, payments_of
from teller.consolemap._rules import FieldRule
from teller.locators import LocatorRepository
from teller.payments import Payments

__all__ = [
    "FieldRule",
    "MapBot",
    "PaymentsMap",
    "console_bot",
    "field_rules",
    "open_payments",
    "payments_of",
]

_RULES = TypeAdapter(dict[str, FieldRule])


def field_rules(locators: LocatorRepository) -> dict[str, FieldRule]:
    """The ``rules:`` of a console's map (field -> rule); ConfigError names a bad one."""
    try:
        return _RULES.validate_python(locators.sections.get("rules") or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        detail = f"field rules.{field}: {first['msg']}"
        raise ConfigError(f"selectors/{locators.console}.yaml", detail) from None


def open_payments(
    page: Page, locators: LocatorRepository, *, base_url: str, timeout: float, bot: Any = None
) -> Payments:
    """The console's session in ``page``: ``bot`` if given, else the console's registered
    bot (``console_bot``), else a MapBot on the map's ``payments:``."""
    made_by = bot or console_bot(locators.console) or MapBot
    made: Payments = made_by(page, base_url=base_url, locators=locators, timeout=timeout)
    return made


def console_bot(console: str) -> type[MapBot] | None:
    """The MapBot subclass registered for ``console`` in the ``teller.bots`` entry points
    (a project's own ``pyproject.toml``), or None: the map alone then."""
    found = entry_points(group="teller.bots", name=console)
    if not found:
        return None
    bot = next(iter(found)).load()
    if not (isinstance(bot, type) and issubclass(bot, MapBot)):
        detail = f"teller.bots entry point {console!r} is not a teller.consolemap.MapBot"
        raise ConfigError("pyproject.toml", detail)
    return bot
