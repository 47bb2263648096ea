"""The views every console shares: login, logout, the system error page and added latency."""

from __future__ import annotations

import socket
import time

from flask import Response, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue

from consoles._shared._guard import site, token_ok

__all__ = ["drop_connection", "login", "logout", "slow_down", "system_error"]

TIMED_OUT = "會話已超時 Session timed out"
BAD_TOKEN = "表單已失效，請重新登錄 Invalid form token, please log in again"
BAD_LOGIN = "用戶名或密碼錯誤 Wrong username or password"


def login() -> ResponseReturnValue:
    """``GET /login`` shows the form; ``POST /login`` checks it and starts a session."""
    console = site()
    if request.method == "GET":
        return _login_page(TIMED_OUT if console.args().get("timeout") else "")
    anonymous, _ = console.sessions.touch(request.cookies.get(console.cookie))
    if anonymous is None or not token_ok(anonymous.token):
        return _login_page(BAD_TOKEN, 403)
    fields = console.form()
    username = fields.get("username", "").strip()
    if not console.check_user(username, fields.get("password", "")):
        return _login_page(BAD_LOGIN)
    # A fresh session id on login, so an id handed out before it is worth nothing after.
    console.sessions.drop(anonymous.sid)
    session = console.sessions.new(user=username)
    response = redirect(url_for(console.home), code=303)
    response.set_cookie(console.cookie, session.sid, httponly=True, samesite="Lax")
    return response


def _login_page(message: str, status: int = 200) -> ResponseReturnValue:
    console = site()
    session = console.sessions.new()
    response = console.page("login.html", status, token=session.token, message=message)
    response.set_cookie(console.cookie, session.sid, httponly=True, samesite="Lax")
    return response


def logout() -> ResponseReturnValue:
    """``GET /logout``: end the session and go back to the login page."""
    console = site()
    console.sessions.drop(request.cookies.get(console.cookie))
    response = redirect(url_for("login"))
    response.delete_cookie(console.cookie)
    return response


def system_error(error: Exception) -> ResponseReturnValue:
    """The console's own 500 page."""
    return site().page("error.html", 500)


def slow_down() -> None:
    """Sleep the added latency before a request; the admin API itself stays quick."""
    if not request.path.startswith("/admin"):
        ms = site().latency.latency_ms
        if ms:
            time.sleep(ms / 1000)


def drop_connection() -> ResponseReturnValue:
    """Close the connection without an answer (a fault after a commit)."""
    # The commit is done; the browser just never hears about it. The server's write
    # to the closed socket then fails quietly as a dropped connection.
    sock = request.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        abort(500)  # no socket to drop (e.g. Flask's test client): the nearest thing
    sock.shutdown(socket.SHUT_RDWR)
    return Response(b"")
