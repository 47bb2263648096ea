"""What the sandbox consoles share: sessions, login, guards, admin basics, app and server.

Each console keeps its own differences (cookie, labels, encoding, faults) in its
:class:`Site` and its own modules; templates may include ``_login_fields.html``.
"""

from __future__ import annotations

from consoles._shared._admin import admin_blueprint, apply_latency, json_body, json_value
from consoles._shared._app import make_app, run
from consoles._shared._cli import console_parser, serve_options
from consoles._shared._fault_admin import (
    add_fault_endpoints,
    add_fault_flags,
    fault_options,
    start_faults,
)
from consoles._shared._faults import (
    DEFAULT_SLOW_PAGE_SECONDS,
    FAULT_KINDS,
    Faults,
    FaultSettingsError,
)
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
    "DEFAULT_SLOW_PAGE_SECONDS",
    "FAULT_KINDS",
    "FaultSettingsError",
    "Faults",
    "HasLatency",
    "Latency",
    "Session",
    "SessionStore",
    "Site",
    "add_fault_endpoints",
    "add_fault_flags",
    "admin_blueprint",
    "console_parser",
    "current_session",
    "drop_connection",
    "fault_options",
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
    "start_faults",
    "site",
    "token_ok",
]
