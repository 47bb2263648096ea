"""Signing in and out of the Desk, and choosing its language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from teller._errors import AccessDenied, LoginRefused
from teller.desk._core import Reader, changing, desk_of
from teller.desk._guard import (
    LANGUAGE_COOKIE,
    OS_USER,
    PRE_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    new_binding,
    same_token,
)
from teller.desk._i18n import LANGUAGES

router = APIRouter()


def _form(request: Request, status: int = 200, refusal: str = "") -> Response:
    desk = desk_of(request)
    binding = request.cookies.get(PRE_COOKIE) or new_binding()
    page = desk.page(
        request,
        "signin.html",
        None,
        status,
        signin_csrf=csrf_for(desk.key, f"signin:{binding}"),
        refusal=refusal,
    )
    page.set_cookie(
        PRE_COOKIE, binding, httponly=True, secure=True, samesite="strict", path="/", max_age=3600
    )
    return page


@router.get("/signin")
def signin_page(request: Request) -> Response:
    return _form(request)


@router.post("/signin")
def signin(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    desk = desk_of(request)
    _ = desk.language(request).gettext
    address = request.client.host if request.client else "?"
    if not desk.limit.allow(address):
        return _form(request, 429, _("Too many sign-in attempts. Wait a minute."))
    binding = request.cookies.get(PRE_COOKIE, "")
    if not binding or not same_token(csrf, csrf_for(desk.key, f"signin:{binding}")):
        return _form(request, 403, _("The form expired. Sign in again."))
    try:
        person, token = desk.people.login(
            username,
            password,
            code,
            os_user=OS_USER,
            host=address,
            minutes=desk.longest.total_seconds() / 60,
        )
        desk.people.keep_alive(person, idle=desk.idle, longest=desk.longest)
    except LoginRefused:
        return _form(request, 401, _("Sign-in refused: check name, password and code."))
    except AccessDenied as denied:
        return _form(request, 403, str(denied))
    done = RedirectResponse("/", status_code=303)
    done.set_cookie(SESSION_COOKIE, token, httponly=True, secure=True, samesite="strict", path="/")
    done.delete_cookie(PRE_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return done


@router.post("/signout")
def signout(request: Request, person: Reader, csrf: Annotated[str, Form()] = "") -> Response:
    changing(request, person, csrf)
    desk_of(request).people.logout(request.cookies.get(SESSION_COOKIE, ""))
    gone = RedirectResponse("/signin", status_code=303)
    gone.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return gone


@router.get("/language/{code}")
def choose_language(code: str) -> Response:
    back = RedirectResponse("/", status_code=303)
    if code in LANGUAGES:
        back.set_cookie(LANGUAGE_COOKIE, code, samesite="lax", path="/", max_age=31536000)
    return back
