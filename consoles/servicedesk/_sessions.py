"""Server-side agent sessions with an idle timeout and an anti-forgery token each."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["COOKIE", "Session", "SessionStore"]

COOKIE = "SDSESSIONID"


@dataclass
class Session:
    """One browser's session; ``user`` is None until the login succeeds."""

    sid: str
    token: str
    user: str | None = None
    last_seen: float = field(default_factory=time.monotonic)


class SessionStore:
    """Sessions by id, safe for a threaded server."""

    def __init__(self, *, idle_seconds: int) -> None:
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, *, user: str | None = None) -> Session:
        session = Session(sid=secrets.token_hex(16), token=secrets.token_urlsafe(24), user=user)
        with self._lock:
            limit = time.monotonic() - self.idle_seconds
            for stale in [s.sid for s in self._sessions.values() if s.last_seen < limit]:
                del self._sessions[stale]
            self._sessions[session.sid] = session
        return session

    def touch(self, sid: str | None) -> tuple[Session | None, bool]:
        """The live session for ``sid`` with its idle clock reset; and whether it had expired."""
        if not sid:
            return None, False
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or now - session.last_seen > self.idle_seconds:
                # Idle too long, or an id the console no longer knows: both are a timeout.
                self._sessions.pop(sid, None)
                return None, True
            session.last_seen = now
            return session, False

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def expire_all(self) -> int:
        """End every session now, as an idle timeout would; returns how many were live."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count
