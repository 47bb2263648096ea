"""The store keeps runs, items and events exactly, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from teller import BatchAlreadyLoaded, LostLease, StateError, TransitionRefused
from teller.store import Lease, NewItem, Store


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
    with pytest.raises(BatchAlreadyLoaded, match=first) as loaded:
        _run(store, "PAY-1")
    assert loaded.value.run_id == first
    assert len(store.runs()) == 1


def test_leases_keep_two_owners_apart(store: Store) -> None:
    item = store.items(_run(store))[0]
    lease = store.claim(item.id, "robot-a", seconds=60)
    assert lease is not None
    assert store.claim(item.id, "robot-b", seconds=60) is None
    store.release(item.id, lease)
    assert store.claim(item.id, "robot-b", seconds=60) is not None


def test_a_move_out_of_the_to_do_states_frees_the_lease_in_the_same_commit(
    store: Store,
) -> None:
    item = store.items(_run(store))[0]
    store.move(item.id, "auto_approved", actor="gate")
    lease = store.claim(item.id, "robot-a", seconds=60)
    moved = store.move(item.id, "in_flight", actor="robot-a", lease=lease, attempts=1)
    assert moved.lease_owner == "robot-a"  # still to do: still robot-a's
    moved = store.move(item.id, "in_doubt", actor="robot-a", lease=lease)
    assert moved.lease_owner == "robot-a"
    moved = store.move(item.id, "needs_review", actor="robot-a", lease=lease)
    assert (moved.lease_owner, moved.lease_until) == (None, None)
    assert store.item(item.id).lease_owner is None  # in the store, not only in the answer
    assert "lease" not in store.audit_records()[-1].detail
    store.move(item.id, "retry_wait", actor="approver")  # a person sends it back
    assert store.claim(item.id, "robot-b", seconds=60) is not None


def test_an_expired_lease_is_taken_over(store: Store) -> None:
    item = store.items(_run(store))[0]
    assert store.claim(item.id, "robot-a", seconds=-1) is not None  # already expired
    assert store.claim(item.id, "robot-b", seconds=60) is not None
    assert store.item(item.id).lease_owner == "robot-b"


def _in_flight(store: Store, owner: str) -> tuple[int, Lease]:
    item = store.items(_run(store))[0]
    store.move(item.id, "auto_approved", actor="gate")
    lease = store.claim(item.id, owner, seconds=-1)  # expired at once: free to take over
    assert lease is not None
    store.move(item.id, "in_flight", actor=owner, lease=lease, attempts=1)
    return item.id, lease


def test_a_stale_owner_cannot_move_the_item_after_a_takeover(store: Store) -> None:
    """The ABA of issue 14: A's late "done" must not match B's new in_flight."""
    item_id, stale = _in_flight(store, "robot-a")
    fresh = store.claim(item_id, "robot-b", seconds=60)
    assert fresh is not None and fresh.fence > stale.fence
    for target in ("in_doubt", "retry_wait", "in_flight"):
        store.move(item_id, target, actor="robot-b", lease=fresh)
    events = len(store.events(store.item(item_id).run_id))
    with pytest.raises(LostLease) as lost:
        store.move(item_id, "done", actor="robot-a", lease=stale, receipt="TX-A")
    assert (lost.value.owner, lost.value.fence) == ("robot-a", stale.fence)
    item = store.item(item_id)
    assert (item.state, item.receipt, item.lease_owner) == ("in_flight", None, "robot-b")
    assert len(store.events(item.run_id)) == events  # nothing written
    assert not store.renew(item_id, stale, seconds=60)
    store.release(item_id, stale)  # harmless
    assert store.item(item_id).lease_owner == "robot-b"
    assert store.renew(item_id, fresh, seconds=60)
    store.move(item_id, "done", actor="robot-b", lease=fresh, receipt="TX-B")
    assert store.item(item_id).receipt == "TX-B"


def test_the_same_owner_claiming_again_fences_its_earlier_claim(store: Store) -> None:
    item_id, first = _in_flight(store, "robot-a")
    second = store.claim(item_id, "robot-a", seconds=60)
    assert second is not None and second.fence == first.fence + 1
    with pytest.raises(LostLease):
        store.move(item_id, "in_doubt", actor="robot-a", lease=first)


def test_a_persons_move_fences_out_the_worker_holding_the_item(store: Store) -> None:
    item_id, lease = _in_flight(store, "robot-a")
    store.move(item_id, "in_doubt", actor="robot-a", lease=lease)
    store.move(item_id, "needs_review", actor="robot-a", lease=lease)
    store.move(item_id, "retry_wait", actor="checker")  # settled "not paid" by a person
    with pytest.raises(LostLease):
        store.move(item_id, "in_flight", actor="robot-a", lease=lease)


def test_a_refused_transition_says_which(store: Store) -> None:
    item = store.items(_run(store))[0]
    with pytest.raises(TransitionRefused) as refused:
        store.move(item.id, "done", actor="t")
    assert (refused.value.source, refused.value.target) == ("new", "done")


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
