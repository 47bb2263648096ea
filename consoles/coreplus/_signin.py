"""Sign-in in two steps: user name and password, then a six-digit one-time code (TOTP).

``/login`` checks the password and hands out a new session that is only half signed
in; ``/login/otp`` checks the code (RFC 6238: 30-second steps, six digits; the code of
the current step or of the one before is taken, so a code typed as the step turns still
counts). A code is not spent by its use: several sessions of one operator may sign in
with the same code at once, as a robot's four browser contexts do. Three wrong codes
end the half-signed-in session: back to the password.
"""

from __future__ import annotations

import hmac
import time

import pyotp
from flask import Blueprint, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from consoles._shared import site, token_ok
from consoles.coreplus._sessions import Session

__all__ = ["CODE_STEP", "MAX_WRONG_CODES", "code_ok", "login", "signin"]

signin = Blueprint("signin", __name__)

CODE_STEP = 30
MAX_WRONG_CODES = 3
TIMED_OUT = "会话已超时，请重新登录 Session timed out, please sign in again"
BAD_TOKEN = "页面已失效，请重新登录 Invalid form token, please sign in again"
BAD_LOGIN = "用户名或密码错误 Wrong username or password"
BAD_CODE = "动态码错误 Wrong one-time code"
TOO_MANY = "动态码错误次数过多，请重新登录 Too many wrong codes, please sign in again"


def code_ok(seed: str, code: str, *, now: float | None = None) -> bool:
    """Whether ``code`` is the seed's code of the current 30-second step or the one before."""
    totp = pyotp.TOTP(seed, digits=6, interval=CODE_STEP)
    moment = time.time() if now is None else now
    given = code.strip()
    if len(given) != 6 or not given.isascii() or not given.isdigit():
        return False
    # Both compared, always, in constant time: the answer's timing says nothing.
    current = hmac.compare_digest(given, totp.at(moment))
    previous = hmac.compare_digest(given, totp.at(moment - CODE_STEP))
    return current or previous


def login() -> ResponseReturnValue:
    """``GET /login`` shows the password form; ``POST /login`` checks it (step one)."""
    console = site()
    if request.method == "GET":
        return _page("login.html", TIMED_OUT if request.args.get("timeout") else "")
    anonymous, _ = console.sessions.touch(request.cookies.get(console.cookie))
    if anonymous is None or not token_ok(anonymous.token):
        return _page("login.html", BAD_TOKEN, 403)
    username = console.form().get("username", "").strip()
    if not console.check_user(username, console.form().get("password", "")):
        return _page("login.html", BAD_LOGIN)
    # A fresh id for the half-signed-in session: an id handed out before is worth nothing.
    console.sessions.drop(anonymous.sid)
    session: Session = console.sessions.new()
    session.pending = username
    return _go(url_for("signin.code"), session)


@signin.route("/login/otp", methods=["GET", "POST"])
def code() -> ResponseReturnValue:
    """``GET /login/otp`` asks for the one-time code; ``POST`` checks it (step two)."""
    console = site()
    session, expired = console.sessions.touch(request.cookies.get(console.cookie))
    if session is None or session.pending is None:
        return redirect(url_for("login", timeout=1) if expired else url_for("login"))
    if request.method == "GET":
        return _page("otp.html", "", session=session)
    if not token_ok(session.token):
        return _page("otp.html", BAD_TOKEN, 403, session=session)
    seed = current_app.extensions["coreplus.ledger"].totp_seed(session.pending)
    if seed is None or not code_ok(seed, console.form().get("otp", "")):
        session.wrong_codes += 1
        if session.wrong_codes >= MAX_WRONG_CODES:
            console.sessions.drop(session.sid)
            return _page("login.html", TOO_MANY)
        return _page("otp.html", BAD_CODE, session=session)
    console.sessions.drop(session.sid)
    signed_in = console.sessions.new(user=session.pending)
    return _go(url_for(console.home), signed_in)


def _go(url: str, session: Session) -> ResponseReturnValue:
    response = redirect(url, code=303)
    response.set_cookie(site().cookie, session.sid, httponly=True, samesite="Lax")
    return response


def _page(
    template: str, message: str, status: int = 200, *, session: Session | None = None
) -> ResponseReturnValue:
    """A sign-in page; without ``session``, a new anonymous one for its form token."""
    console = site()
    if session is None:
        session = console.sessions.new()
    response = console.page(template, status, token=session.token, message=message)
    response.set_cookie(console.cookie, session.sid, httponly=True, samesite="Lax")
    return response
