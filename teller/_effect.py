"""The effect boundary's table: what a console's answer to a submit means.

``AFTER_SUBMIT`` is the one table: what a console can show after a submit, and what that
means for the effect. A bot only says where its console shows each of them
(``AfterSubmit``, element keys in its selector file); ``Effect`` in teller/pages.py finds
which one came and acts on the table, inside the boundary ``PageObject.effect``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from teller._errors import ConsoleRefused

__all__ = ["AFTER_SUBMIT", "AfterSubmit", "Key", "Outcome", "Shown"]

Key = tuple[str, str]
"""An element as the selector file names it: (screen, element key)."""

Shown = Literal[
    "result", "refusal", "reused", "form_error", "login_page", "error_page", "http_5xx", "nothing"
]
"""What a console can show after a submit."""

Outcome = Literal["done", "refused", "reused", "turned_away", "in_doubt"]
"""What that means: done (the bot reads the result), refused (nothing done, the console's
words in a ``ConsoleRefused``), reused (``ReferenceAlreadyUsed``: a lookup confirms it),
turned away (the form itself was refused before any effect: a ``ConsoleError``, retried),
in doubt (``InDoubt``: only a lookup can tell)."""

AFTER_SUBMIT: Final[Mapping[Shown, Outcome]] = MappingProxyType(
    {
        "result": "done",  # the receipt, the result page, the ok message
        "refusal": "refused",  # the console said no in words, HTTP < 400
        "reused": "reused",  # ... because it has seen the reference: the second guard
        "form_error": "turned_away",  # the refusal with HTTP 4xx: a stale token, a bad form
        "login_page": "in_doubt",  # the session ended: before or after the console acted?
        "error_page": "in_doubt",  # the console's own system error page
        "http_5xx": "in_doubt",  # whatever the page says
        "nothing": "in_doubt",  # none of them within the timeout
    }
)


@dataclass(frozen=True)
class AfterSubmit:
    """Where a console shows each answer to a submit: (screen, key) in its selector file."""

    result: Key
    refusal: Key
    login_page: Key
    error_page: Key
    reused: Key | None = None
    """Shown with a refusal when the reference was used already."""
    refused_as: type[ConsoleRefused] = ConsoleRefused
    """The refusal's type (a payment console's is ``PaymentRefused``)."""
