"""The Audit pages as an auditor reads them: the trail filtered and paged from the store,
its verification (and where it breaks once a record is changed behind the key's back),
the runs' reports downloadable and their signed manifests checked; other roles refused.

Through the application (Starlette's test client over HTTPS) against a real SQLite store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from teller.desk._i18n import ZONE
from teller.integrity import anchor, write_manifest
from teller.settings import load_settings
from teller.store import AuditEntry, Store, now, open_store
from tests.desk._admin import client_of, sign_in
from tests.desk._desk import Held, held_lines

_ROW = re.compile(r"<tr>\s*<td>(\d+)</td>")


@pytest.fixture
def held(project: Path) -> Held:
    return held_lines(project, desk="signins_per_minute = 60")


@pytest.fixture
def client(held: Held) -> Iterator[TestClient]:
    with client_of(held.project) as made:
        yield made


def _store(held: Held) -> Store:
    return open_store(load_settings(held.project))


def seqs(page: str) -> list[int]:
    return [int(s) for s in _ROW.findall(page)]


def test_the_trail_is_filtered_and_paged_from_the_store(client: TestClient, held: Held) -> None:
    store = _store(held)
    try:
        for n in range(60):
            store.audit(AuditEntry(now(), "bulk", "note", "", "", f"note {n}"))
        sign_in(client, held, "auditor")  # a record of its own
        records = store.audit_records()
    finally:
        store.close()
    first = client.get("/audit")
    assert first.status_code == 200
    shown = seqs(first.text)
    assert shown == [r.seq for r in reversed(records)][:50]  # newest first, one page
    older = re.search(r'href="(/audit\?[^"]*before=\d+)"', first.text)
    assert older, "no link to the older records"
    second = seqs(client.get(older.group(1).replace("&amp;", "&")).text)
    assert second == [r.seq for r in reversed(records)][50:100]
    # by actor, by a part of what, by run, by the bank's day
    assert (
        seqs(client.get("/audit", params={"actor": "clerk"}).text)
        == [r.seq for r in reversed(records) if r.actor == "clerk"][:50]
    )
    moved = [r.seq for r in reversed(records) if "->" in r.what and r.run_id == held.run_id]
    assert (
        moved
        and seqs(client.get("/audit", params={"what": "->", "run": held.run_id}).text) == moved[:50]
    )
    today = datetime.now(UTC).astimezone(ZONE).date()
    assert seqs(client.get("/audit", params={"day": today.isoformat(), "actor": "bulk"}).text)
    yesterday = (today - timedelta(days=1)).isoformat()
    assert seqs(client.get("/audit", params={"day": yesterday}).text) == []
    bad = client.get("/audit", params={"day": "07/12/2026"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


def test_only_auditors_and_admins_read_the_audit_pages(client: TestClient, held: Held) -> None:
    sign_in(client, held, "clerk")
    for page in (
        "/audit",
        "/audit/verify",
        "/audit/reports",
        f"/audit/reports/{held.run_id}/report",
    ):
        answer = client.get(page, follow_redirects=False)
        assert answer.status_code == 403, page
        assert "auditor" in answer.text


def test_the_verification_finds_a_record_changed_behind_the_keys_back(
    client: TestClient, held: Held
) -> None:
    sign_in(client, held, "auditor")
    sound = client.get("/audit/verify")
    assert (
        sound.status_code == 200 and "Verified" in sound.text and "Not verified" not in sound.text
    )
    store = _store(held)
    try:
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE audit SET detail = 'nothing to see' WHERE seq = 3"))
    finally:
        store.close()
    broken = client.get("/audit/verify")
    assert "Not verified" in broken.text
    assert "audit record 3" in broken.text and "sound up to record 2" in broken.text


def test_a_report_is_downloaded_and_its_manifest_checked(client: TestClient, held: Held) -> None:
    settings = load_settings(held.project)
    report = settings.run_folder(held.run_id) / "report.xlsx"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_bytes(b"the report's bytes")
    store = _store(held)
    try:
        write_manifest(report, head=store.audit_head(), key=settings.key("audit"))
        store.update_run(held.run_id, report_path=str(report))
    finally:
        store.close()
    sign_in(client, held, "auditor")
    listed = client.get("/audit/reports")
    assert "Verified: signed by the bank, 1 file(s) unchanged" in listed.text
    got = client.get(f"/audit/reports/{held.run_id}/report")
    assert got.status_code == 200 and got.content == b"the report's bytes"
    assert "attachment" in got.headers["content-disposition"]
    manifest = client.get(f"/audit/reports/{held.run_id}/manifest")
    assert manifest.status_code == 200 and "report.xlsx" in manifest.text
    # a download names a run, never a path: anything else is no run
    for wrong in ("../../teller.toml", "..%2F..%2Fteller.toml", "R0"):
        assert client.get(f"/audit/reports/{wrong}/report").status_code == 404, wrong
    report.write_bytes(b"changed afterwards")
    assert "Not verified: changed since signed: report.xlsx" in client.get("/audit/reports").text
    verify = client.get("/audit/verify")
    assert "Not verified" in verify.text and "report.xlsx" in verify.text


def test_a_page_of_the_trail_is_read_without_the_rest(store: Store) -> None:
    for n in range(7):
        store.audit(AuditEntry(now(), "a" if n % 2 else "b", f"what {n}", "R1" if n < 3 else ""))
    page = store.audit_page(actor="a", limit=2)
    assert [r.detail for r in page] == ["", ""] and [r.what for r in page] == ["what 5", "what 3"]
    assert [r.what for r in store.audit_page(actor="a", before=page[-1].seq)] == ["what 1"]
    assert [r.what for r in store.audit_page(run_id="R1")] == ["what 2", "what 1", "what 0"]
    assert [r.what for r in store.audit_page(what="t 4")] == ["what 4"]
    assert store.audit_page(what="%") == []  # a part of the text, not a pattern
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
    assert store.audit_page(since=later) == [] and len(store.audit_page(until=later)) >= 7


def test_the_pages_read_in_chinese(client: TestClient, held: Held) -> None:
    (held.project / "schedules").mkdir()
    sign_in(client, held, "auditor")
    client.cookies.set("teller-language", "zh_Hans_CN")
    headings = {
        "/audit": "审计轨迹",
        "/audit/verify": "审计轨迹核验",
        "/audit/reports": "运行报告",
        "/schedules": "排程",
        "/users": "用户",
    }
    for page, heading in headings.items():
        answer = client.get(page)
        assert answer.status_code == 200, page
        assert f"<h1>{heading}</h1>" in answer.text, (page, answer.text[:1500])
    assert "已通过核验" in client.get("/audit/verify").text


def test_the_verification_checks_the_anchor_file(held: Held) -> None:
    with (held.project / "teller.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[audit]\nanchors = "var/anchors.jsonl"\n')
    settings = load_settings(held.project)
    assert settings.anchor_file is not None
    store = _store(held)
    try:
        anchor(settings.key("audit"), store.audit_head(check=True), settings.anchor_file)
    finally:
        store.close()
    with client_of(held.project) as client:
        sign_in(client, held, "auditor")
        page = client.get("/audit/verify").text
        assert "Verified" in page and "anchors.jsonl" in page
        assert re.search(r"anchors, reports\)</dt><dd>1</dd>", page), page[-2000:]
        # a line made up without the key is not trusted
        line = settings.anchor_file.read_text(encoding="utf-8").strip()
        forged = re.sub(
            r'"mac": ?"([0-9a-f])',
            lambda m: m.group(0)[:-1] + ("0" if m.group(1) != "0" else "1"),
            line,
            count=1,
        )
        assert forged != line
        with settings.anchor_file.open("a", encoding="utf-8") as file:
            file.write(forged + "\n")
        page = client.get("/audit/verify").text
        assert "Not verified" in page and "Not trusted" in page and "anchors.jsonl:2" in page
