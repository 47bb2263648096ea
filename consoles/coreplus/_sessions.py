"""Coreplus sessions: the shared server-side session, plus the sign-in step and field names.

A session is signed in (``user`` set) only after both steps: the password puts the
user name in ``pending``; the one-time code then swaps the session for a fresh one
with ``user`` set. The transfer form's input names are drawn at random per session,
so a bot cannot hard-code them and must go by the label cells beside them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from consoles import _shared

__all__ = ["COOKIE", "TRANSFER_FIELDS", "Session", "current_session"]

COOKIE = "CPSESSIONID"
# amount_again: the amount typed a second time, in the confirmation overlay
TRANSFER_FIELDS = (
    "debit_account",
    "payee_account",
    "payee_name",
    "amount",
    "reference",
    "purpose",
    "amount_again",
)


def _field_names() -> dict[str, str]:
    """A random input name for each transfer field, different every session."""
    return {
        key: f"F{secrets.token_hex(3).upper()}x{secrets.token_hex(2)}" for key in TRANSFER_FIELDS
    }


@dataclass
class Session(_shared.Session):
    """A session: who passed the password step (``pending``), wrong codes, the form's names."""

    pending: str | None = None
    wrong_codes: int = 0
    fields: dict[str, str] = field(default_factory=_field_names)


def current_session() -> Session:
    """The signed-in session of this request (inside a ``login_required`` view)."""
    session = _shared.current_session()
    assert isinstance(session, Session)
    return session
