"""Sessions, the login guard, the anti-forgery token and GBK in and out.

Every page goes out encoded GBK, as the real console's do; a browser then posts its
forms (and sends its GET forms' query strings) in GBK too, so both are decoded here
rather than by werkzeug, which would read them as UTF-8.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

__all__ = [
    "COOKIE",
    "Session",
    "SessionStore",
    "args",
    "current_session",
    "form",
    "login_required",
    "page",
    "sessions",
    "token_ok",
]

COOKIE = "CARDADMSESSION"
ENCODING = "gbk"
# A browser posting GBK writes a character GBK lacks as a decimal reference, &#128512;.
_REFERENCE = re.compile(r"&#(\d{1,7});")


@dataclass
class Session:
    """One browser's session; ``user`` is None until the login succeeds."""

    sid: str
    token: str
    user: str | None = None
    last_seen: float = field(default_factory=time.monotonic)


class SessionStore:
    """Sessions by id with an idle timeout, safe for a threaded server."""

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
            if session is None:
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
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count


def sessions() -> SessionStore:
    return current_app.extensions["cardadmin.sessions"]


def current_session() -> Session:
    """The logged-in session of this request (inside a ``login_required`` view)."""
    return g.session


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Run ``view`` for a logged-in, not idle session; else send the browser to the login page."""

    @functools.wraps(view)
    def checked(*a: Any, **kw: Any) -> ResponseReturnValue:
        session, expired = sessions().touch(request.cookies.get(COOKIE))
        if session is None or session.user is None:
            return redirect(url_for("login", timeout=1) if expired else url_for("login"))
        g.session = session
        return view(*a, **kw)

    return checked


def _decode(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {key: _unreference(value) for key, value in pairs}


def _unreference(text: str) -> str:
    # Only references to what GBK cannot write are the browser's: a typed "&#65;" stays.
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1))
        if code > 0x10FFFF:
            return match.group(0)
        try:
            chr(code).encode(ENCODING)
        except UnicodeEncodeError:
            return chr(code)
        return match.group(0)

    return _REFERENCE.sub(char, text)


def form() -> dict[str, str]:
    """The posted form fields, decoded from GBK."""
    body = request.get_data(cache=True).decode("ascii", errors="replace")
    return _decode(parse_qsl(body, keep_blank_values=True, encoding=ENCODING, errors="replace"))


def args() -> dict[str, str]:
    """The query string's fields, decoded from GBK."""
    query = request.query_string.decode("ascii", errors="replace")
    return _decode(parse_qsl(query, keep_blank_values=True, encoding=ENCODING, errors="replace"))


def token_ok(expected: str) -> bool:
    """Whether the posted form carried the session's anti-forgery token."""
    return hmac.compare_digest(form().get("_token", ""), expected)


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a template and send it encoded GBK, as the header and the meta tag say."""
    html = render_template(template, **context)
    body = html.encode(ENCODING, errors="xmlcharrefreplace")
    return Response(body, status=status, content_type="text/html; charset=GBK")
