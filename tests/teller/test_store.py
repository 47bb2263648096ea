"""The store keeps runs, items and events exactly, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from teller import StateError
from teller.store import NewItem, Store


def _run(store: Store, batch: str = "B1", amounts: tuple[str, ...] = ("10.50", "50000.01")) -> str:
    items = [
        NewItem(seq=n, key=f"{batch}:E{n}", amount=Decimal(a), payload={"n": n})
        for n, a in enumerate(amounts, start=1)
    ]
    return store.create_run(
        flow="payroll",
        batch_id=batch,
        input_file="in.xlsx",
        input_sha256="0" * 64,
        submitted_by="maker",
        items=items,
    )


def test_money_round_trips_exactly(store: Store) -> None:
    run_id = _run(store, amounts=("0.10", "12345678901234.99"))
    assert [i.amount for i in store.items(run_id)] == [
        Decimal("0.10"),
        Decimal("12345678901234.99"),
    ]


def test_every_transition_is_an_event(store: Store) -> None:
    run_id = _run(store)
    item = store.items(run_id)[0]
    store.move(item.id, "auto_approved", actor="gate", reason="within policy")
    store.move(item.id, "in_flight", actor="runner", attempts=1)
    done = store.move(item.id, "done", actor="runner", receipt="TX1")
    assert (done.state, done.receipt, done.attempts) == ("done", "TX1", 1)
    moves = [(e.source, e.target, e.actor) for e in store.events(run_id, item_id=item.id)]
    assert moves == [
        ("new", "auto_approved", "gate"),
        ("auto_approved", "in_flight", "runner"),
        ("in_flight", "done", "runner"),
    ]


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [
        ((), "in_flight"),  # new items must pass the gate first
        (("needs_approval",), "in_flight"),  # held items are never worked
        (("rejected",), "approved"),
        (("auto_approved", "in_flight", "done"), "in_flight"),  # done is final
    ],
)
def test_forbidden_transitions_are_refused(
    store: Store, path: tuple[str, ...], forbidden: str
) -> None:
    item = store.items(_run(store))[0]
    for state in path:
        store.move(item.id, state, actor="t")
    with pytest.raises(StateError, match="not allowed"):
        store.move(item.id, forbidden, actor="t")
    assert store.item(item.id).state == (path[-1] if path else "new")


def test_a_batch_loads_once(store: Store) -> None:
    first = _run(store, "PAY-1")
    with pytest.raises(StateError, match=first):
        _run(store, "PAY-1")
    assert len(store.runs()) == 1


def test_leases_keep_two_owners_apart(store: Store) -> None:
    item = store.items(_run(store))[0]
    assert store.claim(item.id, "robot-a", seconds=60)
    assert not store.claim(item.id, "robot-b", seconds=60)
    store.release(item.id, "robot-a")
    assert store.claim(item.id, "robot-b", seconds=60)


def test_a_move_out_of_the_to_do_states_frees_the_lease_in_the_same_commit(
    store: Store,
) -> None:
    item = store.items(_run(store))[0]
    store.move(item.id, "auto_approved", actor="gate")
    assert store.claim(item.id, "robot-a", seconds=60)
    moved = store.move(item.id, "in_flight", actor="robot-a", attempts=1)
    assert moved.lease_owner == "robot-a"  # still to do: still robot-a's
    moved = store.move(item.id, "in_doubt", actor="robot-a")
    assert moved.lease_owner == "robot-a"
    moved = store.move(item.id, "needs_review", actor="robot-a")
    assert (moved.lease_owner, moved.lease_until) == (None, None)
    assert "lease" not in store.audit_records()[-1].detail
    store.move(item.id, "retry_wait", actor="approver")  # a person sends it back
    assert store.claim(item.id, "robot-b", seconds=60)


def test_an_expired_lease_is_taken_over(store: Store) -> None:
    item = store.items(_run(store))[0]
    assert store.claim(item.id, "robot-a", seconds=-1)  # already expired
    assert store.claim(item.id, "robot-b", seconds=60)
    assert store.item(item.id).lease_owner == "robot-b"


def test_filters_items_by_state(store: Store) -> None:
    run_id = _run(store)
    first, second = store.items(run_id)
    store.move(first.id, "auto_approved", actor="gate")
    store.move(second.id, "needs_approval", actor="gate")
    assert [i.id for i in store.items(run_id, states=["needs_approval"])] == [second.id]


def test_a_stage_is_recorded_once_with_its_console_figures(store: Store) -> None:
    run_id = _run(store)
    first, second = store.items(run_id)
    at = {"at": "2026-11-28 14:03:22", "ref": "FRZ00000001"}
    assert store.stage(first.id, "frozen", actor="runner", reason="frozen", data=at)
    assert not store.stage(first.id, "frozen", actor="runner", data={"at": "later"})
    assert store.stage(second.id, "received", actor="runner")
    store.move(first.id, "auto_approved", actor="gate")
    stages = store.stages(run_id)
    assert [(e.item_id, e.target, e.data) for e in stages] == [
        (first.id, "frozen", at),
        (second.id, "received", {}),
    ]
    assert [e.target for e in store.stages(run_id, item_id=first.id)] == ["frozen"]
    assert len(store.events(run_id, item_id=first.id)) == 2  # the stage and the move


def test_known_keys_and_items_of_a_flow(store: Store) -> None:
    run_id = _run(store)
    assert store.known_keys(["B1:E1", "B1:E9", "B2:E1"]) == {"B1:E1"}
    created = store.run(run_id).created_at
    assert [i.key for i, _ in store.items_of("payroll", since=created)] == ["B1:E1", "B1:E2"]
    assert store.items_of("account-loss", since=created) == []
    assert store.items_of("payroll", since=created, states=("done",)) == []


def test_two_processes_opening_a_new_store_at_once_both_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = "import sys; from teller.store import Store; Store(sys.argv[1]).close()"
    for _ in range(5):  # the race is narrow: give it a few chances
        (tmp_path / "fresh.db").unlink(missing_ok=True)
        starters = [
            subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
            for _ in range(3)
        ]
        for starter in starters:
            _, said = starter.communicate(timeout=60)
            assert starter.returncode == 0, said.decode()
