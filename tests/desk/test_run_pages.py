"""The Run pages through the application (Starlette's test client over HTTPS) on a real
SQLite store: paging, filters and search from the store, the timeline, evidence served
only from inside the run's folder, the report's manifest check, and settling an item
left for review behind its guard (session, CSRF, approver, not the maker), the store
checked after each refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from teller.settings import load_settings
from teller.store import open_store
from tests.desk._desk import Held, held_lines, sign_in
from tests.desk._runs import ACCOUNT, BigRun, big_run
from tests.desk.test_guard import client_of


@dataclass(frozen=True)
class Setup:
    held: Held
    run: BigRun


@pytest.fixture
def setup(project: Path) -> Setup:
    held = held_lines(project, desk="signins_per_minute = 40")
    return Setup(held, big_run(project))


@pytest.fixture
def client(setup: Setup) -> Iterator[TestClient]:
    with client_of(setup.held.project) as made:
        made.cookies.set("teller-language", "en")  # the messages as the tests read them
        yield made


def item_state(setup: Setup, item_id: int) -> str:
    store = open_store(load_settings(setup.held.project))
    try:
        return store.item(item_id).state
    finally:
        store.close()


def seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'/items/\d+">(\d+)</a>', page)]


def test_the_run_pages_need_a_session(client: TestClient, setup: Setup) -> None:
    run = setup.run.run_id
    for page in ("/runs", f"/runs/{run}", f"/runs/{run}/items/{setup.run.review}"):
        answer = client.get(page, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/signin")
    for page in (f"/runs/{run}/evidence/{setup.run.evidence}/page0.png", f"/runs/{run}/report"):
        assert client.get(page, follow_redirects=False).status_code == 303


def test_items_come_a_page_at_a_time_with_filters_and_search(
    client: TestClient, setup: Setup
) -> None:
    sign_in(client, setup.held.team, "clerk")
    run = setup.run.run_id
    first = client.get(f"/runs/{run}")
    assert first.status_code == 200
    assert seqs(first.text) == list(range(1, 51))
    assert "120 item(s); page 1 of 3" in first.text
    third = client.get(f"/runs/{run}", params={"page": 3})
    assert seqs(third.text) == list(range(101, 121))
    done = client.get(f"/runs/{run}", params={"state": "done"})
    assert seqs(done.text) == list(range(1, 11))
    # search on the label (张三: every tenth line) and on the reference
    found = client.get(f"/runs/{run}", params={"q": "张三"})
    assert seqs(found.text) == list(range(10, 121, 10))
    found = client.get(f"/runs/{run}", params={"q": "REF-000099"})
    assert seqs(found.text) == [99]
    # LIKE's own characters are searched as typed, not as patterns
    assert seqs(client.get(f"/runs/{run}", params={"q": "%"}).text) == []
    assert seqs(client.get(f"/runs/{run}", params={"q": "REF_0"}).text) == []
    both = client.get(f"/runs/{run}", params={"state": "new", "q": "张三"})
    assert seqs(both.text) == list(range(20, 121, 10))  # 10 is done
    assert "11 item(s); page 1 of 1" in both.text
    # the counts by state, from the store
    assert re.search(r"done <strong>10</strong>", first.text)
    assert re.search(r"needs_review <strong>1</strong>", first.text)
    assert client.get(f"/runs/{run}", params={"state": "paid"}).status_code == 400
    assert client.get("/runs/R-none").status_code == 404


def test_no_page_shows_a_full_account_number(client: TestClient, setup: Setup) -> None:
    sign_in(client, setup.held.team, "checker")
    run = setup.run.run_id
    pages = [
        client.get(p).text
        for p in ("/", "/runs", f"/runs/{run}", f"/runs/{run}/items/{setup.run.review}")
    ]
    assert all(ACCOUNT not in page for page in pages)
    assert "****3445" in pages[2]


def test_the_run_page_speaks_chinese_by_default(setup: Setup) -> None:
    with client_of(setup.held.project) as client:
        sign_in(client, setup.held.team, "clerk")
        page = client.get(f"/runs/{setup.run.run_id}").text
    assert "已完成 <strong>10</strong>" in page and "共 120 笔；第 1 页，共 3 页" in page


def test_the_runs_list_pages_and_links_each_run(client: TestClient, setup: Setup) -> None:
    sign_in(client, setup.held.team, "clerk")
    listed = client.get("/runs")
    assert f'href="/runs/{setup.run.run_id}"' in listed.text
    assert f'href="/runs/{setup.held.run_id}"' in listed.text
    assert setup.run.run_id not in client.get("/runs", params={"page": 2}).text


def test_an_items_timeline_shows_its_moves_and_its_cases_stages(
    client: TestClient, setup: Setup
) -> None:
    sign_in(client, setup.held.team, "clerk")
    run = setup.run.run_id
    staged = client.get(f"/runs/{run}/items/{setup.run.staged}").text
    stages = re.findall(r'<li class="stage">.*?<strong>([a-z_]+)</strong>', staged, re.S)
    assert stages == ["reported", "identity_checked", "card_frozen"]
    review = client.get(f"/runs/{run}/items/{setup.run.review}").text
    moves = re.findall(r"<strong>([a-z_]*) → ([a-z_]+)</strong>", review)
    assert moves[-2:] == [("in_flight", "in_doubt"), ("in_doubt", "needs_review")]
    # another run's item under this run's address is not found
    assert client.get(f"/runs/{setup.held.run_id}/items/{setup.run.review}").status_code == 404


def test_evidence_is_served_from_inside_the_runs_folder_only(
    client: TestClient, setup: Setup
) -> None:
    sign_in(client, setup.held.team, "clerk")
    run, folder = setup.run.run_id, setup.run.evidence
    item = client.get(f"/runs/{run}/items/{setup.run.review}").text
    assert f'<img src="/runs/{run}/evidence/{folder}/page0.png"' in item
    assert f'href="/runs/{run}/evidence/{folder}/trace.zip" download' in item
    assert "link.html" not in item
    shot = client.get(f"/runs/{run}/evidence/{folder}/page0.png")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
    assert shot.content.startswith(b"\x89PNG")
    for name in ("page0.top.html", "trace.zip"):
        got = client.get(f"/runs/{run}/evidence/{folder}/{name}")
        assert got.status_code == 200
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.headers["content-type"] == "application/octet-stream"
    project = setup.held.project
    for bad in (
        "../outside.png",
        f"{folder}/../../outside.png",
        "..%2foutside.png",
        f"{folder}%2f..%2f..%2foutside.png",
        "%2e%2e/%2e%2e/%2e%2e/outside.html",
        "..%2f..%2f..%2foutside.html",
        f"%2F{project}/outside.html",
        str(project / "outside.html"),
        f"{folder}/link.html",  # a link out of the folder
        f"{folder}/missing.png",
        f"{folder}",
    ):
        answer = client.get(f"/runs/{run}/evidence/{bad}")
        assert answer.status_code == 404, (bad, answer.status_code)
        assert "not evidence" not in answer.text and "[store]" not in answer.text


def test_the_report_downloads_and_its_manifest_check_shows(
    client: TestClient, setup: Setup
) -> None:
    sign_in(client, setup.held.team, "clerk")
    run = setup.run.run_id
    page = client.get(f"/runs/{run}").text
    assert "Verified: every file matches the signed manifest." in page
    got = client.get(f"/runs/{run}/report")
    assert got.content == b"a report" and "attachment" in got.headers["content-disposition"]
    assert "# ed25519" in client.get(f"/runs/{run}/report", params={"manifest": True}).text
    setup.run.report.write_bytes(b"a changed report")
    page = client.get(f"/runs/{run}").text
    assert "Not verified" in page and "CHANGED" in page


def settle_form(csrf: str | None) -> dict[str, str]:
    form = {"outcome": "not_paid", "reason": "checked the console: no payment"}
    return form if csrf is None else {**form, "csrf": csrf}


def test_settling_is_refused_without_a_session_token_or_role(setup: Setup) -> None:
    run, item = setup.run.run_id, setup.run.review
    route = f"/runs/{run}/items/{item}/settle"
    with client_of(setup.held.project) as client:
        assert client.post(route, data=settle_form("x")).status_code == 401
        with client_of(setup.held.project) as other:
            others = sign_in(other, setup.held.team, "auditor")
        sign_in(client, setup.held.team, "checker")
        for token in (None, "", others):
            answer = client.post(route, data=settle_form(token), follow_redirects=False)
            assert answer.status_code == 403, token
    with client_of(setup.held.project) as clerk:
        csrf = sign_in(clerk, setup.held.team, "clerk")
        answer = clerk.post(route, data=settle_form(csrf), follow_redirects=False)
        assert answer.status_code == 403 and "approver" in answer.text
        assert "Settle" not in clerk.get(f"/runs/{run}/items/{item}").text.split("</h1>")[1]
    assert item_state(setup, item) == "needs_review"


def test_the_maker_cannot_settle_and_a_checker_settles_with_a_reason(
    project: Path,
) -> None:
    held = held_lines(project, desk="signins_per_minute = 40")
    run = big_run(project)
    setup = Setup(held, run)
    route = f"/runs/{run.run_id}/items/{run.review}/settle"
    store = open_store(load_settings(project))
    store.update_run(run.run_id, submitted_by="maker")
    store.close()
    with client_of(project) as maker:
        csrf = sign_in(maker, held.team, "maker")
        answer = maker.post(route, data=settle_form(csrf), follow_redirects=False)
        assert answer.status_code == 409 and "maker" in answer.text
    assert item_state(setup, run.review) == "needs_review"
    with client_of(project) as checker:
        csrf = sign_in(checker, held.team, "checker")
        no_reason = {**settle_form(csrf), "reason": " "}
        assert checker.post(route, data=no_reason).status_code == 409
        assert item_state(setup, run.review) == "needs_review"
        page = checker.get(f"/runs/{run.run_id}/items/{run.review}").text
        assert 'action="' + route + '"' in page
        done = checker.post(route, data=settle_form(csrf), follow_redirects=False)
        assert done.status_code == 303
    assert item_state(setup, run.review) == "retry_wait"
    store = open_store(load_settings(project))
    try:
        last = store.events(run.run_id, item_id=run.review)[-1]
        assert (last.actor, last.target) == ("checker", "retry_wait")
        assert "no payment" in last.reason
    finally:
        store.close()


def test_the_live_counts_of_a_finished_run_end(client: TestClient, setup: Setup) -> None:
    sign_in(client, setup.held.team, "clerk")
    with client.stream("GET", f"/runs/{setup.run.run_id}/live") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        body = "".join(stream.iter_text())
    events = re.findall(r"event: (\w+)\ndata: (.*)\n\n", body)
    assert [e for e, _ in events] == ["counts", "finished"]
    assert "done <strong>10</strong>" in events[0][1]
