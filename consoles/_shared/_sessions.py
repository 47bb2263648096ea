"""Server-side sessions with an idle timeout and an anti-forgery token each.

Like the real consoles, the browser only holds an opaque session id; everything
else lives on the server.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Session", "SessionStore"]


@dataclass
class Session:
    """One browser's session; ``user`` is None until the login succeeds."""

    sid: str
    token: str
    user: str | None = None
    last_seen: float = field(default_factory=time.monotonic)


S = TypeVar("S", bound=Session)


class SessionStore(Generic[S]):
    """Sessions of type ``session_type`` by id, safe for a threaded server."""

    def __init__(self, session_type: type[S], *, idle_seconds: int) -> None:
        self.idle_seconds = idle_seconds
        self._session_type = session_type
        self._sessions: dict[str, S] = {}
        self._lock = threading.Lock()

    def new(self, *, user: str | None = None) -> S:
        """A fresh session with its own id and token (``user`` None before the login)."""
        session = self._session_type(
            sid=secrets.token_hex(16), token=secrets.token_urlsafe(24), user=user
        )
        with self._lock:
            self._forget_stale()
            self._sessions[session.sid] = session
        return session

    def touch(self, sid: str | None) -> tuple[S | None, bool]:
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
        """Forget the session ``sid`` (logout, or the anonymous one a login replaces)."""
        with self._lock:
            self._sessions.pop(sid or "", None)

    def expire_all(self) -> int:
        """End every session now, as an idle timeout would; returns how many were live."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count

    def _forget_stale(self) -> None:
        # Called under the lock; keeps memory flat on a long-running sandbox.
        limit = time.monotonic() - self.idle_seconds
        for sid in [s.sid for s in self._sessions.values() if s.last_seen < limit]:
            del self._sessions[sid]
