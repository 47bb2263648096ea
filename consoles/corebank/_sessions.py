"""Teller sessions: the shared server-side session, plus per-session transfer field names.

The transfer form's input ids and names are drawn at random for each session, so a
bot cannot hard-code them and must go by labels.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from consoles import _shared

__all__ = ["COOKIE", "TRANSFER_FIELDS", "Session", "current_session"]

COOKIE = "CBSESSIONID"
TRANSFER_FIELDS = ("debit_account", "credit_account", "payee_name", "amount", "reference", "memo")


def _field_names() -> dict[str, tuple[str, str]]:
    """Random (id, name) for each transfer input, different every session."""
    return {
        key: (f"ctl00_{secrets.token_hex(4)}", f"f{secrets.token_hex(5)}")
        for key in TRANSFER_FIELDS
    }


@dataclass
class Session(_shared.Session):
    """A teller's session, with the transfer form's (id, name) by field key."""

    fields: dict[str, tuple[str, str]] = field(default_factory=_field_names)


def current_session() -> Session:
    """The logged-in teller session of this request (inside a ``login_required`` view)."""
    session = _shared.current_session()
    assert isinstance(session, Session)
    return session
