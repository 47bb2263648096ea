"""Starting runs and deciding held items: load → gate, and approve / reject by a person."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from loguru import logger

from teller._errors import StateError
from teller.flow import Batch, Flow
from teller.gate import Decision, Policy, decide, load_policy
from teller.settings import Settings
from teller.store import Item, Store

__all__ = ["approve", "gate_batch", "policy_for", "reject", "start_run"]


def policy_for(settings: Settings, flow: Flow) -> Policy:
    """The flow's policy file, ``policies/<flow>.toml`` in the project (defaults if absent)."""
    return load_policy(settings.project / "policies" / f"{flow.name}.toml")


def gate_batch(batch: Batch, policy: Policy) -> list[Decision]:
    """The gate's decision for every item of a batch, in order (nothing is stored)."""
    # an item without an amount (a note, a card freeze) has nothing for a money limit to judge
    return [
        decide(policy, item.amount) if item.amount is not None else Decision("auto_approved")
        for item in batch.items
    ]


def start_run(store: Store, flow: Flow, batch: Batch, policy: Policy, *, submitted_by: str) -> str:
    """Record the batch as a run and put every item through the gate."""
    run_id = store.create_run(
        flow=flow.name,
        batch_id=batch.batch_id,
        input_file=batch.input_file,
        input_sha256=batch.input_sha256,
        submitted_by=submitted_by,
        items=batch.items,
        info=batch.info,
    )
    for item, decision in zip(store.items(run_id), gate_batch(batch, policy), strict=True):
        reason = "; ".join(r.detail for r in decision.rules) or "within policy"
        store.move(
            item.id,
            decision.outcome,
            actor="gate",
            reason=reason,
            decision=decision.outcome,
            rules=[asdict(r) for r in decision.rules],
            suggestion=decision.suggestion,
        )
    logger.info(
        "run {} loaded from {}: {} items", run_id, Path(batch.input_file).name, len(batch.items)
    )
    return run_id


def _held(store: Store, item_id: int, by: str) -> Item:
    item = store.item(item_id)
    if item.state != "needs_approval":
        raise StateError(f"item {item_id} is {item.state}, not waiting for approval")
    run = store.run(item.run_id)
    if by.strip().lower() == run.submitted_by.strip().lower():
        # maker-checker: whoever submitted a batch may not approve its lines
        raise StateError(f"{by} submitted run {run.id} and may not decide its items")
    return item


def approve(store: Store, item_id: int, *, by: str, reason: str = "") -> Item:
    """A person approves a held item; it is paid when its run is resumed."""
    _held(store, item_id, by)
    return store.move(item_id, "approved", actor=by, reason=reason or "approved", decided_by=by)


def reject(store: Store, item_id: int, *, by: str, reason: str) -> Item:
    """A person rejects a held item; it is never paid."""
    if not reason.strip():
        raise StateError("a rejection needs a reason")
    _held(store, item_id, by)
    return store.move(item_id, "rejected", actor=by, reason=reason, decided_by=by)
