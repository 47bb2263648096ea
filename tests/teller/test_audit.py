"""The audit trail: every event is chained, and a changed, removed or moved record is named."""

from __future__ import annotations

import threading
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import text

from teller.store import AuditEntry, NewItem, Store, now
from teller.store._audit import record_hash


def _run(store: Store, items: int = 3) -> str:
    return store.create_run(
        flow="payroll",
        batch_id="B1",
        input_file="in.xlsx",
        input_sha256="ab" * 32,
        submitted_by="maker",
        items=[
            NewItem(seq=n, key=f"B1:E{n}", amount=Decimal("10.00"), payload={"n": n})
            for n in range(1, items + 1)
        ],
    )


def _busy_run(store: Store) -> str:
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


def test_every_event_is_one_chained_record(store: Store) -> None:
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
    assert store.verify_audit() == (7, None)


def test_a_changed_record_is_named(store: Store) -> None:
    _busy_run(store)
    _sql(store, "UPDATE audit SET detail = 'nothing to see' WHERE seq = 5")
    count, problem = store.verify_audit()
    assert count == 4 and problem is not None
    assert (problem.seq, problem.kind) == (5, "changed")
    assert "in_flight -> done" in str(problem)


def test_a_record_rewritten_with_its_hash_breaks_the_next_link(store: Store) -> None:
    _busy_run(store)
    (record,) = [r for r in store.audit_records() if r.seq == 3]
    forged = record_hash(
        3,
        record.at,
        "someone",
        record.run_id,
        record.item_key,
        record.what,
        record.detail,
        record.prev,
    )
    _sql(store, "UPDATE audit SET actor = 'someone', hash = :h WHERE seq = 3", h=forged)
    _, problem = store.verify_audit()
    assert problem is not None and (problem.seq, problem.kind) == (4, "reordered")
    assert "record 3 was rewritten" in problem.detail


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


def test_two_swapped_records_are_named(store: Store) -> None:
    _busy_run(store)
    columns = ("at", "actor", "run_id", "item_key", "what", "detail", "prev", "hash")
    rows = {
        r.seq: {c: getattr(r, c) for c in columns} for r in store.audit_records() if r.seq in (3, 4)
    }
    _sql(store, "UPDATE audit SET hash = 'x' WHERE seq = 3")  # the unique hash, out of the way
    for seq, other in ((4, 3), (3, 4)):
        sets = ", ".join(f"{c} = :{c}" for c in columns)
        _sql(store, f"UPDATE audit SET {sets} WHERE seq = :seq", seq=seq, **rows[other])
    _, problem = store.verify_audit()
    assert problem is not None and (problem.seq, problem.kind) == (3, "reordered")


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
