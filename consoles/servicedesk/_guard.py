"""Request guards shared by the pages: login check, idle timeout, anti-forgery token."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from consoles.servicedesk._desk import Desk
from consoles.servicedesk._sessions import COOKIE, Session, SessionStore

__all__ = ["current_session", "desk", "login_required", "sessions", "token_ok"]


def sessions() -> SessionStore:
    return current_app.extensions["servicedesk.sessions"]


def desk() -> Desk:
    return current_app.extensions["servicedesk.desk"]


def current_session() -> Session:
    """The logged-in session of this request (inside a ``login_required`` view)."""
    return g.session


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Run ``view`` for a logged-in, not idle session; else send the browser to the login page."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        session, expired = sessions().touch(request.cookies.get(COOKIE))
        if session is None or session.user is None:
            return redirect(url_for("login", timeout=1) if expired else url_for("login"))
        g.session = session
        return view(*args, **kwargs)

    return checked


def token_ok(expected: str) -> bool:
    """Whether the posted form carried the session's anti-forgery token."""
    return hmac.compare_digest(request.form.get("_token", ""), expected)
