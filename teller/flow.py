"""What a flow is to the engine, and how the engine finds flows and consoles by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from playwright.async_api import BrowserContext

from teller._errors import ConfigError
from teller.gate import GateLine
from teller.locators import LocatorRepository
from teller.service import ServiceLevel
from teller.settings import InputLimits, Settings
from teller.store import AuditEntry, Item, NewItem, Run, Store, now

__all__ = [
    "Batch",
    "Flow",
    "FlowEnv",
    "console_entry",
    "console_map",
    "load_flow",
    "page_options",
]


@dataclass(frozen=True)
class Batch:
    """A validated input, ready to become a run: every item has its idempotency key."""

    batch_id: str
    input_file: str
    input_sha256: str
    items: list[NewItem]
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class FlowEnv:
    """What a flow may use while it runs: settings, the store, the run's folder."""

    settings: Settings
    store: Store
    run_id: str
    folder: Path

    def audit(self, what: str, detail: str, *, actor: str = "runner") -> None:
        """Add a record to the audit trail, e.g. ``audit("login", "corebank as teller01")``."""
        self.store.audit(AuditEntry(now(), actor, what, self.run_id, "", detail))

    def locators(self, console: str) -> LocatorRepository:
        return console_map(self.settings, console)


def page_options(settings: Settings, flow: Flow) -> dict[str, Any]:
    """The browser's locale and time zone for the flow's console (its ``[consoles.NAME]``)."""
    if flow.console is None or flow.console not in settings.consoles:
        return {}
    console = settings.consoles[flow.console]
    return {"locale": console.locale, "timezone_id": console.timezone}


def console_map(settings: Settings, console: str) -> LocatorRepository:
    """The console's map, ``selectors/<console>.yaml`` in the project (read once per change)."""
    path = settings.project / "selectors" / f"{console}.yaml"
    # keyed by modification time: a selector fix is seen without restarting a scheduler
    return _repository(path, path.stat().st_mtime_ns if path.exists() else 0)


@cache
def _repository(path: Path, version: int) -> LocatorRepository:
    return LocatorRepository.load(path)


class Flow(ABC):
    """A business process: load → gate → process each item → lookup when in doubt → finish."""

    name: str
    """The flow's name in this project: its runs, payment history and policy go by it
    (``[flows.<name>]``; by default the name it is registered under)."""
    console: str | None = None
    """The console it works on (whose retry policy applies to its items), if one: the
    flow's own default, or ``[flows.<name>] console``; a run records it."""
    policy: Path | None = None
    """Its policy file, relative to the project (default ``policies/<name>.toml``)."""
    settings: Settings | None = None
    """The project's settings, set by ``load_flow`` (``load`` reads the console's rules)."""
    # caps on the input file ``load`` reads (``[input]`` in teller.toml, set by ``load_flow``)
    limits: InputLimits = InputLimits()
    sequential: ClassVar[bool] = False
    """Its items must run in order on one page (a form-filling flow): one context."""
    moves_money: ClassVar[bool] = False
    """It pays: wording ("nothing was paid") and report columns (amounts) follow."""

    @abstractmethod
    def load(self, path: Path) -> Batch:
        """Read and validate an input file; raise InputError listing every problem."""

    # True when the flow takes its work from a console's queue (see ``intake``)
    takes_intake: ClassVar[bool] = False

    async def intake(self, context: BrowserContext, env: FlowEnv) -> Path | None:
        """Fetch new work from a console's queue into an input file in ``env.folder``.

        Returns the file, which ``load`` then reads like any input, or None when there is
        no new work. Only flows with ``takes_intake`` implement it.
        """
        raise ConfigError("flows", f"flow {self.name!r} takes its work from an input file")

    @abstractmethod
    async def open(self, context: BrowserContext, env: FlowEnv) -> Any:
        """Open one worker's session on the consoles (log the bots in)."""

    async def reopen(self, session: Any, env: FlowEnv) -> None:  # noqa: B027
        """Log in again after the console expired the session (default: nothing)."""

    @abstractmethod
    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        """Carry out one item; return the console's receipt (e.g. a transaction number)."""

    @abstractmethod
    async def lookup(self, session: Any, item: Item, env: FlowEnv) -> str | None:
        """Did this item's effect already happen? Return its receipt, or None."""

    @abstractmethod
    async def finish(self, session: Any, run: Run, env: FlowEnv) -> Path | None:
        """Fetch the console's own record, reconcile, write the report; return its path."""

    def gate_line(
        self, key: str, amount: Decimal | None, payload: dict[str, Any], info: dict[str, Any]
    ) -> GateLine:
        """The item as the gate sees it (party, account, name, value day).

        The default reads payload keys ``party``, ``account``, ``name`` and the batch's
        ``day``; a flow whose payload names them otherwise overrides this.
        """
        return GateLine(
            key=key,
            amount=amount if amount is not None else Decimal(0),
            party=str(payload.get("party", "")),
            account=str(payload.get("account", "")),
            name=str(payload.get("name", "")),
            day=date.fromisoformat(info["day"]) if "day" in info else date.today(),
        )

    def service_level(self, store: Store) -> ServiceLevel | None:
        """This flow's promise to its customers and how it is kept now (the Desk's Home
        page shows it), or None for a flow that makes none."""
        return None

    def secrets(self, env: FlowEnv) -> tuple[str, ...]:
        """Secret strings that must be masked in evidence (console passwords)."""
        return ()


def _entry(group: str, name: str) -> Any:
    found = entry_points(group=group, name=name)
    if not found:
        known = sorted(e.name for e in entry_points(group=group))
        raise ConfigError(
            "pyproject.toml",
            f"no {group} entry point {name!r}; known: {known} "
            "(after adding one, reinstall: `uv pip install -e .`)",
        )
    return next(iter(found)).load()


def load_flow(
    name: str,
    *,
    settings: Settings | None = None,
    limits: InputLimits | None = None,
    run: Run | None = None,
) -> Flow:
    """The flow ``name`` as this project runs it (``[flows.<name>]`` in ``settings``; else
    the flow registered under ``name`` in the ``teller.flows`` entry points).

    ``limits`` (default: the settings' ``input``) caps the input files its ``load`` reads.
    For an existing ``run``, the console and policy it recorded are used, whatever the
    configuration says now: a run is carried on where it began.
    """
    configured = settings.flows.get(name) if settings is not None else None
    entry = (configured.flow if configured else None) or name
    flow = _entry("teller.flows", entry)()
    if not isinstance(flow, Flow):
        raise ConfigError("pyproject.toml", f"entry point {entry!r} is not a teller Flow")
    flow.name = name
    flow.settings = settings
    if configured is not None:
        flow.console = configured.console or flow.console
        flow.policy = configured.policy
    if run is not None and run.console:
        flow.console = run.console
    if run is not None and run.policy_source:
        flow.policy = Path(run.policy_source)
    if limits is not None or settings is not None:
        flow.limits = limits if limits is not None else settings.input  # type: ignore[union-attr]
    return flow


def console_entry(name: str) -> Any:
    """The ``serve`` callable of the sandbox console registered under ``name``."""
    return _entry("teller.consoles", name)
