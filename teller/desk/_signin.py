"""Signing in and out of the Desk, and choosing its language."""

from __future__ import annotations

from dataclasses import dataclass
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
from teller.people import Person

router = APIRouter()


def _form(request: Request, status: int = 200, refusal: str = "", proof: str = "") -> Response:
    """The sign-in form: its first step (name and password), or with ``proof`` its second
    (the one-time code)."""
    desk = desk_of(request)
    binding = request.cookies.get(PRE_COOKIE) or new_binding()
    page = desk.page(
        request,
        "signin.html",
        None,
        status,
        signin_csrf=csrf_for(desk.key, f"signin:{binding}"),
        refusal=refusal,
        proof=proof,
    )
    page.set_cookie(
        PRE_COOKIE, binding, httponly=True, secure=True, samesite="strict", path="/", max_age=3600
    )
    return page


@router.get("/signin")
def signin_page(request: Request) -> Response:
    return _form(request)


@dataclass(frozen=True)
class _Attempt:
    """A sign-in request let through: its browser's binding (the sign-in cookie), the
    client's address, and how long a session it opens may last (minutes)."""

    binding: str
    address: str
    minutes: float


def _checked(request: Request, csrf: str) -> _Attempt | Response:
    """The attempt, or the refusal to answer with: too many attempts from this address,
    or a form not of this browser."""
    desk = desk_of(request)
    _ = desk.language(request).gettext
    address = request.client.host if request.client else "?"
    if not desk.limit.allow(address):
        return _form(request, 429, _("Too many sign-in attempts. Wait a minute."))
    binding = request.cookies.get(PRE_COOKIE, "")
    if not binding or not same_token(csrf, csrf_for(desk.key, f"signin:{binding}")):
        return _form(request, 403, _("The form expired. Sign in again."))
    return _Attempt(binding, address, desk.longest.total_seconds() / 60)


@router.post("/signin")
def signin(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The first step: name and password. An approver or admin is asked for a one-time
    code next, unless it came with them (one form, as a password manager fills it)."""
    desk, attempt = desk_of(request), _checked(request, csrf)
    if isinstance(attempt, Response):
        return attempt
    try:
        if not code.strip() and desk.people.needs_code(username):
            proof = desk.people.first_step(username, password, binding=attempt.binding)
            return _form(request, proof=proof)
        opened = desk.people.login(
            username,
            password,
            code,
            os_user=OS_USER,
            host=attempt.address,
            minutes=attempt.minutes,
        )
    except (LoginRefused, AccessDenied) as refusal:
        return _refused(request, refusal)
    return _signed_in(request, *opened)


@router.post("/signin/code")
def signin_code(
    request: Request,
    proof: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The second step: the one-time code, after the password step's proof."""
    desk, attempt = desk_of(request), _checked(request, csrf)
    if isinstance(attempt, Response):
        return attempt
    try:
        opened = desk.people.second_step(
            proof,
            code,
            binding=attempt.binding,
            os_user=OS_USER,
            host=attempt.address,
            minutes=attempt.minutes,
        )
    except (LoginRefused, AccessDenied) as refusal:
        return _refused(request, refusal)
    return _signed_in(request, *opened)


def _refused(request: Request, refusal: Exception) -> Response:
    _ = desk_of(request).language(request).gettext
    if isinstance(refusal, LoginRefused):  # the same words for every cause
        return _form(request, 401, _("Sign-in refused: check name, password and code."))
    return _form(request, 403, str(refusal))


def _signed_in(request: Request, person: Person, token: str) -> Response:
    desk = desk_of(request)
    desk.people.keep_alive(person, idle=desk.idle, longest=desk.longest)
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
