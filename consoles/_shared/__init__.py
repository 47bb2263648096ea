"""What the sandbox consoles share: sessions, login, guards, admin basics, app and server.

Each console keeps its own differences (cookie, labels, encoding, faults) in its
:class:`Site` and its own modules; templates may include ``_login_fields.html``.
"""

from __future__ import annotations

from consoles._shared._admin import admin_blueprint, apply_latency, json_body, json_value
from consoles._shared._app import make_app, run
from consoles._shared._cli import console_parser, serve_options
from consoles._shared._guard import (
    current_session,
    login_required,
    require_login,
    sessions,
    site,
    token_ok,
)
from consoles._shared._sessions import Session, SessionStore
from consoles._shared._site import HasLatency, Latency, Site, single_user
from consoles._shared._views import drop_connection

__all__ = [
    "HasLatency",
    "Latency",
    "Session",
    "SessionStore",
    "Site",
    "admin_blueprint",
    "console_parser",
    "current_session",
    "drop_connection",
    "json_body",
    "json_value",
    "login_required",
    "make_app",
    "require_login",
    "run",
    "serve_options",
    "sessions",
    "apply_latency",
    "single_user",
    "site",
    "token_ok",
]
