"""Request guards for a console's pages: login check, idle timeout, anti-forgery token."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from consoles._shared._sessions import Session, SessionStore
from consoles._shared._site import Site

__all__ = [
    "SITE",
    "current_session",
    "login_required",
    "require_login",
    "sessions",
    "site",
    "token_ok",
]

SITE = "consoles.site"  # the app.extensions key of the console's Site


def site() -> Site:
    """The settings of the console serving this request."""
    return current_app.extensions[SITE]


def sessions() -> SessionStore[Any]:
    """The console's session store."""
    return site().sessions


def current_session() -> Session:
    """The logged-in session of this request (after ``require_login`` let it through)."""
    return g.session


def require_login() -> ResponseReturnValue | None:
    """A logged-in, not idle session for this request (None), or a redirect to the login page."""
    session, expired = sessions().touch(request.cookies.get(site().cookie))
    if session is None or session.user is None:
        return redirect(url_for("login", timeout=1) if expired else url_for("login"))
    g.session = session
    return None


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Run ``view`` for a logged-in, not idle session; else send the browser to the login page."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        refused = require_login()
        return view(*args, **kwargs) if refused is None else refused

    return checked


def token_ok(expected: str) -> bool:
    """Whether the posted form carried the session's anti-forgery token."""
    return hmac.compare_digest(site().form().get("_token", ""), expected)
