"""Users (admin; an auditor reads): every user with roles and state; an admin adds one
(its temporary password shown once), sets roles, disables or enables one with a reason,
resets a password. ``teller.people`` decides, as for ``teller users``: the last admin
keeps the role, an admin changes neither their own roles nor their own account, admin
is never held with operator or approver, every change is in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from teller._errors import AccessDenied, RoleRequired
from teller.desk._core import Reader, Refused, changing, desk_of
from teller.people import ROLES, Enrolment, People, Person
from teller.store import User

router = APIRouter()

Text = Annotated[str, Form(max_length=500)]
Roles = Annotated[list[str] | None, Form()]
T = TypeVar("T")


def _state(user: User) -> str:
    if user.disabled:
        return "disabled"
    state = "enrolling" if user.must_change else "active"
    locked = user.locked_until
    return f"{state}, locked to {locked:%H:%M} UTC" if locked is not None else state


@router.get("/users")
def users(request: Request, person: Reader) -> Response:
    person.require("list users", "admin", "auditor")
    desk = desk_of(request)
    found = [(u, _state(u)) for u in desk.people.users()]
    return desk.page(
        request, "users.html", person, users=found, roles=ROLES, can_change=person.has("admin")
    )


def _admin(request: Request, person: Person, csrf: str, action: str) -> People:
    changing(request, person, csrf)
    person.require(action, "admin")
    return desk_of(request).people


def _decided(call: Callable[[], T]) -> T:
    """What People decided: its refusal (last admin, own account, roles) shown as 400."""
    try:
        return call()
    except RoleRequired:
        raise
    except AccessDenied as refused:
        raise Refused(str(refused), 400) from None


def _told(request: Request, person: Person, enrolment: Enrolment, what: str) -> Response:
    return desk_of(request).page(request, "user_told.html", person, told=enrolment, what=what)


@router.post("/users/add")
def add_user(
    request: Request,
    person: Reader,
    username: Text = "",
    full_name: Text = "",
    role: Roles = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    people = _admin(request, person, csrf, "add users")
    told = _decided(
        lambda: people.add(person, username, roles=role or [], full_name=full_name.strip())
    )
    return _told(request, person, told, "added")


@router.post("/users/{name}/roles")
def set_roles(
    request: Request,
    person: Reader,
    name: str,
    role: Roles = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    people = _admin(request, person, csrf, "change roles")
    _decided(lambda: people.set_roles(person, name, role or []))
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/disable")
def disable_user(
    request: Request,
    person: Reader,
    name: str,
    reason: Text = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    people = _admin(request, person, csrf, "disable users")
    _decided(lambda: people.disable(person, name, reason=reason))
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/enable")
def enable_user(
    request: Request,
    person: Reader,
    name: str,
    reason: Text = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    people = _admin(request, person, csrf, "enable users")
    if not reason.strip():
        raise Refused("say why the user is enabled", 400)
    _decided(lambda: people.enable(person, name, reason=reason))
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/reset")
def reset_password(
    request: Request, person: Reader, name: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    people = _admin(request, person, csrf, "reset passwords")
    told = _decided(lambda: people.reset_password(person, name))
    return _told(request, person, told, "reset")
