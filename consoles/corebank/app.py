"""The corebank teller console: routes, login and session checks, and the server.

Run it with ``python -m consoles.corebank --port 8601 --db var/corebank.db`` or
through the ``teller.consoles`` entry point ``corebank`` (:func:`serve`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

from consoles.corebank._admin import admin
from consoles.corebank._faults import DEFAULT_SLOW_PAGE_SECONDS, Faults
from consoles.corebank._guard import sessions, token_ok
from consoles.corebank._ledger import Ledger
from consoles.corebank._pages import pages
from consoles.corebank._sessions import COOKIE, SessionStore

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
) -> Flask:
    """Build the console on the ledger at ``db_path`` (its schema is created if missing).

    ``fault_seed``, ``fault_rates`` and ``slow_page_seconds`` start it with fault injection
    on, as ``POST /admin/faults`` would set it; bad values raise ``FaultSettingsError``.
    """
    faults = Faults(latency_ms=latency_ms)
    settings: dict[str, Any] = {"slow_page_seconds": slow_page_seconds}
    if fault_seed is not None:
        settings["seed"] = fault_seed
    if fault_rates is not None:
        settings["rates"] = dict(fault_rates)
    faults.configure(settings)
    app = Flask(__name__)
    ledger = Ledger(Path(db_path))
    ledger.set_user(OPERATOR, password)
    app.extensions["corebank.ledger"] = ledger
    app.extensions["corebank.sessions"] = SessionStore(idle_seconds=session_idle_seconds)
    app.extensions["corebank.faults"] = faults
    app.register_blueprint(admin)
    app.register_blueprint(pages)
    app.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", _logout)
    app.before_request(_slow_down)
    app.register_error_handler(500, _system_error)
    return app


def _slow_down() -> None:
    # Benchmarks ask for a slow console; the admin API itself stays quick.
    if not request.path.startswith("/admin"):
        ms = current_app.extensions["corebank.faults"].latency_ms
        if ms:
            time.sleep(ms / 1000)


def _login() -> ResponseReturnValue:
    store = sessions()
    if request.method == "GET":
        message = "會話已超時 Session timed out" if request.args.get("timeout") else ""
        return _login_page(message)
    anonymous, _ = store.touch(request.cookies.get(COOKIE))
    if anonymous is None or not token_ok(anonymous.token):
        return _login_page("表單已失效，請重新登錄 Invalid form token, please log in again", 403)
    username = request.form.get("username", "").strip()
    if not current_app.extensions["corebank.ledger"].check_user(
        username, request.form.get("password", "")
    ):
        return _login_page("用戶名或密碼錯誤 Wrong username or password")
    # A fresh session id on login, so an id handed out before it is worth nothing after.
    store.drop(anonymous.sid)
    session = store.new(user=username)
    response = redirect(url_for("pages.frameset"), code=303)
    response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Lax")
    return response


def _login_page(message: str, status: int = 200) -> ResponseReturnValue:
    session = sessions().new()
    response = current_app.make_response(
        (render_template("login.html", token=session.token, message=message), status)
    )
    response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Lax")
    return response


def _logout() -> ResponseReturnValue:
    sessions().drop(request.cookies.get(COOKIE))
    response = redirect(url_for("login"))
    response.delete_cookie(COOKIE)
    return response


def _system_error(error: Exception) -> ResponseReturnValue:
    return render_template("error.html"), 500


def serve(*, host: str = "127.0.0.1", port: int = 8601, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    server = make_server(host, port, app, threaded=True)
    print(f"corebank console on http://{host}:{server.port}/ (ledger {db})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["corebank.faults"].stop()  # no slow page holds the exit up
        server.server_close()
