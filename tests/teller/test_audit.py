"""The audit trail: every event is a keyed record, and each attack on it is caught and named.

The attacker of these tests can write to the database (SQL), knows the code (so the
unkeyed SHA-256 and the record format), and does not hold the audit key.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import text

from teller._errors import TrailBroken, TrailUnkeyed
from teller.integrity import ChainHead, anchor, derive, read_anchors, read_manifest, write_manifest
from teller.store import AuditEntry, AuditProblem, NewItem, Store, now
from teller.store._audit import KEYED_MARK, record_hash, record_mac
from tests.conftest import AUDIT_KEY

COLUMNS = ("seq", "at", "actor", "run_id", "item_key", "what", "detail", "prev", "hash")


def _run(store: Store, items: int = 3, batch: str = "B1") -> str:
    return store.create_run(
        flow="payroll",
        batch_id=batch,
        input_file="in.xlsx",
        input_sha256="ab" * 32,
        submitted_by="maker",
        items=[
            NewItem(seq=n, key=f"{batch}:E{n}", amount=Decimal("10.00"), payload={"n": n})
            for n in range(1, items + 1)
        ],
    )


def _busy_run(store: Store) -> str:
    """Records 1-7: loaded, three moves of B1:E1, a stage, a report note, a login."""
    run_id = _run(store)
    first = store.items(run_id)[0]
    store.move(first.id, "auto_approved", actor="gate", reason="within policy")
    store.move(first.id, "in_flight", actor="runner", attempts=1)
    store.stage(first.id, "frozen", actor="runner", reason="frozen", data={"ref": "FRZ1"})
    store.move(first.id, "done", actor="runner", receipt="TX1")
    store.note(run_id, actor="runner", what="report", reason="reconciliation.xlsx")
    store.audit(AuditEntry(now(), "runner", "login", run_id, "", "corebank as teller01"))
    return run_id


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(statement), params)


def _rows(store: Store) -> list[dict[str, object]]:
    return [{c: getattr(r, c) for c in COLUMNS} for r in store.audit_records()]


def _rechain(store: Store, rows: list[dict[str, object]], *, start: int = 1) -> None:
    """What an attacker without the key does: rewrite ``rows`` from record ``start`` on, each
    with the unkeyed SHA-256 over its fields and the one before, numbered on from ``start``;
    records after the rows are left as they are; the head follows if the rows reach the end."""
    prev = "0" * 64 if start == 1 else str(rows[start - 2]["hash"])
    _sql(store, "DELETE FROM audit WHERE seq >= :s AND seq <= :e", s=start, e=len(rows))
    for seq, row in enumerate(rows[start - 1 :], start=start):
        fields = [row[c] for c in COLUMNS[1:7]]
        digest = record_hash(seq, *fields, prev)  # type: ignore[arg-type]
        values = dict(zip(COLUMNS, (seq, *fields, prev, digest), strict=True))
        sets = ", ".join(f":{c}" for c in COLUMNS)
        _sql(store, f"INSERT INTO audit ({', '.join(COLUMNS)}) VALUES ({sets})", **values)
        prev = digest
    if not _rows(store)[len(rows) :]:
        _sql(store, "UPDATE audit_head SET seq = :s, hash = :h", s=len(rows), h=prev)


def _only(problems: list[AuditProblem], kind: str) -> AuditProblem:
    found = [p for p in problems if p.kind == kind]
    assert len(found) == 1, problems
    return found[0]


# --- what is written ----------------------------------------------------------------


def test_every_event_is_one_record_keyed_to_the_one_before(store: Store) -> None:
    run_id = _busy_run(store)
    records = store.audit_records(run_id=run_id)
    assert [r.what for r in records] == [
        "loaded",
        "new -> auto_approved",
        "auto_approved -> in_flight",
        "stage frozen",
        "in_flight -> done",
        "report",
        "login",
    ]
    assert [r.seq for r in records] == list(range(1, 8))
    assert all(later.prev == earlier.hash for earlier, later in pairwise(records))
    assert records[4].item_key == "B1:E1" and '"receipt": "TX1"' in records[4].detail
    assert "SHA-256 " + "ab" * 32 in records[0].detail
    # the MAC is an HMAC with the key derived from the audit key, not a hash anyone can make
    key = hmac.new(AUDIT_KEY, b"teller/audit-chain/1", hashlib.sha256).digest()
    for r in records:
        fields = (r.seq, r.at, r.actor, r.run_id, r.item_key, r.what, r.detail, r.prev)
        assert r.hash == record_mac(key, *fields) != record_hash(*fields)
    verdict = store.check_trail()
    assert verdict.ok and (verdict.records, verdict.keyed_from, verdict.items) == (7, 1, 3)
    assert store.verify_audit() == (7, None)


def test_a_store_without_the_audit_key_reads_but_never_appends(store: Store) -> None:
    _busy_run(store)
    url = store.engine.url.render_as_string(hide_password=False)
    reader = Store(url)
    try:
        assert len(reader.audit_records()) == 7
        with pytest.raises(TrailUnkeyed, match="keys.audit"):
            reader.note(reader.runs()[0].id, actor="x", what="note")
        with pytest.raises(TrailUnkeyed):
            reader.check_trail()
    finally:
        reader.close()
    assert len(store.audit_records()) == 7  # nothing half-written


# --- changed --------------------------------------------------------------------------


def test_a_changed_record_is_named(store: Store) -> None:
    _busy_run(store)
    _sql(store, "UPDATE audit SET detail = 'nothing to see' WHERE seq = 5")
    count, problem = store.verify_audit()
    assert count == 4 and problem is not None
    assert (problem.seq, problem.kind) == (5, "changed")
    assert "in_flight -> done" in str(problem)


def test_a_record_changed_and_the_chain_recomputed_unkeyed_is_named(store: Store) -> None:
    _busy_run(store)
    rows = _rows(store)
    rows[2]["actor"] = "someone"  # record 3: who moved the item to in_flight
    _rechain(store, rows, start=3)  # 3-7 recomputed, the head updated: every link holds
    verdict = store.check_trail()
    problem = verdict.chain
    assert problem is not None and (problem.seq, problem.kind) == (3, "unkeyed")
    assert "keyed from record 1" in problem.detail and "someone" in problem.detail
    assert verdict.sound == 2 and not verdict.ok


def test_a_chain_recomputed_with_a_guessed_key_is_named(store: Store) -> None:
    _busy_run(store)
    rows = _rows(store)
    rows[3]["detail"] = "frozen elsewhere"
    prev = str(rows[2]["hash"])
    guess = derive(b"not-the-bank-audit-key", "audit-chain")
    for seq in range(4, 8):
        row = rows[seq - 1]
        fields = [row[c] for c in COLUMNS[1:7]]
        row.update(prev=prev, hash=record_mac(guess, seq, *fields, prev))  # type: ignore[arg-type]
        prev = str(row["hash"])
        sets = ", ".join(f"{c} = :{c}" for c in COLUMNS[1:])
        _sql(store, f"UPDATE audit SET {sets} WHERE seq = :seq", **row)
    _sql(store, "UPDATE audit_head SET hash = :h", h=prev)
    _, problem = store.verify_audit()
    assert problem is not None and (problem.seq, problem.kind) == (4, "changed")


# --- removed --------------------------------------------------------------------------


def test_a_removed_record_is_named(store: Store) -> None:
    _busy_run(store)
    _sql(store, "DELETE FROM audit WHERE seq = 4")
    count, problem = store.verify_audit()
    assert problem is not None and (count, problem.seq, problem.kind) == (3, 4, "removed")


def test_removing_the_last_records_is_caught_by_the_head(store: Store) -> None:
    _busy_run(store)
    _sql(store, "DELETE FROM audit WHERE seq >= 6")
    count, problem = store.verify_audit()
    assert problem is not None and (count, problem.seq, problem.kind) == (5, 6, "removed")
    assert "6-7" in problem.detail


def test_a_middle_record_removed_and_the_rest_renumbered_is_named(store: Store) -> None:
    _busy_run(store)
    _sql(store, "DELETE FROM audit WHERE seq = 4")
    for seq in range(5, 8):  # close the gap, as if record 4 had never been
        _sql(store, "UPDATE audit SET seq = :n WHERE seq = :s", n=seq - 1, s=seq)
    last = _rows(store)[-1]
    _sql(store, "UPDATE audit_head SET seq = 6, hash = :h", h=last["hash"])
    count, problem = store.verify_audit()
    assert problem is not None and (count, problem.seq, problem.kind) == (3, 4, "renumbered")
    assert "that of record 5: record(s) 4 were removed" in problem.detail


def test_the_tail_deleted_and_the_head_updated_is_named_by_an_anchor(
    store: Store, tmp_path: Path
) -> None:
    run_id = _busy_run(store)
    anchors = tmp_path / "elsewhere" / "anchors.jsonl"
    anchor(AUDIT_KEY, store.audit_head(check=True), anchors)  # head at record 7
    later = store.items(run_id)[1]
    store.move(later.id, "needs_approval", actor="gate", reason="over the limit")  # record 8
    anchor(AUDIT_KEY, store.audit_head(check=True), anchors)
    # the attacker deletes records 5-8 and sets the head on record 4: the chain holds
    head4 = next(r for r in _rows(store) if r["seq"] == 4)
    _sql(store, "DELETE FROM audit WHERE seq >= 5")
    _sql(store, "UPDATE audit_head SET seq = 4, hash = :h", h=head4["hash"])
    assert store.verify_audit() == (4, None)
    heads = [(f"anchor {a.where}", a.head) for a in read_anchors(anchors, AUDIT_KEY)]
    assert all(a.problem is None for a in read_anchors(anchors, AUDIT_KEY))
    verdict = store.check_trail([(w, h) for w, h in heads if h is not None])
    missing = [p for p in verdict.problems if p.kind == "anchor"]
    assert [(p.seq, p.kind) for p in missing] == [(7, "anchor"), (8, "anchor")]
    assert "anchors.jsonl:1" in missing[0].detail
    assert "record(s) 5-7 are gone (the tail was deleted)" in missing[0].detail
    # the items table still says where the deleted moves left the items
    states = sorted(p.detail for p in verdict.problems if p.kind == "state")
    assert len(states) == 2
    assert (
        "item B1:E1 is done in the items table, but its last move in the trail (record 3) left it in_flight"
        in states[0]
    )
    assert (
        "item B1:E2 is needs_approval in the items table, but the trail has no record" in states[1]
    )


def test_an_anchor_line_changed_or_made_without_the_key_is_not_trusted(
    store: Store, tmp_path: Path
) -> None:
    _busy_run(store)
    anchors = tmp_path / "anchors.jsonl"
    anchor(AUDIT_KEY, store.audit_head(check=True), anchors)
    line = anchors.read_text()
    forged = line.replace('"seq":7', '"seq":4')
    anchor(b"someone-elses-key-0123456789", ChainHead(9, "ab" * 32), anchors)
    anchors.write_text(line + forged + "garbage\n" + anchors.read_text().splitlines()[-1] + "\n")
    read = read_anchors(anchors, AUDIT_KEY)
    assert [a.problem is None for a in read] == [True, False, False, False]
    assert "MAC does not verify" in str(read[1].problem) and read[1].where.endswith(":2")
    assert "not an anchor line" in str(read[2].problem)


def test_nothing_forged_is_ever_anchored(store: Store) -> None:
    _busy_run(store)
    _sql(store, "UPDATE audit SET detail = 'x' WHERE seq = 7")
    with pytest.raises(TrailBroken, match="audit record 7: its MAC does not verify"):
        store.audit_head(check=True)
    _sql(store, "DELETE FROM audit WHERE seq = 7")
    with pytest.raises(TrailBroken, match="the head row says record 7, the trail ends at record 6"):
        store.audit_head(check=True)


# --- reports carry the head they saw ----------------------------------------------------


def test_a_report_names_the_head_it_saw_and_catches_a_cut_tail(
    store: Store, tmp_path: Path
) -> None:
    _busy_run(store)
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"a workbook")
    write_manifest(report, head=store.audit_head(), key=AUDIT_KEY)
    manifest = read_manifest(report)
    assert manifest.signed and manifest.head == store.audit_head() and manifest.head.seq == 7
    _sql(store, "DELETE FROM audit WHERE seq = 7")
    head6 = _rows(store)[-1]
    _sql(store, "UPDATE audit_head SET seq = 6, hash = :h", h=head6["hash"])
    verdict = store.check_trail([("report report.xlsx", manifest.head)])
    problem = _only(verdict.problems, "anchor")
    assert problem.seq == 7 and "report report.xlsx saw the head at record 7" in problem.detail


# --- the state machine and the items table ----------------------------------------------


def test_a_move_the_state_machine_forbids_is_named(store: Store) -> None:
    run_id = _busy_run(store)
    # a record only a key holder (or a bug) could write: new -> done, skipping the gate
    store.audit(AuditEntry(now(), "runner", "new -> done", run_id, "B1:E3", "paid"))
    _sql(store, "UPDATE items SET state = 'done' WHERE key = 'B1:E3'")
    verdict = store.check_trail()
    assert verdict.chain is None
    problem = _only(verdict.problems, "transition")
    assert (
        problem.seq == 8 and "from new to done, which the state machine forbids" in problem.detail
    )


def test_a_move_from_another_state_than_the_trail_left_is_named(store: Store) -> None:
    run_id = _busy_run(store)
    store.audit(AuditEntry(now(), "runner", "approved -> in_flight", run_id, "B1:E2", ""))
    _sql(store, "UPDATE items SET state = 'in_flight' WHERE key = 'B1:E2'")
    problem = _only(store.check_trail().problems, "transition")
    assert "moves item B1:E2 from approved, but it was never moved before" in problem.detail


def test_an_item_whose_state_has_no_record_in_the_trail_is_named(store: Store) -> None:
    _busy_run(store)
    _sql(store, "UPDATE items SET state = 'auto_approved' WHERE key = 'B1:E2'")
    _sql(store, "UPDATE items SET state = 'approved' WHERE key = 'B1:E1'")
    verdict = store.check_trail()
    assert verdict.chain is None
    found = sorted(p.detail for p in verdict.problems if p.kind == "state")
    assert found == [
        "item B1:E1 is approved in the items table, but its last move in the trail "
        "(record 5) left it done",
        "item B1:E2 is auto_approved in the items table, but the trail has no record of any "
        "move of it",
    ]


# --- an older, unkeyed store ----------------------------------------------------------


def _unkeyed(store: Store) -> None:
    """Make the busy run's trail what an older Teller wrote: unkeyed SHA-256 throughout."""
    _rechain(store, _rows(store))
    _sql(store, "UPDATE audit_head SET keyed_from = 0")


