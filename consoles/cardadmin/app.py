"""The cardadmin console: login, session checks, latency and the server.

Run it with ``python -m consoles.cardadmin --port 8604 --db var/cardadmin.db`` or through
the ``teller.consoles`` entry point ``cardadmin`` (:func:`serve`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

from consoles.cardadmin._admin import Faults, admin
from consoles.cardadmin._pages import pages
from consoles.cardadmin._store import Store
from consoles.cardadmin._web import COOKIE, SessionStore, args, form, page, sessions, token_ok

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]

OPERATOR = "cardops"
DEFAULT_PASSWORD = "cardadmin-demo-pass"


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
) -> Flask:
    """Build the console on the database at ``db_path`` (its schema is created if missing)."""
    app = Flask(__name__)
    store = Store(Path(db_path))
    store.set_user(OPERATOR, password)
    app.extensions["cardadmin.store"] = store
    app.extensions["cardadmin.sessions"] = SessionStore(idle_seconds=session_idle_seconds)
    app.extensions["cardadmin.faults"] = Faults(latency_ms=latency_ms)
    app.register_blueprint(admin)
    app.register_blueprint(pages)
    app.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", _logout)
    app.before_request(_slow_down)
    app.register_error_handler(500, _system_error)
    return app


def _slow_down() -> None:
    if not request.path.startswith("/admin"):
        ms = current_app.extensions["cardadmin.faults"].latency_ms
        if ms:
            time.sleep(ms / 1000)


def _login() -> ResponseReturnValue:
    store = sessions()
    if request.method == "GET":
        message = "會話已超時 Session timed out" if args().get("timeout") else ""
        return _login_page(message)
    anonymous, _ = store.touch(request.cookies.get(COOKIE))
    if anonymous is None or not token_ok(anonymous.token):
        return _login_page("表單已失效，請重新登錄 Invalid form token, please log in again", 403)
    fields = form()
    username = fields.get("username", "").strip()
    if not current_app.extensions["cardadmin.store"].check_user(
        username, fields.get("password", "")
    ):
        return _login_page("用戶名或密碼錯誤 Wrong username or password")
    # A fresh session id on login, so an id handed out before it is worth nothing after.
    store.drop(anonymous.sid)
    session = store.new(user=username)
    response = redirect(url_for("pages.card"), code=303)
    response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Lax")
    return response


def _login_page(message: str, status: int = 200) -> ResponseReturnValue:
    session = sessions().new()
    response = page("login.html", status, token=session.token, message=message)
    response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Lax")
    return response


def _logout() -> ResponseReturnValue:
    sessions().drop(request.cookies.get(COOKIE))
    response = redirect(url_for("login"))
    response.delete_cookie(COOKIE)
    return response


def _system_error(error: Exception) -> ResponseReturnValue:
    return page("error.html", 500)


def serve(*, host: str = "127.0.0.1", port: int = 8604, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    server = make_server(host, port, app, threaded=True)
    print(f"cardadmin console on http://{host}:{server.port}/ (database {db})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
