"""The cif console (customer information): the app on its database, and the server.

Run it with ``python -m consoles.cif --port 8603 --db var/cif.db`` or through the
``teller.consoles`` entry point ``cif`` (:func:`serve`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from consoles._shared import Latency, Session, SessionStore, Site, make_app, run, single_user
from consoles.cif._admin import admin
from consoles.cif._db import Database
from consoles.cif._pages import pages

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_PORT", "OPERATOR", "create_app", "serve"]

OPERATOR = "cifview"
DEFAULT_PASSWORD = "cif-demo-pass"
DEFAULT_PORT = 8603
COOKIE = "CIFSESSIONID"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
) -> Flask:
    """Build the console on the database at ``db_path`` (its schema is created if missing)."""
    site = Site(
        name="cif",
        cookie=COOKIE,
        home="pages.search",
        sessions=SessionStore(Session, idle_seconds=session_idle_seconds),
        latency=Latency(latency_ms),
        check_user=single_user(OPERATOR, password),
    )
    app = make_app(__name__, site, admin, pages)
    app.extensions["cif.db"] = Database(Path(db_path))
    return app


def serve(*, host: str = "127.0.0.1", port: int = DEFAULT_PORT, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    run(app, host=host, port=port, about=f"database {db}")
