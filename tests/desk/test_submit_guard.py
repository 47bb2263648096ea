"""What the Submit page refuses, and what it does for an operator: no session, another
session's or no CSRF token, a person without the operator role, a token that does not bind
the upload, an upload over the project's cap; a workbook with errors shows each located;
a good one is queued for the scheduler, never run by the Desk.

Through the application itself (Starlette's test client over HTTPS), against a real
SQLite store with people made by the admin's commands; each refusal is checked against
the store (no run recorded, none queued) and the upload folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from teller.desk import create_app
from teller.settings import load_settings
from teller.store import open_store
from tests._people import Team
from tests.desk._desk import PEOPLE, sign_in
from tests.desk._workbooks import BAD_AT, bad_book, good_book

ROUTES = ("/submit/check", "/submit/queue")
_HIDDEN = re.compile(r'name="(upload|token)" value="([^"]+)"')


@pytest.fixture
def team(project: Path) -> Team:
    with (project / "teller.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[desk]\nsignins_per_minute = 40\n")
    return Team(project, PEOPLE)


def client_of(project: Path) -> TestClient:
    return TestClient(create_app(load_settings(project)), base_url="https://testserver")


@pytest.fixture
def client(team: Team, project: Path) -> Iterator[TestClient]:
    with client_of(project) as made:
        yield made


def runs(project: Path) -> list[tuple[str, str]]:
    """Every run of the store: (status, maker)."""
    store = open_store(load_settings(project))
    try:
        return [(r.status, r.submitted_by) for r in store.runs(limit=100)]
    finally:
        store.close()


def uploaded(project: Path) -> list[str]:
    folder = project / "var" / "desk" / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def check(client: TestClient, book: Path, csrf: str | None) -> Any:  # TestClient's response
    data = {"flow": "payroll", **({"csrf": csrf} if csrf is not None else {})}
    with book.open("rb") as file:
        return client.post(
            "/submit/check",
            data=data,
            files={"workbook": ("../../etc/pay roll.xlsx", file)},
            follow_redirects=False,
        )


def checked(client: TestClient, book: Path, csrf: str) -> dict[str, str]:
    """Check a good workbook as the signed-in operator: the Submit form's fields."""
    answer = check(client, book, csrf)
    assert answer.status_code == 200, answer.text[-2000:]
    fields = dict(_HIDDEN.findall(answer.text))
    return {"flow": "payroll", "csrf": csrf, **fields}


