"""The coreplus console: the app with its ledger, clock and fault injection, and the server.

Run it with ``python -m consoles.coreplus --port 8605 --db var/coreplus.db`` or
through the ``teller.consoles`` entry point ``coreplus`` (:func:`serve`).
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyotp
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
from consoles.coreplus._admin import admin
from consoles.coreplus._clock import Clock
from consoles.coreplus._ledger import Ledger
from consoles.coreplus._pages import pages
from consoles.coreplus._reports import reports
from consoles.coreplus._sessions import COOKIE, Session
from consoles.coreplus._signin import login, signin

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_TOTP_SEED", "OPERATOR", "create_app", "serve"]

OPERATOR = "cpteller01"
DEFAULT_PASSWORD = "coreplus-demo-pass"
DEFAULT_TOTP_SEED = "JBSWY3DPEHPK3PXPCOREPLUSDEMOSEED"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    totp_seed: str = DEFAULT_TOTP_SEED,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
    fault_seed: int | None = None,
    fault_rates: Mapping[str, float] | None = None,
    slow_page_seconds: float = DEFAULT_SLOW_PAGE_SECONDS,
    refuse_reused_references: bool = True,
) -> Flask:
    """Build the console on the ledger at ``db_path`` (its schema is created if missing).

    The operator's password and one-time-code seed (base32) are reset to ``password`` and
    ``totp_seed`` (a seed that is not base32 raises ``ValueError``). ``fault_seed``,
    ``fault_rates`` and ``slow_page_seconds`` start it with fault injection on, as
    ``POST /admin/faults`` would set it (bad values raise ``FaultSettingsError``).
    ``refuse_reused_references=False`` posts a customer reference already used.
    """
    try:
        pyotp.TOTP(totp_seed).now()
    except (ValueError, TypeError, binascii.Error):
        raise ValueError("the one-time-code seed is not base32") from None
    faults = start_faults(
        latency_ms=latency_ms,
        fault_seed=fault_seed,
        fault_rates=fault_rates,
        slow_page_seconds=slow_page_seconds,
    )
    ledger = Ledger(Path(db_path), refuse_reused_references=refuse_reused_references)
    ledger.set_user(OPERATOR, password, totp_seed)
    site = Site(
        name="coreplus",
        cookie=COOKIE,
        home="pages.home",
        sessions=SessionStore(Session, idle_seconds=session_idle_seconds),
        latency=faults,
        check_user=ledger.check_user,
    )
    app = make_app(__name__, site, admin, signin, pages, reports, login_view=login)
    app.extensions["coreplus.ledger"] = ledger
    app.extensions["coreplus.faults"] = faults
    app.extensions["coreplus.clock"] = Clock()
    return app


def serve(*, host: str = "127.0.0.1", port: int = 8605, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    faults: Faults = app.extensions["coreplus.faults"]
    # On exit, no slow page holds the exit up.
    run(app, host=host, port=port, about=f"ledger {db}", stop=faults.stop)
