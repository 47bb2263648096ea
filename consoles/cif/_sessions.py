"""Server-side sessions with an idle timeout and an anti-forgery token, and the login guard."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

__all__ = ["COOKIE", "Session", "SessionStore", "require_login", "sessions", "token_ok"]

# Cookies are shared by every port of 127.0.0.1: a name of its own keeps the consoles apart.
COOKIE = "CIFSESSIONID"


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
            for sid in [s.sid for s in self._sessions.values() if s.last_seen < limit]:
                del self._sessions[sid]
            self._sessions[session.sid] = session
        return session

    def touch(self, sid: str | None) -> tuple[Session | None, bool]:
        """The live session for ``sid`` with its idle clock reset; and whether it had expired."""
        if not sid:
            return None, False
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:  # unknown id (restart, purged): the console calls it a timeout
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
        """End every session now; returns how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count


def sessions() -> SessionStore:
    return current_app.extensions["cif.sessions"]


def require_login() -> ResponseReturnValue | None:
    """Before every screen: a logged-in, not idle session, or off to the login page."""
    session, expired = sessions().touch(request.cookies.get(COOKIE))
    if session is None or session.user is None:
        return redirect(url_for("login", timeout=1) if expired else url_for("login"))
    g.session = session
    return None


def token_ok(expected: str) -> bool:
    """Whether the posted form carried the session's anti-forgery token."""
    return hmac.compare_digest(request.form.get("_token", ""), expected)
