"""A store made by an older Teller is brought up to date in place, and stays safe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from teller.store import AuditEntry, Store, now
from teller.store._audit import KEYED_MARK, record_hash
from tests.conftest import AUDIT_KEY


def test_an_old_store_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as db:  # as an older Teller left it: no approvals, no hash
        db.execute("ALTER TABLE items DROP COLUMN approvals")
        db.execute("ALTER TABLE items DROP COLUMN content_hash")
        db.execute("ALTER TABLE items DROP COLUMN fence")  # no fencing token, no retry base
        db.execute("ALTER TABLE items DROP COLUMN retry_base")
        db.execute(
            "INSERT INTO runs (id, flow, batch_id, input_file, input_sha256, submitted_by,"
            " created_at, status, info) VALUES ('R1', 'payroll', 'B', 'f', '0', 'm',"
            " '2026-01-01 00:00:00', 'loaded', '{}')"
        )
        db.execute(
            "INSERT INTO items (run_id, seq, key, label, payload, state, rules, attempts,"
            " approvers_needed, updated_at) VALUES ('R1', 1, 'B:1', '', '{}', 'approved', '[]',"
            " 0, 1, '2026-01-01 00:00:00')"
        )
    store = Store(f"sqlite:///{path}")
    item = store.items("R1")[0]
    assert item.approvals == [] and item.content_hash == ""
    assert (item.fence, item.retry_base) == (0, 0)
    lease = store.claim(item.id, "robot", seconds=60)
    assert lease is not None and lease.fence == 1
    store.close()


def test_an_old_unkeyed_trail_opens_verifies_and_is_keyed_from_the_next_record(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    Store(f"sqlite:///{path}").close()
    prev = "0" * 64
    with sqlite3.connect(path) as db:  # as an older Teller left it: SHA-256, no keyed_from
        db.execute("ALTER TABLE audit_head DROP COLUMN keyed_from")
        for seq in (1, 2):
            fields = (seq, f"2026-01-0{seq}T00:00:00.000000", "m", "R1", "", "loaded", "")
            digest = record_hash(*fields, prev)
            db.execute(
                "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*fields, prev, digest)
            )
            prev = digest
        db.execute("UPDATE audit_head SET seq = 2, hash = ?", (prev,))
    store = Store(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    verdict = store.check_trail()
    assert verdict.ok and verdict.records == 2 and verdict.keyed_from is None
    store.audit(AuditEntry(now(), "runner", "login", "", "", "corebank"))
    assert [r.what for r in store.audit_records()] == ["loaded", "loaded", KEYED_MARK, "login"]
    verdict = store.check_trail()
    assert verdict.ok and verdict.keyed_from == 3
    store.close()
