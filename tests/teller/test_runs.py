"""People decide what the gate held back: never the maker, two above the second limit,
and an approval holds only for the line as it was approved."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from teller import ApprovalRefused, TransitionRefused
from teller.gate import Gate, Policy
from teller.people import Person
from teller.runner import Runner
from teller.runs import approve, reject, start_run
from teller.settings import Settings
from teller.store import Item, Store
from tests.teller.test_runner import ScriptedFlow, seal_key

# the people who decide: accounts with the approver role (the maker holds both roles, so
# what refuses them is maker-checker, not a missing role)
MAKER = Person(1, "maker", frozenset({"operator", "approver"}), "s1")
CHECKER = Person(2, "checker", frozenset({"approver"}), "s2")
ANN = Person(3, "ann", frozenset({"approver"}), "s3")
BOB = Person(4, "bob", frozenset({"approver"}), "s4")


def _held(store: Store, tmp_path: Path, policy: Policy | None = None) -> tuple[ScriptedFlow, int]:
    flow = ScriptedFlow({"small": ["ok"], "big": ["ok"]})
    batch = flow.load(tmp_path / "x")
    run_id = start_run(
        store, flow, batch, Gate(policy or Policy()), submitted_by="Maker", key=seal_key(tmp_path)
    )
    states = {i.key: (i.state, i.id) for i in store.items(run_id)}
    assert states["small"][0] == "auto_approved"
    assert states["big"][0] == "needs_approval"
    return flow, states["big"][1]


def _work(store: Store, tmp_path: Path, flow: ScriptedFlow, run_id: str) -> None:
    settings = Settings(
        mode="sandbox", project=tmp_path, retry_backoff=0.01, contexts=1, settle_seconds=0
    )
    asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))


def _force(store: Store, item_id: int, **values: object) -> None:
    """Change an item behind the application's back, as a bad actor with the database might."""
    with store.engine.begin() as connection:
        connection.execute(update(Item).where(Item.id == item_id).values(**values))


def test_the_maker_cannot_approve_their_own_batch(store: Store, tmp_path: Path) -> None:
    _, item_id = _held(store, tmp_path)
    with pytest.raises(ApprovalRefused, match="may not decide"):
        approve(store, item_id, key=seal_key(tmp_path), by=MAKER)
    assert store.item(item_id).state == "needs_approval"
    approved = approve(
        store, item_id, key=seal_key(tmp_path), by=CHECKER, reason="signed payroll sheet"
    )
    assert (approved.state, approved.decided_by) == ("approved", "checker")
    event = store.events(approved.run_id, item_id=item_id)[-1]
    assert (event.actor, event.target, event.reason) == (
        "checker",
        "approved",
        f"signed payroll sheet (session s2, content {approved.content_hash[:12]})",
    )


def test_above_the_second_limit_one_approver_is_not_enough(store: Store, tmp_path: Path) -> None:
    _, item_id = _held(store, tmp_path, Policy(dual_limit=Decimal("59999.99")))
    assert store.item(item_id).approvers_needed == 2
    first = approve(store, item_id, key=seal_key(tmp_path), by=ANN)
    assert first.state == "needs_approval" and len(first.approvals) == 1
    with pytest.raises(ApprovalRefused, match="another approver"):
        approve(
            store, item_id, key=seal_key(tmp_path), by=Person(3, "ANN", ANN.roles, "s5")
        )  # another session
    second = approve(store, item_id, key=seal_key(tmp_path), by=BOB)
    assert (second.state, second.decided_by) == ("approved", "ann, bob")


def test_a_line_changed_after_its_approval_is_not_paid(store: Store, tmp_path: Path) -> None:
    flow, item_id = _held(store, tmp_path)
    approve(store, item_id, key=seal_key(tmp_path), by=CHECKER)
    _force(store, item_id, amount=Decimal("99999.00"))
    run_id = store.item(item_id).run_id
    _work(store, tmp_path, flow, run_id)
    item = store.item(item_id)
    assert item.state == "needs_approval" and "big" not in flow.ledger
    assert flow.violations == [] and flow.calls == {"small": 1} and item.attempts == 0
    assert "seal does not match" in store.events(run_id, item_id=item_id)[-1].reason
    with pytest.raises(ApprovalRefused, match="changed after the gate decided"):
        approve(store, item_id, key=seal_key(tmp_path), by=CHECKER)


def test_an_item_forced_past_the_gate_is_not_paid(store: Store, tmp_path: Path) -> None:
    flow, item_id = _held(store, tmp_path)
    _force(store, item_id, state="approved")  # no approval was ever given
    _work(store, tmp_path, flow, store.item(item_id).run_id)
    assert store.item(item_id).state == "needs_approval"
    assert "big" not in flow.ledger and flow.ledger.keys() == {"small"}
    assert flow.violations == [] and flow.calls == {"small": 1}
    assert store.item(item_id).attempts == 0
    with pytest.raises(TransitionRefused, match="not allowed"):
        store.move(item_id, "in_flight", actor="someone")


def test_a_rejection_needs_a_reason(store: Store, tmp_path: Path) -> None:
    _, item_id = _held(store, tmp_path)
    with pytest.raises(ApprovalRefused, match="reason"):
        reject(store, item_id, key=seal_key(tmp_path), by=CHECKER, reason=" ")
    assert (
        reject(store, item_id, key=seal_key(tmp_path), by=CHECKER, reason="not on payroll").state
        == "rejected"
    )


def test_only_held_items_can_be_approved(store: Store, tmp_path: Path) -> None:
    _, item_id = _held(store, tmp_path)
    approve(store, item_id, key=seal_key(tmp_path), by=CHECKER)
    with pytest.raises(TransitionRefused, match="not waiting"):
        approve(store, item_id, key=seal_key(tmp_path), by=CHECKER)


def test_whoever_dropped_a_scheduled_runs_file_cannot_decide_it(
    store: Store, tmp_path: Path
) -> None:
    """A scheduled run's maker is its schedule's owner; the OS account that dropped its
    file is a maker too: an approver signed in from that account may not decide it (nor
    forge such an approval: approvals are sealed)."""
    flow = ScriptedFlow({"big": ["ok"]})
    run_id = start_run(
        store,
        flow,
        flow.load(tmp_path / "x"),
        Gate(Policy()),
        submitted_by="ops.scheduler",
        key=seal_key(tmp_path),
        file_owner="mallory",
    )
    item_id = store.items(run_id)[0].id
    mallory = Person(5, "mallory", frozenset({"approver"}), "s6", os_user="mallory")
    with pytest.raises(ApprovalRefused, match="OS account mallory, which dropped the input"):
        approve(store, item_id, key=seal_key(tmp_path), by=mallory)
    with pytest.raises(ApprovalRefused, match="which dropped the input"):
        reject(store, item_id, key=seal_key(tmp_path), by=mallory, reason="mine")
    approved = approve(
        store,
        item_id,
        key=seal_key(tmp_path),
        by=Person(2, "checker", CHECKER.roles, "s2", "checker"),
    )
    assert approved.state == "approved" and approved.approvals[0]["os_user"] == "checker"
