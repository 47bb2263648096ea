"""The parts of a console map for a single-page application (SPA), as read and validated.

A SPA changes its screens without loading a page and sends its work as fetch/XHR
requests whose JSON answers it then shows. A map says which request an action sends
(``AppRequest``: a URL glob and a method) and how its answer reads (``AnswerRule``: HTTP
status and JSON values -> what it means, in the words of the effect table,
``teller._effect.AFTER_SUBMIT``); a payment saved as a draft before it is submitted
(``Draft``); and how the inquiry tells our drafts apart and discards them (``Drafts``).
``teller/consolemap/_spa.py`` carries them out.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = ["AnswerRule", "AppRequest", "Draft", "Drafts", "Means", "url_pattern"]

Means = Literal["done", "refused", "reused", "turned_away", "expired", "error", "in_doubt"]
"""What an answer means: ``done`` (its ``receipt`` is the transaction number, or the
draft's id), ``refused`` (the console said no, ``reason`` its words), ``reused`` (because
it knows the reference), ``turned_away`` (the request itself was refused before any
effect, e.g. a stale token: retried), ``expired`` (the session ended), ``error`` (the
console's system error), ``in_doubt`` (only a lookup can tell). ``expired``, ``error``
and ``in_doubt``, like an answer no rule fits, leave the effect in doubt."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _statuses(value: Any) -> Any:
    return [value] if isinstance(value, int) else value


class AnswerRule(_Part):
    """One way the app's answer may read (every condition given must hold), and its meaning."""

    status: Annotated[list[int], BeforeValidator(_statuses)] = []
    """The HTTP status, or one of several; none: any."""
    body: dict[str, Any] = Field(default={}, alias="json")
    """``json:`` dotted path in the answer's JSON -> the value it must hold."""
    means: Means
    receipt: str | None = None
    """``done``: the dotted path of the receipt (the transaction number, the draft's id)."""
    reason: str | None = None
    """``refused``, ``turned_away``: the dotted path of the console's words."""

    @model_validator(mode="after")
    def _receipt(self) -> AnswerRule:
        if (self.means == "done") != (self.receipt is not None):
            raise ValueError("'receipt' goes with 'means: done', and 'done' needs one")
        return self


class AppRequest(_Part):
    """The request an action makes the app send, and how its answer reads."""

    url: str
    """A glob over the whole URL: ``**`` any characters, ``*`` any but ``/``."""
    method: str = "POST"
    answer: list[AnswerRule] = []
    """Read in order, the first rule that fits decides; none fits: in doubt (HTTP 5xx
    included). Empty: the page shows the answer (the transfer's ``receipt``, ``refusal``
    and ``reused`` keys), read once the request is answered."""
    holds: dict[str, str] = {}
    """Transfer field -> the dotted path in a ``done`` answer that must hold the line's
    value (``amount`` compared as a number): anything else leaves the effect in doubt."""

    @model_validator(mode="after")
    def _pattern(self) -> AppRequest:
        self.method = self.method.upper()
        if self.holds and not self.answer:
            raise ValueError("'holds' reads the JSON answer: it needs 'answer' rules")
        return self


class Draft(_Part):
    """A payment saved as a draft before it is submitted: its button and its request,
    whose ``done`` answer's receipt is the draft's id. The draft is part of the effect:
    from its request on, a failure is in doubt, and a lookup discards a draft left
    behind (``Drafts``), so the line is paid by one submit only."""

    button: str
    request: AppRequest

    @model_validator(mode="after")
    def _answered(self) -> Draft:
        if not any(rule.means == "done" for rule in self.request.answer):
            raise ValueError("a draft's request needs an 'answer' rule with 'means: done'")
        return self


class Drafts(_Part):
    """How the inquiry shows our drafts (saved, never submitted) and discards them.

    A draft is no payment: ``find_transfer`` discards every draft of the reference (so no
    one can submit it later, and a submit still on its way fails) and answers as if
    there were none, so only a new attempt can pay the line.
    """

    shows: str
    """The text of the status column on a draft's row."""
    select: str
    """Ticks every draft row the page of results shows (no other row)."""
    discard: str
    """Discards the ticked drafts."""
    request: AppRequest | None = None
    """The discard's request: its answer must fit a ``done`` rule."""


def url_pattern(glob: str) -> re.Pattern[str]:
    """The regular expression of a URL glob: ``**`` any characters, ``*`` any but ``/``."""
    parts = re.split(r"(\*\*|\*)", glob)
    wild = {"**": ".*", "*": "[^/]*"}
    return re.compile("".join(wild.get(p) or re.escape(p) for p in parts))
