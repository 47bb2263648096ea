"""A Desk project with schedules and one disabled user, for the admin pages' tests, and
what the store holds of people, pauses and items (to check a refused request moved none)."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from teller.desk import create_app
from teller.people import People, Person
from teller.schedule import firing_history
from teller.schedule._pause import pause, pauses
from teller.settings import load_settings
from teller.store import open_store
from tests.desk._desk import PEOPLE, Held, csrf_of, held_lines

SCHEDULE = """name = "{name}"
flow = "payroll"
owner = "clerk"
cron = "0 9 * * *"
calendar = "every_day"
input = "pay.xlsx"
"""


def admin_project(project: Path) -> Held:
    """Held lines and people (tests/desk/_desk.py), a user ``gone`` disabled, and two
    schedules: ``daily`` running, ``nightly`` paused by the admin."""
    held = held_lines(project, desk="signins_per_minute = 60")
    held.team.add("gone", "operator")
    folder = project / "schedules"
    folder.mkdir()
    for name in ("daily", "nightly"):
        (folder / f"{name}.toml").write_text(SCHEDULE.format(name=name), encoding="utf-8")
    store = open_store(load_settings(project))
    try:
        people = People(store)
        user = people.user("admin")
        assert user is not None
        admin = Person(user.id, "admin", frozenset(user.roles), session="fixture")
        people.disable(admin, "gone", reason="left the bank")
        pause(store, "nightly", by=admin, reason="bank holiday week")
    finally:
        store.close()
    return held


def client_of(project: Path) -> TestClient:
    """The Desk of ``project`` through Starlette's test client, in English."""
    client = TestClient(create_app(load_settings(project)), base_url="https://testserver")
    client.cookies.set("teller-language", "en")
    return client


def sign_in(client: httpx.Client | TestClient, held: Held, name: str) -> str:
    """Sign ``name`` in through the Desk's form, with a one-time code for approvers and
    admins; the CSRF token of their session."""
    form = client.get("/signin")
    roles = {"admin"} if name == "admin" else set(PEOPLE.get(name, ()))
    code = held.team.code(name) if {"approver", "admin"} & roles else ""
    done = client.post(
        "/signin",
        data={
            "username": name,
            "password": held.team.passwords[name],
            "code": code,
            "csrf": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:2000]
    return csrf_of(client.get("/").text)


def snapshot(project: Path) -> tuple[object, ...]:
    """What a state-changing request of the Desk could change: people (roles, state,
        password), paused schedules, items' states, the schedules' firings (asked for included),
    and how long the audit trail is."""
    store = open_store(load_settings(project))
    try:
        users = sorted(
            (u.username, tuple(u.roles), u.disabled, u.must_change, u.password_hash)
            for u in People(store).users()
        )
        paused = sorted((p.schedule, p.paused_by, p.reason) for p in pauses(store).values())
        items = sorted((i.id, i.state, len(i.approvals)) for i in store.items())
        fired = [
            (f.id, f.status) for name in ("daily", "nightly") for f in firing_history(store, name)
        ]
        return users, paused, items, fired, len(store.audit_records())
    finally:
        store.close()