def test_the_page_sends_a_person_without_a_session_to_sign_in(client: TestClient) -> None:
    answer = client.get("/submit", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/signin")


@pytest.mark.parametrize("who", ["checker", "auditor"])
def test_others_see_the_page_without_its_form(client: TestClient, team: Team, who: str) -> None:
    sign_in(client, team, who)
    page = client.get("/submit")
    assert page.status_code == 200 and "只有经办员可以提交。" in page.text  # operators only
    assert 'action="/submit/check"' not in page.text


def test_without_a_session_both_routes_refuse(
    client: TestClient, project: Path, tmp_path: Path
) -> None:
    book = good_book(tmp_path / "good.xlsx")
    assert check(client, book, "forged").status_code == 401
    fields = {"flow": "payroll", "upload": "0" * 64 + ".xlsx", "token": "x", "csrf": "forged"}
    assert client.post("/submit/queue", data=fields).status_code == 401
    assert runs(project) == [] and uploaded(project) == []


def test_without_this_sessions_csrf_token_both_routes_refuse(
    client: TestClient, team: Team, project: Path, tmp_path: Path
) -> None:
    book = good_book(tmp_path / "good.xlsx")
    with client_of(project) as other:
        others = sign_in(other, team, "maker")
    csrf = sign_in(client, team, "clerk")
    for token in (None, "", others, csrf[:-1] + ("0" if csrf[-1] != "0" else "1")):
        assert check(client, book, token).status_code == 403, token
    assert uploaded(project) == []  # refused before the upload was kept
    fields = checked(client, book, csrf)
    for token in (None, "", others):
        data = {k: v for k, v in fields.items() if k != "csrf"}
        if token is not None:
            data["csrf"] = token
        assert client.post("/submit/queue", data=data).status_code == 403, token
    assert runs(project) == []
    cross = client.post("/submit/queue", data=fields, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and runs(project) == []


@pytest.mark.parametrize("who", ["checker", "auditor"])
def test_a_person_without_the_operator_role_cannot_submit(
    client: TestClient, team: Team, project: Path, tmp_path: Path, who: str
) -> None:
    book = good_book(tmp_path / "good.xlsx")
    with client_of(project) as clerk:  # a real checked upload, of the clerk's session
        fields = checked(clerk, book, sign_in(clerk, team, "clerk"))
    csrf = sign_in(client, team, who)
    answer = check(client, book, csrf)
    assert answer.status_code == 403 and "operator" in answer.text
    answer = client.post("/submit/queue", data={**fields, "csrf": csrf})
    assert answer.status_code == 403 and "operator" in answer.text
    assert runs(project) == []


def test_the_submit_token_binds_the_upload_and_the_session(
    client: TestClient, team: Team, project: Path, tmp_path: Path
) -> None:
    csrf = sign_in(client, team, "clerk")
    first = checked(client, good_book(tmp_path / "a.xlsx", seed=3), csrf)
    second = checked(client, good_book(tmp_path / "b.xlsx", seed=4), csrf)
    swapped = {**first, "upload": second["upload"]}  # the first's token, the second's file
    assert client.post("/submit/queue", data=swapped).status_code == 403
    with client_of(project) as maker:  # the maker's session with the clerk's checked upload
        theirs = sign_in(maker, team, "maker")
        assert maker.post("/submit/queue", data={**first, "csrf": theirs}).status_code == 403
    assert runs(project) == []


def test_a_workbook_with_errors_shows_each_by_sheet_row_and_column(
    client: TestClient, team: Team, project: Path, tmp_path: Path
) -> None:
    csrf = sign_in(client, team, "clerk")
    answer = check(client, bad_book(tmp_path / "bad.xlsx"), csrf)
    assert answer.status_code == 422
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>",
        answer.text,
    )
    assert set(rows) == BAD_AT
    assert "62220212345678901X" not in answer.text
    assert 'action="/submit/queue"' not in answer.text
    assert runs(project) == [] and uploaded(project) == []


def test_an_upload_over_the_projects_cap_is_refused_before_it_is_read(
    team: Team, project: Path, tmp_path: Path
) -> None:
    with (project / "teller.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[input]\nmax_file_mb = 0.05\n")
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"\0" * 200_000)
    with client_of(project) as client:
        csrf = sign_in(client, team, "clerk")
        answer = check(client, big, csrf)
    assert answer.status_code == 413 and "0.05 MB" in answer.text
    assert uploaded(project) == [] and runs(project) == []


def test_an_operator_checks_then_submits_and_the_run_is_queued_not_run(
    client: TestClient, team: Team, project: Path, tmp_path: Path
) -> None:
    csrf = sign_in(client, team, "clerk")
    fields = checked(client, good_book(tmp_path / "good.xlsx", over_limit=1), csrf)
    assert runs(project) == []  # the dry run records nothing
    [kept] = uploaded(project)
    assert re.fullmatch(r"[0-9a-f]{64}\.xlsx", kept) and kept == fields["upload"]
    done = client.post("/submit/queue", data=fields, follow_redirects=False)
    assert done.status_code == 303, done.text[-1000:]
    assert runs(project) == [("queued", "clerk")]
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and "queued" in page.text
    # the same checked upload, submitted again: the batch is loaded already
    again = client.post("/submit/queue", data=fields, follow_redirects=False)
    assert again.status_code == 409 and runs(project) == [("queued", "clerk")]
    store = open_store(load_settings(project))
    try:
        [run] = store.runs()
        assert {e.target for e in store.events(run.id)} >= {"loaded", "queued"}
        assert "started" not in {e.target for e in store.events(run.id)}
    finally:
        store.close()