def test_an_unkeyed_store_is_sealed_then_keyed_from_the_upgrade(store: Store) -> None:
    run_id = _busy_run(store)
    _unkeyed(store)
    verdict = store.check_trail()
    assert verdict.ok and verdict.keyed_from is None  # sound, but proves nothing on its own
    store.note(run_id, actor="runner", what="resumed")
    records = store.audit_records()
    assert [(r.seq, r.what) for r in records[7:]] == [(8, KEYED_MARK), (9, "resumed")]
    assert "records 1-7 are chained with unkeyed SHA-256" in records[7].detail
    verdict = store.check_trail()
    assert verdict.ok and verdict.keyed_from == 8 and verdict.records == 9


def test_after_the_upgrade_neither_old_nor_new_records_can_be_rewritten(store: Store) -> None:
    run_id = _busy_run(store)
    _unkeyed(store)
    store.note(run_id, actor="runner", what="resumed")  # 8: chain keyed, 9: resumed
    store.note(run_id, actor="runner", what="finished")  # 10
    rows = _rows(store)
    # a record after the upgrade, rewritten unkeyed ("downgraded"): named
    rows[8]["detail"] = "nothing happened"
    _rechain(store, rows, start=9)
    problem = store.check_trail().chain
    assert problem is not None and (problem.seq, problem.kind) == (9, "unkeyed")
    assert "keyed from record 8" in problem.detail
    # a record before the upgrade, its unkeyed chain recomputed: the keyed mark's link breaks
    rows = _rows(store)
    rows[1]["actor"] = "nobody"
    _rechain(store, rows[:7])  # records 1-7; 8-10 and the head as they were
    problem = store.check_trail().chain
    assert problem is not None and (problem.seq, problem.kind) == (8, "reordered")


