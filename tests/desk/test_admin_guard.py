"""What the Audit, Schedules and Users pages refuse, route by route: no session (401),
no or another session's CSRF token (403), the wrong role (403), the store unchanged each
time; an auditor refused on every state-changing route of the whole Desk, as the
application lists them (a route added later is covered too). And what an admin's
changes do: in the store, in the audit trail with the person, in the scheduler's firings.

Through the application itself (Starlette's test client over HTTPS) against a real
SQLite store with people made by the admin's commands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from teller.people import People
from teller.schedule import fire, firing_history, load_calendar, load_schedule, load_schedules
from teller.schedule._request import take_requested
from teller.settings import load_settings
from teller.store import open_store
from tests.desk._admin import admin_project, client_of, sign_in, snapshot
from tests.desk._desk import Held

# every state-changing route of the Audit, Schedules and Users pages, with a form that
# would change the store if the request were let through
MINE = {
    "/schedules/daily/pause": {"reason": "month end"},
    "/schedules/nightly/resume": {},
    "/users/add": {"username": "newcomer", "role": ["operator"]},
    "/users/clerk/roles": {"role": ["approver"]},
    "/users/clerk/disable": {"reason": "left the bank"},
    "/users/gone/enable": {"reason": "came back"},
    "/users/clerk/reset": {},
}
# who may post to a route of the whole Desk, beside its CSRF token: none for an auditor
# but signing out (the sign-in form is before any session, and has its own test)
AUDITOR_MAY = {"/signout", "/signin"}


@pytest.fixture
def held(project: Path) -> Held:
    return admin_project(project)


@pytest.fixture
def client(held: Held) -> Iterator[TestClient]:
    with client_of(held.project) as made:
        yield made


def posted(client: TestClient, route: str, csrf: str | None) -> int:
    data = {**MINE.get(route, {}), **({} if csrf is None else {"csrf": csrf})}
    return client.post(route, data=data, follow_redirects=False).status_code


@pytest.mark.parametrize("route", sorted(MINE))
def test_a_change_without_a_session_is_refused(client: TestClient, held: Held, route: str) -> None:
    before = snapshot(held.project)
    assert posted(client, route, "forged") == 401
    assert snapshot(held.project) == before


def test_an_admins_change_without_this_sessions_csrf_token_is_refused(held: Held) -> None:
    with client_of(held.project) as admin, client_of(held.project) as clerk:
        clerks = sign_in(clerk, held, "clerk")
        admins = sign_in(admin, held, "admin")
        before = snapshot(held.project)
        for route in MINE:
            for token in (None, "", clerks, admins[:-1] + ("0" if admins[-1] != "0" else "1")):
                assert posted(admin, route, token) == 403, (route, token)
            # the clerk's cookie with the admin's token lifted from the admin's page
            assert posted(clerk, route, admins) == 403, route
        assert snapshot(held.project) == before
        assert admin.get("/users", follow_redirects=False).status_code == 200  # still in


@pytest.mark.parametrize("who", ["clerk", "checker", "auditor"])
def test_a_person_without_the_admin_role_changes_nothing(
    client: TestClient, held: Held, who: str
) -> None:
    csrf = sign_in(client, held, who)
    before = snapshot(held.project)
    for route in MINE:
        answer = client.post(route, data={**MINE[route], "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 403, (route, answer.text[:300])
        assert "admin" in answer.text
    assert snapshot(held.project) == before


def test_an_auditor_is_refused_on_every_state_changing_route_of_the_desk(
    client: TestClient, held: Held
) -> None:
    # the application's own list of its routes (its OpenAPI description: not served, but
    # made from every route the routers register)
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = sorted(p for p, methods in paths.items() if "post" in methods)
    assert set(routes) >= {"/approvals/decide", "/schedules/{name}/pause", "/users/{name}/roles"}
    routes = [r for r in routes if r not in AUDITOR_MAY]
    csrf = sign_in(client, held, "auditor")
    before = snapshot(held.project)
    for route in routes:
        path = re.sub(r"\{name\}", "daily" if "schedules" in route else "clerk", route)
        # every other path parameter: a real run and a real item of it
        path = path.replace("{run_id}", held.run_id).replace("{item_id}", str(held.held[0]))
        assert "{" not in path, f"a path parameter this test does not fill: {path}"
        data = {**MINE.get(path, {}), "action": "approve", "item": held.held, "csrf": csrf}
        answer = client.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 403, (path, answer.status_code, answer.text[:300])
    assert snapshot(held.project) == before
    assert client.get("/audit", follow_redirects=False).status_code == 200  # reads, still in
    header = client.get("/").text  # and is not led to pages of work that is not theirs
    assert 'href="/audit"' in header and 'href="/submit"' not in header
    assert 'href="/users"' not in header


def test_an_admin_pauses_a_schedule_the_scheduler_skips_it_and_resumes_it(
    client: TestClient, held: Held
) -> None:
    csrf = sign_in(client, held, "admin")
    said = client.post("/schedules/daily/pause", data={"reason": "month end", "csrf": csrf})
    assert said.status_code == 200 and "month end" in said.text
    settings = load_settings(held.project)
    store = open_store(settings)
    try:
        trail = [(r.actor, r.what, r.detail) for r in store.audit_records()]
        assert trail[-1][:2] == ("admin", "schedule paused") and "month end" in trail[-1][2]
        # the scheduler's firing of the paused schedule: skipped, said, no work done
        schedule = load_schedule(held.project / "schedules" / "daily.toml")
        now = datetime.now(UTC).replace(microsecond=0)

        def work(_path: Path | None) -> str:
            raise AssertionError("a paused schedule's firing ran its flow")

        result = fire(
            store,
            schedule,
            now,
            now=now,
            calendar=load_calendar(held.project / "schedules" / "closures.toml"),
            project=held.project,
            work=work,
        )
        assert result.status == "skipped_paused"
        (firing,) = firing_history(store, "daily")
        assert (firing.status, firing.fire_time) == ("skipped_paused", now)
        assert "paused by admin" in firing.detail and "month end" in firing.detail
    finally:
        store.close()
    # a pause needs a reason; resuming a schedule not paused or unknown is refused or nothing
    assert client.post("/schedules/nightly/resume", data={"csrf": csrf}).status_code == 200
    assert (
        client.post("/schedules/nosuch/pause", data={"reason": "x", "csrf": csrf}).status_code
        == 404
    )
    assert client.post("/schedules/daily/resume", data={"csrf": csrf}).status_code == 200
    store = open_store(settings)
    try:
        from teller.schedule._pause import pauses

        assert pauses(store) == {}
        whats = [(r.actor, r.what) for r in store.audit_records()][-2:]
        assert whats == [("admin", "schedule resumed"), ("admin", "schedule resumed")]
    finally:
        store.close()


def test_an_admin_manages_users_through_people_and_its_rules(
    client: TestClient, held: Held
) -> None:
    csrf = sign_in(client, held, "admin")
    added = client.post(
        "/users/add",
        data={"username": "newcomer", "full_name": "New Comer", "role": ["auditor"], "csrf": csrf},
    )
    assert added.status_code == 200
    temporary = re.search(r'class="id temporary">([^<]+)<', added.text)
    assert temporary, added.text[-1500:]
    assert temporary.group(1) not in client.get("/users").text  # shown once, never again
    refused = {
        "/users/admin/roles": {"role": ["auditor"]},  # their own roles, and the last admin
        "/users/clerk/roles": {"role": ["admin", "operator"]},  # admin does no payment work
        "/users/admin/disable": {"reason": "x"},  # themselves
        "/users/clerk/disable": {"reason": " "},  # no reason
        "/users/nobody/reset": {},
    }
    for route, form in refused.items():
        answer = client.post(route, data={**form, "csrf": csrf})
        assert answer.status_code == 400, (route, answer.text[-800:])
    assert (
        client.post("/users/clerk/roles", data={"role": ["auditor"], "csrf": csrf}).status_code
        == 200
    )
    assert (
        client.post("/users/clerk/disable", data={"reason": "left", "csrf": csrf}).status_code
        == 200
    )
    assert (
        client.post("/users/gone/enable", data={"reason": "back", "csrf": csrf}).status_code == 200
    )
    reset = client.post("/users/checker/reset", data={"csrf": csrf})
    assert reset.status_code == 200 and "temporary" in reset.text
    store = open_store(load_settings(held.project))
    try:
        people = People(store)
        newcomer, clerk, gone, checker = (
            people.user(n) for n in ("newcomer", "clerk", "gone", "checker")
        )
        assert newcomer is not None and newcomer.roles == ["auditor"] and newcomer.must_change
        assert newcomer.created_by == "admin"
        assert clerk is not None and clerk.roles == ["auditor"] and clerk.disabled
        assert gone is not None and not gone.disabled
        assert checker is not None and checker.must_change and not checker.totp_seed
        admin = people.user("admin")
        assert admin is not None and admin.roles == ["admin"] and not admin.disabled
        whats = [r.what for r in store.audit_records() if r.actor == "admin"][-5:]
        assert whats == [
            "user added",
            "roles changed",
            "user disabled",
            "user enabled",
            "password reset",
        ]
        assert temporary.group(1) not in str([r.detail for r in store.audit_records()])
    finally:
        store.close()


def test_an_operator_asks_for_a_firing_now_and_the_scheduler_carries_it_out(
    client: TestClient, held: Held
) -> None:
    """Run now: refused without a session, without this session's token, to a person who is
    no operator, for a paused schedule and twice before the scheduler took the first; the
    scheduler process takes the asked firing once and runs its work."""
    with client_of(held.project) as checker:
        checkers = sign_in(checker, held, "checker")
        before = snapshot(held.project)
        assert posted(checker, "/schedules/daily/run", checkers) == 403
    assert posted(client, "/schedules/daily/run", "forged") == 401
    assert snapshot(held.project) == before
    csrf = sign_in(client, held, "clerk")
    before = snapshot(held.project)
    assert posted(client, "/schedules/daily/run", None) == 403
    assert posted(client, "/schedules/nightly/run", csrf) == 409  # paused by the admin
    assert snapshot(held.project) == before

    assert posted(client, "/schedules/daily/run", csrf) == 303
    assert posted(client, "/schedules/daily/run", csrf) == 409  # asked already, not taken yet
    settings = load_settings(held.project)
    store = open_store(settings)
    try:
        (asked,) = firing_history(store, "daily")
        assert asked.status == "requested" and "clerk" in asked.detail
        assert [(r.actor, r.what) for r in store.audit_records()][-1] == (
            "clerk",
            "firing requested",
        )
        ran: list[Path | None] = []

        def work(path: Path | None) -> str:
            ran.append(path)
            return held.run_id

        schedules = {s.name: s for s in load_schedules(held.project / "schedules")}
        (result,) = take_requested(store, schedules, held.project, lambda _schedule: work)
        assert take_requested(store, schedules, held.project, lambda _schedule: work) == []
        assert ran == [held.project / "pay.xlsx"]  # the schedule's input, once
        (done,) = firing_history(store, "daily")
        assert (done.status, done.run_ids, result.firing_id) == ("done", [held.run_id], asked.id)
    finally:
        store.close()
