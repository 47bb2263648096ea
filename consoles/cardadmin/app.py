"""The cardadmin console: the app on its card database, with GBK pages, and the server.

Run it with ``python -m consoles.cardadmin --port 8604 --db var/cardadmin.db`` or through
the ``teller.consoles`` entry point ``cardadmin`` (:func:`serve`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from consoles._shared import Session, SessionStore, make_app, run
from consoles.cardadmin._admin import Faults, admin
from consoles.cardadmin._pages import pages
from consoles.cardadmin._store import Store
from consoles.cardadmin._web import GbkSite

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]

OPERATOR = "cardops"
DEFAULT_PASSWORD = "cardadmin-demo-pass"
COOKIE = "CARDADMSESSION"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
) -> Flask:
    """Build the console on the database at ``db_path`` (its schema is created if missing)."""
    store = Store(Path(db_path))
    store.set_user(OPERATOR, password)
    faults = Faults(latency_ms=latency_ms)
    site = GbkSite(
        name="cardadmin",
        cookie=COOKIE,
        home="pages.card",
        sessions=SessionStore(Session, idle_seconds=session_idle_seconds),
        latency=faults,
        check_user=store.check_user,
    )
    app = make_app(__name__, site, admin, pages)
    app.extensions["cardadmin.store"] = store
    app.extensions["cardadmin.faults"] = faults
    return app


def serve(*, host: str = "127.0.0.1", port: int = 8604, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    run(app, host=host, port=port, about=f"database {db}")
