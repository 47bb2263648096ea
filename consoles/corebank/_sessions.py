"""Server-side teller sessions: idle timeout, anti-forgery token, per-session field names.

Like the real console, the browser only holds an opaque session id; everything
else lives on the server. The transfer form's input ids and names are drawn at
random for each session, so a bot cannot hard-code them and must go by labels.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["COOKIE", "TRANSFER_FIELDS", "Session", "SessionStore"]

COOKIE = "CBSESSIONID"
TRANSFER_FIELDS = ("debit_account", "credit_account", "payee_name", "amount", "reference", "memo")


def _field_names() -> dict[str, tuple[str, str]]:
    """Random (id, name) for each transfer input, different every session."""
    return {
        key: (f"ctl00_{secrets.token_hex(4)}", f"f{secrets.token_hex(5)}")
        for key in TRANSFER_FIELDS
    }


@dataclass
class Session:
    """One browser's session; ``user`` is None until the login succeeds."""

    sid: str
    token: str
    user: str | None = None
    last_seen: float = field(default_factory=time.monotonic)
    fields: dict[str, tuple[str, str]] = field(default_factory=_field_names)


class SessionStore:
    """Sessions by id, safe for a threaded server."""

    def __init__(self, *, idle_seconds: int) -> None:
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, *, user: str | None = None) -> Session:
        session = Session(sid=secrets.token_hex(16), token=secrets.token_urlsafe(24), user=user)
        with self._lock:
            self._forget_stale()
            self._sessions[session.sid] = session
        return session

    def touch(self, sid: str | None) -> tuple[Session | None, bool]:
        """The live session for ``sid`` with its idle clock reset; and whether it had expired."""
        if not sid:
            return None, False
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                # An id we do not know (server restart, purged): the console calls that a timeout.
                return None, True
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[sid]
                return None, True
            session.last_seen = now
            return session, False

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def expire_all(self) -> int:
        """End every session now (fault injection); returns how many were live."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count

    def _forget_stale(self) -> None:
        # Called under the lock; keeps memory flat on a long-running sandbox.
        limit = time.monotonic() - self.idle_seconds
        for sid in [s.sid for s in self._sessions.values() if s.last_seen < limit]:
            del self._sessions[sid]
