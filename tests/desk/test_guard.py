"""What the Desk refuses: no session, another person's session or role, no CSRF token,
too many sign-ins; and what every answer carries (headers, cookie flags).

Through the application itself (Starlette's test client over HTTPS), against a real
SQLite store with people made by the admin's commands. Each refused request is checked
against the store: nothing moved.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from teller.desk import create_app
from teller.desk._guard import PRE_COOKIE
from teller.settings import load_settings
from teller.store import open_store
from tests.desk._desk import CHANGING, Held, csrf_of, held_lines, sign_in


@pytest.fixture
def held(project: Path) -> Held:
    return held_lines(project, desk="signins_per_minute = 40")


def client_of(project: Path) -> TestClient:
    return TestClient(create_app(load_settings(project)), base_url="https://testserver")


@pytest.fixture
def client(held: Held) -> Iterator[TestClient]:
    with client_of(held.project) as made:
        yield made


def states(held: Held) -> list[str]:
    store = open_store(load_settings(held.project))
    try:
        return [store.item(i).state for i in held.held]
    finally:
        store.close()


def form(route: str, held: Held, csrf: str | None) -> dict[str, object]:
    data: dict[str, object] = {**CHANGING[route], "item": held.held}
    if csrf is not None:
        data["csrf"] = csrf
    return data


def test_pages_send_a_person_without_a_session_to_sign_in(client: TestClient) -> None:
    for page in ("/", "/approvals"):
        answer = client.get(page, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/signin")


@pytest.mark.parametrize("route", sorted(CHANGING))
def test_a_change_without_a_session_is_refused(client: TestClient, held: Held, route: str) -> None:
    answer = client.post(route, data=form(route, held, "forged"), follow_redirects=False)
    assert answer.status_code == 401
    assert states(held) == ["needs_approval", "needs_approval"]


@pytest.mark.parametrize("route", sorted(CHANGING))
def test_a_change_without_this_sessions_csrf_token_is_refused(
    client: TestClient, held: Held, route: str
) -> None:
    with client_of(held.project) as other:
        others = sign_in(other, held.team, "clerk")
    sign_in(client, held.team, "checker")
    for token in (None, "", others, others[:-1] + "0"):
        answer = client.post(route, data=form(route, held, token), follow_redirects=False)
        assert answer.status_code == 403, (token, answer.text[:500])
    assert states(held) == ["needs_approval", "needs_approval"]
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


@pytest.mark.parametrize("route", ["/approvals/confirm", "/approvals/decide"])
@pytest.mark.parametrize("who", ["clerk", "auditor"])
def test_a_person_without_the_approver_role_cannot_decide(
    client: TestClient, held: Held, route: str, who: str
) -> None:
    csrf = sign_in(client, held.team, who)
    answer = client.post(route, data=form(route, held, csrf), follow_redirects=False)
    assert answer.status_code == 403
    assert "approver" in answer.text
    assert states(held) == ["needs_approval", "needs_approval"]


def test_another_persons_cookie_with_ones_own_token_is_refused(held: Held) -> None:
    with client_of(held.project) as checker, client_of(held.project) as clerk:
        checker_csrf = sign_in(checker, held.team, "checker")
        sign_in(clerk, held.team, "clerk")
        # the clerk's session, with a token lifted from the checker's page
        answer = clerk.post("/approvals/decide", data=form("/approvals/decide", held, checker_csrf))
        assert answer.status_code == 403
    assert states(held) == ["needs_approval", "needs_approval"]


def test_a_cross_site_request_is_refused_even_with_the_token(
    client: TestClient, held: Held
) -> None:
    csrf = sign_in(client, held.team, "checker")
    answer = client.post(
        "/approvals/decide",
        data=form("/approvals/decide", held, csrf),
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403
    assert states(held) == ["needs_approval", "needs_approval"]


def test_an_approver_decides_through_confirm_then_decide(client: TestClient, held: Held) -> None:
    csrf = sign_in(client, held.team, "checker")
    confirm = client.post("/approvals/confirm", data=form("/approvals/confirm", held, csrf))
    assert confirm.status_code == 200
    assert "2" in confirm.text and csrf_of(confirm.text) == csrf
    assert states(held) == ["needs_approval", "needs_approval"]  # confirming changes nothing
    done = client.post("/approvals/decide", data=form("/approvals/decide", held, csrf))
    assert done.status_code == 200
    assert states(held) == ["approved", "approved"]
    store = open_store(load_settings(held.project))
    try:
        logins = [r for r in store.audit_records() if r.what == "login" and r.actor == "checker"]
        assert logins and "desk:" in logins[-1].detail
        assert all(store.item(i).decided_by == "checker" for i in held.held)
    finally:
        store.close()


def test_the_maker_of_a_run_cannot_approve_its_lines(project: Path) -> None:
    held = held_lines(project, by="maker", seed=9)
    with client_of(project) as client:
        csrf = sign_in(client, held.team, "maker")
        done = client.post("/approvals/decide", data=form("/approvals/decide", held, csrf))
    assert done.status_code == 200 and done.text.count("refused") == 2, done.text[-2000:]
    assert "maker" in done.text
    assert states(held) == ["needs_approval", "needs_approval"]


def test_the_sign_in_form_needs_its_own_token(client: TestClient, held: Held) -> None:
    client.get("/signin")
    answer = client.post(
        "/signin",
        data={"username": "clerk", "password": held.team.passwords["clerk"]},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert "__Host-teller-desk" not in answer.headers.get("set-cookie", "")


def test_sign_ins_from_one_address_are_rate_limited(project: Path) -> None:
    held = held_lines(project, desk="signins_per_minute = 3")
    with client_of(project) as client:
        codes = []
        for _ in range(4):
            token = csrf_of(client.get("/signin").text)
            said = client.post(
                "/signin",
                data={"username": "clerk", "password": "wrong password", "csrf": token},
                follow_redirects=False,
            )
            codes.append(said.status_code)
        assert codes == [401, 401, 401, 429]
        # the right password does not get through either, within the minute
        token = csrf_of(client.get("/signin").text)
        said = client.post(
            "/signin",
            data={"username": "clerk", "password": held.team.passwords["clerk"], "csrf": token},
            follow_redirects=False,
        )
        assert said.status_code == 429


def test_answers_carry_the_security_headers_and_the_cookie_its_flags(
    client: TestClient, held: Held
) -> None:
    page = client.get("/signin")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    done = client.post(
        "/signin",
        data={
            "username": "clerk",
            "password": held.team.passwords["clerk"],
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    cookie = next(c for c in done.headers.get_list("set-cookie") if "teller-desk" in c)
    assert cookie.startswith("__Host-teller-desk=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags


def test_a_session_left_idle_ends(project: Path) -> None:
    held = held_lines(project, desk="idle_minutes = 0.02")  # 1.2 seconds
    with client_of(project) as client:
        sign_in(client, held.team, "clerk")
        assert client.get("/", follow_redirects=False).status_code == 200
        time.sleep(2)
        answer = client.get("/", follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/signin")


def test_signing_out_ends_the_session_in_the_store(client: TestClient, held: Held) -> None:
    csrf = sign_in(client, held.team, "clerk")
    kept = client.cookies.get("__Host-teller-desk")
    assert kept
    client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    # the old cookie, replayed, no longer opens a page
    with client_of(held.project) as other:
        answer = other.get(
            "/", headers={"Cookie": f"__Host-teller-desk={kept}"}, follow_redirects=False
        )
    assert answer.status_code == 303


def test_an_approver_signs_in_in_two_steps_and_the_second_needs_the_first(
    client: TestClient, held: Held
) -> None:
    """Password, then the one-time code: the code form carries a proof of the password step
    that is good only for this browser, unchanged, and until a code is taken."""
    form = client.get("/signin")
    first = client.post(
        "/signin",
        data={
            "username": "checker",
            "password": held.team.passwords["checker"],
            "csrf": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert first.status_code == 200 and 'action="/signin/code"' in first.text
    assert "teller-desk=" not in first.headers.get("set-cookie", "")  # no session yet
    proof = re.search(r'name="proof" value="([^"]+)"', first.text)
    assert proof and held.team.passwords["checker"] not in first.text
    token = csrf_of(first.text)

    def second(proof: str, code: str, via: TestClient = client) -> int:
        data = {"proof": proof, "code": code, "csrf": token}
        return via.post("/signin/code", data=data, follow_redirects=False).status_code

    issued, mac, name = proof.group(1).split(":", 2)
    forged = f"{issued}:{mac[:-1]}{'0' if mac[-1] != '0' else '1'}:{name}"
    good = pyotp.TOTP(held.team.seeds["checker"]).now()  # refused before it is looked at
    assert second(forged, good) == 401
    assert second(f"{issued}:{mac}:clerk", good) == 401  # another's name
    assert second(proof.group(1), "000000") == 401  # a wrong code
    with client_of(held.project) as other:  # the proof and token in another browser
        other.get("/signin")
        assert second(proof.group(1), good, other) == 403
    binding = client.cookies.get(PRE_COOKIE)
    assert second(proof.group(1), held.team.code("checker")) == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    # the same proof again, in the same browser: a code was taken since, so it is spent
    client.cookies.clear()
    client.cookies.set(PRE_COOKIE, binding)
    assert second(proof.group(1), held.team.code("checker")) == 401