def test_a_whole_trail_downgraded_is_caught_by_an_anchor(store: Store, tmp_path: Path) -> None:
    _busy_run(store)
    anchors = tmp_path / "anchors.jsonl"
    anchor(AUDIT_KEY, store.audit_head(check=True), anchors)
    rows = _rows(store)
    rows[4]["detail"] = '{"receipt": "TX-OTHER"}'
    _rechain(store, rows)  # every record unkeyed: it looks like a store never keyed
    _sql(store, "UPDATE audit_head SET keyed_from = 0")
    alone = store.check_trail()
    assert alone.ok and alone.keyed_from is None
    (read,) = read_anchors(anchors, AUDIT_KEY)
    assert read.head is not None
    problem = _only(store.check_trail([("anchor", read.head)]).problems, "anchor")
    assert problem.seq == 7 and "rewritten since" in problem.detail


# --- concurrency ----------------------------------------------------------------------


def test_robots_appending_at_once_never_fork_the_chain(store: Store) -> None:
    run_id = _run(store, items=1)
    failures: list[BaseException] = []

    def note(who: str) -> None:
        try:
            for n in range(25):
                store.note(run_id, actor=who, what="progress", reason=str(n))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=note, args=(f"robot-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert store.verify_audit() == (101, None)


def test_a_fresh_store_starts_an_empty_sound_chain(store: Store) -> None:
    assert store.audit_records() == [] and store.verify_audit() == (0, None)
    assert store.audit_head(check=True) == ChainHead(0, "0" * 64)
