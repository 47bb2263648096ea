"""The demo's sandbox people: an admin, a clerk (the maker) and a checker (the approver).

Made once per sandbox store through the same calls as ``teller users bootstrap|add`` and
``teller login --enrol``; their credentials are kept in ``var/demo/people.toml`` (mode
0600) and printed, because they exist only in a sandbox store.
"""

from __future__ import annotations

import os
import secrets
import socket
import tomllib
from pathlib import Path

import pyotp

from teller._errors import AccessDenied
from teller.cli._signin import os_user
from teller.people import People, Person
from teller.settings import Settings
from teller.store import Store

__all__ = ["CHECKER", "CLERK", "demo_clerk", "sandbox_credentials"]

ADMIN, CLERK, CHECKER = "demo-admin", "demo-clerk", "demo-checker"
ROLES = {CLERK: ("operator",), CHECKER: ("approver",)}


def _file(settings: Settings) -> Path:
    return settings.var / "demo" / "people.toml"


def sandbox_credentials(settings: Settings) -> dict[str, dict[str, str]]:
    path = _file(settings)
    return tomllib.loads(path.read_text()) if path.is_file() else {}


def _keep(settings: Settings, people: dict[str, dict[str, str]]) -> None:
    path = _file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f'[{name}]\npassword = "{c["password"]}"\nseed = "{c["seed"]}"\n\n'
        for name, c in people.items()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


def _sign_in(people: People, name: str, credentials: dict[str, str]) -> Person:
    code = pyotp.TOTP(credentials["seed"]).now()
    person, _ = people.login(
        name,
        credentials["password"],
        code,
        os_user=os_user(),
        host=socket.gethostname(),
        minutes=5,
    )
    return person


def _made(settings: Settings, people: People) -> dict[str, dict[str, str]]:
    if people.user(ADMIN) is None and any("admin" in u.roles for u in people.users()):
        raise AccessDenied(
            "the demo makes its sandbox people in a store without an admin of its own; "
            "this store has one: run the demo in a fresh project folder"
        )
    known: dict[str, dict[str, str]] = {}
    password = secrets.token_urlsafe(12)
    known[ADMIN] = {"password": password, "seed": people.bootstrap(ADMIN, password=password).seed}
    admin = _sign_in(people, ADMIN, known[ADMIN])
    for name, roles in ROLES.items():
        temporary = people.add(admin, name, roles=roles, full_name=f"sandbox {roles[0]}")
        chosen = secrets.token_urlsafe(12)
        seed = people.enrol(name, temporary.password, chosen).seed
        known[name] = {"password": chosen, "seed": seed}
    _keep(settings, known)
    return known


def demo_clerk(settings: Settings, store: Store) -> Person:
    """The sandbox clerk, signed in: the maker of the demo's runs (people made if new)."""
    people = People(store)
    known = sandbox_credentials(settings)
    if people.user(CLERK) is None or CLERK not in known:
        known = _made(settings, people)
    clerk = known[CLERK]
    person, _ = people.login(
        CLERK, clerk["password"], os_user=os_user(), host=socket.gethostname(), minutes=60
    )
    return person
