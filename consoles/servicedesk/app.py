"""The servicedesk console: the app on its ticket database, and the server.

Run it with ``python -m consoles.servicedesk --port 8602 --db var/servicedesk.db`` or
through the ``teller.consoles`` entry point ``servicedesk`` (:func:`serve`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from consoles._shared import Latency, Session, SessionStore, Site, make_app, run, single_user
from consoles.servicedesk._admin import admin
from consoles.servicedesk._desk import Desk
from consoles.servicedesk._pages import pages

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]

OPERATOR = "agent07"
DEFAULT_PASSWORD = "servicedesk-demo-pass"
COOKIE = "SDSESSIONID"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
) -> Flask:
    """Build the console on the ticket database at ``db_path`` (created if missing)."""
    site = Site(
        name="servicedesk",
        cookie=COOKIE,
        home="pages.queue",
        sessions=SessionStore(Session, idle_seconds=session_idle_seconds),
        latency=Latency(latency_ms),
        check_user=single_user(OPERATOR, password),
    )
    app = make_app(__name__, site, admin, pages)
    app.extensions["servicedesk.desk"] = Desk(Path(db_path))
    return app


def serve(*, host: str = "127.0.0.1", port: int = 8602, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    run(app, host=host, port=port, about=f"tickets {db}")
