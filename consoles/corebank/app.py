"""The corebank teller console: the app with its ledger and fault injection, and the server.

Run it with ``python -m consoles.corebank --port 8601 --db var/corebank.db`` or
through the ``teller.consoles`` entry point ``corebank`` (:func:`serve`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from consoles._shared import (
    DEFAULT_SLOW_PAGE_SECONDS,
    Faults,
    SessionStore,
    Site,
    make_app,
    run,
    start_faults,
)
from consoles.corebank._admin import admin
from consoles.corebank._ledger import Ledger
from consoles.corebank._pages import pages
from consoles.corebank._sessions import COOKIE, Session

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]

OPERATOR = "teller01"
DEFAULT_PASSWORD = "corebank-demo-pass"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
    fault_seed: int | None = None,
    fault_rates: Mapping[str, float] | None = None,
    slow_page_seconds: float = DEFAULT_SLOW_PAGE_SECONDS,
    refuse_reused_references: bool = True,
) -> Flask:
    """Build the console on the ledger at ``db_path`` (its schema is created if missing).

    ``fault_seed``, ``fault_rates`` and ``slow_page_seconds`` start it with fault injection
    on, as ``POST /admin/faults`` would set it; bad values raise ``FaultSettingsError``.
    ``refuse_reused_references=False`` posts a reference already used, as consoles that
    do not guard their references would.
    """
    faults = start_faults(
        latency_ms=latency_ms,
        fault_seed=fault_seed,
        fault_rates=fault_rates,
        slow_page_seconds=slow_page_seconds,
    )
    ledger = Ledger(Path(db_path), refuse_reused_references=refuse_reused_references)
    ledger.set_user(OPERATOR, password)
    site = Site(
        name="corebank",
        cookie=COOKIE,
        home="pages.frameset",
        sessions=SessionStore(Session, idle_seconds=session_idle_seconds),
        latency=faults,
        check_user=ledger.check_user,
    )
    app = make_app(__name__, site, admin, pages)
    app.extensions["corebank.ledger"] = ledger
    app.extensions["corebank.faults"] = faults
    return app


def serve(*, host: str = "127.0.0.1", port: int = 8601, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    faults: Faults = app.extensions["corebank.faults"]
    # On exit, no slow page holds the exit up.
    run(app, host=host, port=port, about=f"ledger {db}", stop=faults.stop)
