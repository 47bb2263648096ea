"""A person decides what the gate held back; the batch's maker may not."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from teller import StateError
from teller.flow import Batch
from teller.gate import Policy
from teller.runs import approve, gate_batch, reject, start_run
from teller.store import NewItem, Store
from tests.teller.test_runner import ScriptedFlow


def _held_item(store: Store, tmp_path: Path) -> int:
    flow = ScriptedFlow({"small": [], "big": []})
    run_id = start_run(store, flow, flow.load(tmp_path / "x"), Policy(), submitted_by="Maker")
    states = {i.key: (i.state, i.id) for i in store.items(run_id)}
    assert states["small"][0] == "auto_approved"
    assert states["big"][0] == "needs_approval"
    return states["big"][1]


def test_the_maker_cannot_approve_their_own_batch(store: Store, tmp_path: Path) -> None:
    item_id = _held_item(store, tmp_path)
    with pytest.raises(StateError, match="may not decide"):
        approve(store, item_id, by="maker")
    assert store.item(item_id).state == "needs_approval"
    approved = approve(store, item_id, by="checker", reason="signed payroll sheet")
    assert (approved.state, approved.decided_by) == ("approved", "checker")
    event = store.events(approved.run_id, item_id=item_id)[-1]
    assert (event.actor, event.target, event.reason) == (
        "checker",
        "approved",
        "signed payroll sheet",
    )


def test_a_rejection_needs_a_reason(store: Store, tmp_path: Path) -> None:
    item_id = _held_item(store, tmp_path)
    with pytest.raises(StateError, match="reason"):
        reject(store, item_id, by="checker", reason=" ")
    assert reject(store, item_id, by="checker", reason="not on payroll").state == "rejected"


def test_only_held_items_can_be_approved(store: Store, tmp_path: Path) -> None:
    item_id = _held_item(store, tmp_path)
    approve(store, item_id, by="checker")
    with pytest.raises(StateError, match="not waiting"):
        approve(store, item_id, by="checker")


def test_gate_decisions_of_a_batch() -> None:
    items = [NewItem(1, "a", Decimal("50000.00")), NewItem(2, "b", Decimal("50000.01"))]
    outcomes = [d.outcome for d in gate_batch(Batch("B", "f", "0", items), Policy())]
    assert outcomes == ["auto_approved", "needs_approval"]
