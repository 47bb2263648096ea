"""The cif console (customer information): app factory, login and logout, and the server.

Run it with ``python -m consoles.cif --port 8603 --db var/cif.db`` or through the
``teller.consoles`` entry point ``cif`` (:func:`serve`).
"""

from __future__ import annotations

import hmac
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

from consoles.cif._admin import admin
from consoles.cif._db import Database
from consoles.cif._pages import pages
from consoles.cif._sessions import COOKIE, SessionStore, sessions, token_ok

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_PORT", "OPERATOR", "create_app", "serve"]

OPERATOR = "cifview"
DEFAULT_PASSWORD = "cif-demo-pass"
DEFAULT_PORT = 8603


def create_app(
    *,
    db_path: Path,
    password: str = DEFAULT_PASSWORD,
    session_idle_seconds: int = 300,
    latency_ms: int = 0,
) -> Flask:
    """Build the console on the database at ``db_path`` (its schema is created if missing)."""
    app = Flask(__name__)
    app.extensions["cif.db"] = Database(Path(db_path))
    app.extensions["cif.sessions"] = SessionStore(idle_seconds=session_idle_seconds)
    app.extensions["cif.password"] = password
    app.extensions["cif.latency_ms"] = latency_ms
    app.register_blueprint(admin)
    app.register_blueprint(pages)
    app.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", _logout)
    app.before_request(_slow_down)
    app.register_error_handler(500, _system_error)
    return app


def _slow_down() -> None:
    # A slow console on demand; the admin API itself stays quick.
    ms = current_app.extensions["cif.latency_ms"]
    if ms and not request.path.startswith("/admin"):
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
    password = request.form.get("password", "")
    expected = current_app.extensions["cif.password"]
    if username != OPERATOR or not hmac.compare_digest(password.encode(), expected.encode()):
        return _login_page("用戶名或密碼錯誤 Wrong username or password")
    store.drop(anonymous.sid)  # a fresh id on login: one handed out before is worth nothing
    session = store.new(user=username)
    response = redirect(url_for("pages.search"), code=303)
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


def serve(*, host: str = "127.0.0.1", port: int = DEFAULT_PORT, db: Path, **options: Any) -> None:
    """Serve the console with a threaded werkzeug server until interrupted (blocking)."""
    app = create_app(db_path=Path(db), **options)
    server = make_server(host, port, app, threaded=True)
    print(f"cif console on http://{host}:{server.port}/ (database {db})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
