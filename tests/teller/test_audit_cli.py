"""``teller audit anchor|verify|public-key`` and ``teller report verify``, as people type them.

The project is the repository's (sandbox mode: its audit key is made up in var/secrets/);
the attacker edits the store with SQL and holds no key.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from teller.integrity import write_manifest
from teller.settings import load_settings
from teller.store import NewItem, Store, open_store
from tests._people import Team


@pytest.fixture
def team(project: Path) -> Team:
    return Team(project, {"audrey": ("auditor",), "clerk": ("operator",)})


def _work(store: Store, batch: str = "B1") -> str:
    """A run whose first line is paid and second held: records in the trail, moves."""
    run_id = store.create_run(
        flow="payroll",
        batch_id=batch,
        input_file="in.xlsx",
        input_sha256="ab" * 32,
        submitted_by="clerk",
        items=[NewItem(n, f"{batch}:E{n}", Decimal("10.00"), {"n": n}) for n in (1, 2)],
    )
    first, second = store.items(run_id)
    store.move(first.id, "auto_approved", actor="gate")
    store.move(first.id, "in_flight", actor="runner", attempts=1)
    store.move(first.id, "done", actor="runner", receipt="TX1")
    store.move(second.id, "needs_approval", actor="gate", reason="over the limit")
    return run_id


def _db(project: Path, *statements: str) -> None:
    with sqlite3.connect(project / "var" / "teller.db") as db:
        for statement in statements:
            db.execute(statement)


def test_anchor_then_verify_names_a_cut_tail(team: Team, tmp_path: Path) -> None:
    store = open_store(load_settings(team.project))
    try:
        _work(store)
        anchors = tmp_path / "elsewhere" / "anchors.jsonl"
        team.login("audrey")  # an auditor may anchor: it only copies the head, signed
        said = team.invoke(["audit", "anchor", "--file", str(anchors)])
        head = store.audit_head()
        (line,) = anchors.read_text().splitlines()
        assert json.loads(line)["seq"] == head.seq and json.loads(line)["mac"] == head.mac
        assert f'"seq":{head.seq}' in said
        sound = team.invoke(["audit", "verify", "--anchors", str(anchors)])
        assert "audit trail sound" in sound and "keyed from record 1" in sound
        assert "1 head(s) from outside the database checked" in sound

        # cut the last two records (the gate's hold of E2 and E1's done) and set the head back
        rows = store.audit_records()
        kept = rows[-3]
        _db(
            team.project,
            f"DELETE FROM audit WHERE seq > {kept.seq}",
            f"UPDATE audit_head SET seq = {kept.seq}, hash = '{kept.hash}'",
        )
        code, out = team.attempt("audit", "verify", "--anchors", str(anchors))
        assert code == 1, out
        assert f"audit record {head.seq} anchor: anchor {anchors}:1" in out
        assert f"record(s) {kept.seq + 1}-{head.seq} are gone (the tail was deleted)" in out
        assert "item B1:E2 is needs_approval in the items table, but the trail has no" in out
        assert "does not prove itself" in out
    finally:
        store.close()


def test_verify_with_a_report_and_a_forged_anchor_line(team: Team, tmp_path: Path) -> None:
    settings = load_settings(team.project)
    store = open_store(settings)
    try:
        _work(store)
        report = tmp_path / "reconciliation.xlsx"
        report.write_bytes(b"a workbook")
        write_manifest(report, head=store.audit_head(), key=settings.key("audit"))
        anchors = tmp_path / "anchors.jsonl"
        team.login("clerk")
        team.invoke(["audit", "anchor", "--file", str(anchors)])
        line = anchors.read_text()
        anchors.write_text(line + line.replace('"seq":', '"seq":1'))  # a forged line
        code, out = team.attempt(
            "audit", "verify", "--anchors", str(anchors), "--report", str(report)
        )
        assert code == 1 and f"not trusted {anchors}:2: its MAC does not verify" in out
        assert "2 head(s) from outside the database checked" in out  # line 1 and the report
        # a record changed by SQL: the report's head no longer matches, the chain breaks there
        _db(team.project, "UPDATE audit SET detail = 'x' WHERE what = 'in_flight -> done'")
        code, out = team.attempt("audit", "verify", "--report", str(report))
        assert code == 1 and "changed: its content no longer matches its MAC" in out
        # the report itself changed: its manifest no longer vouches for it
        report.write_bytes(b"another workbook")
        code, out = team.attempt("audit", "verify", "--report", str(report))
        assert code == 1 and "reconciliation.xlsx: CHANGED (SHA-256 differs)" in out
    finally:
        store.close()


def test_anchor_refuses_without_a_place_or_over_a_forged_head(team: Team) -> None:
    store = open_store(load_settings(team.project))
    try:
        _work(store)
    finally:
        store.close()
    team.login("clerk")
    code, out = team.attempt("audit", "anchor")
    assert code == 2 and "audit.anchors: not set; give --file or --syslog" in out
    _db(team.project, "UPDATE audit SET actor = 'x' WHERE seq = (SELECT MAX(seq) FROM audit)")
    code, out = team.attempt("audit", "anchor", "--file", str(team.project / "a.jsonl"))
    assert code == 2 and "its MAC does not verify with the audit key" in out
    assert not (team.project / "a.jsonl").exists()


def test_anchor_needs_a_signed_in_user(project: Path, tmp_path: Path) -> None:
    team = Team(project, {})
    team.invoke(["logout"])
    code, out = team.attempt("audit", "anchor", "--file", str(tmp_path / "a.jsonl"))
    assert code == 2 and "not signed in" in out
    assert not (tmp_path / "a.jsonl").exists()


def test_report_verify_checks_the_signature_with_the_banks_public_key(
    project: Path, tmp_path: Path
) -> None:
    settings = load_settings(project)
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"a workbook")
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"input")
    write_manifest(report, sources=[source], key=settings.key("audit"))
    public = _teller("audit", "public-key", "--project", str(project)).stdout.strip()
    assert len(public) == 64
    ok = _teller("report", "verify", str(report), "--public-key", public)
    assert "r.xlsx: OK" in ok.stdout and f"signed by {public}" in ok.stdout
    in_project = _teller("report", "verify", str(report), "--project", str(project))
    assert in_project.returncode == 0
    # the manifest rewritten to match a changed report, signed with another key
    report.write_bytes(b"another workbook")
    write_manifest(report, sources=[source], key=b"someone-elses-key-0123456789")
    forged = _teller("report", "verify", str(report), "--public-key", public, check=False)
    assert forged.returncode == 1 and "signed with another key" in forged.stderr
    # the signature line dropped: unsigned
    manifest = report.with_name("r.xlsx.sha256")
    manifest.write_text("".join(manifest.read_text().splitlines(keepends=True)[:-1]))
    unsigned = _teller("report", "verify", str(report), "--public-key", public, check=False)
    assert unsigned.returncode == 1 and "not signed" in unsigned.stderr
    # sha256sum -c still reads the manifest (it skips the # lines)
    checked = subprocess.run(
        ["sha256sum", "-c", manifest.name], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0 and "r.xlsx: OK" in checked.stdout


def _teller(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "teller", *args], capture_output=True, text=True, timeout=120
    )
    if check and done.returncode != 0:
        raise AssertionError(f"teller {' '.join(args)} -> {done.returncode}\n{done.stderr}")
    return done
