"""The spapay console: a single-page payables app on its SQLite ledger, and the server.

Run it with ``python -m consoles.spapay --port 8606 --db var/spapay.db`` or through the
``teller.consoles`` entry point ``spapay`` (:func:`serve`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from consoles._shared import Session, SessionStore, Site, make_app, run
from consoles.spapay._admin import admin
from consoles.spapay._api import api, pages
from consoles.spapay._defaults import Defaults
from consoles.spapay._faults import Faults
from consoles.spapay._ledger import Ledger

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]

OPERATOR = "payclerk"
DEFAULT_PASSWORD = "spapay-demo-pass"
COOKIE = "SPAPAYSID"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
    defaults_seed: int = 1,
    refuse_reused_references: bool = True,
) -> Flask:
    """Build the console on the ledger at ``db_path`` (its schema is created if missing).

    ``refuse_reused_references=False`` saves and posts a reference already used, as a
    console without that guard would.
    """
    faults = Faults(latency_ms=latency_ms)
    ledger = Ledger(Path(db_path), refuse_reused_references=refuse_reused_references)
    ledger.set_user(OPERATOR, password)
    site = Site(
        name="spapay",
        cookie=COOKIE,
        home="pages.shell",
        sessions=SessionStore(Session, idle_seconds=session_idle_seconds),
        latency=faults,
        check_user=ledger.check_user,
    )
    app = make_app(__name__, site, admin, api, pages)
    app.extensions["spapay.ledger"] = ledger
    app.extensions["spapay.faults"] = faults
    defaults = Defaults()
    defaults.configure({"seed": defaults_seed})
    app.extensions["spapay.defaults"] = defaults
    return app


def serve(*, host: str = "127.0.0.1", port: int = 8606, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    faults: Faults = app.extensions["spapay.faults"]
    run(app, host=host, port=port, about=f"ledger {db}", stop=faults.stop)
