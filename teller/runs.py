"""Starting runs and deciding held items: load → gate, and approve / reject by people.

Maker-checker: whoever submitted a batch may not decide its items; above the policy's
second limit two different approvers are needed; every approval is bound to the
item's content hash, so a line changed after its approval has lost it. People are
accounts (``teller.people``): a decision is made by a signed-in ``Person`` holding the
``approver`` role, and records the account, its session and the content hash.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from loguru import logger

from teller._errors import ApprovalRefused, TransitionRefused
from teller.flow import Batch, Flow
from teller.gate import Decision, Gate, GateLine, History, PaidLine, Policy, load_policy
from teller.people import Person, same_person
from teller.settings import Settings
from teller.store import Item, Run, Store, content_hash, now

__all__ = [
    "approve",
    "cleared",
    "gate_for",
    "gate_lines",
    "policy_for",
    "reject",
    "start_run",
]

HISTORY_DAYS = 400  # the longest look-back a rule may ask for: a year and some


def policy_for(settings: Settings, flow: Flow) -> Policy:
    """The flow's policy file, ``policies/<flow>.toml`` in the project.

    Absent: the default policy in sandbox mode; refused in production mode.
    """
    path = settings.project / "policies" / f"{flow.name}.toml"
    return load_policy(path, required=settings.production)


# Loaded, neither paid nor refused: money on its way (or waiting for a person). The
# duplicate rule weighs them, so a second batch loaded before the first is paid is held.
ON_ITS_WAY = (
    "auto_approved",
    "needs_approval",
    "approved",
    "in_flight",
    "in_doubt",
    "retry_wait",
    "needs_review",
)


def gate_for(settings: Settings, store: Store, flow: Flow) -> Gate:
    """The gate of a flow: its policy, what the store says was paid, and what is on its way."""
    since = now() - timedelta(days=HISTORY_DAYS)
    lines = [
        _paid_line(flow, item, run)
        for item, run in store.items_of(flow.name, since=since, states=("done", *ON_ITS_WAY))
    ]
    return Gate(
        policy_for(settings, flow),
        history=History(lines),
        policy_dir=settings.project / "policies",
    )


def _local_day(moment: datetime) -> date:
    # the store keeps UTC; the gate's today is the machine's local date
    return moment.replace(tzinfo=UTC).astimezone().date()


def _paid_line(flow: Flow, item: Item, run: Run) -> PaidLine:
    line = flow.gate_line(item.key, item.amount, item.payload, dict(run.info))
    # paid: the day of its payment (a done item is final: its last move is the payment);
    # on its way: the day it was loaded. Never the pay date the input wrote.
    done = item.state == "done"
    return PaidLine(
        key=line.key,
        party=line.party,
        account=line.account,
        amount=line.amount,
        day=_local_day(item.updated_at if done else run.created_at),
        pending=not done,
        order=item.id,
    )


def gate_lines(flow: Flow, batch: Batch) -> list[GateLine]:
    return [flow.gate_line(i.key, i.amount, i.payload, batch.info) for i in batch.items]


def start_run(
    store: Store, flow: Flow, batch: Batch, gate: Gate, *, submitted_by: str, file_owner: str = ""
) -> str:
    """Record the batch as a run and put every item through the gate.

    ``submitted_by`` is the maker (a signed-in operator's user name, or a schedule's
    owner); ``file_owner`` the OS account that owned a dropped input file."""
    decisions = gate.decide(gate_lines(flow, batch))
    run_id = store.create_run(
        flow=flow.name,
        batch_id=batch.batch_id,
        input_file=batch.input_file,
        input_sha256=batch.input_sha256,
        submitted_by=submitted_by,
        items=batch.items,
        info=batch.info,
        file_owner=file_owner,
    )
    for item, decision in zip(store.items(run_id), decisions, strict=True):
        _record(store, item, decision)
    logger.info(
        "run {} loaded from {}: {} items", run_id, Path(batch.input_file).name, len(batch.items)
    )
    return run_id


def _record(store: Store, item: Item, decision: Decision) -> None:
    reason = "; ".join(r.detail for r in decision.rules) or "within policy"
    store.move(
        item.id,
        decision.outcome,
        actor="gate",
        reason=reason,
        decision=decision.outcome,
        rules=[asdict(r) for r in decision.rules],
        suggestion=decision.suggestion,
        approvers_needed=decision.approvers_needed,
    )


def _held(store: Store, item_id: int, by: Person) -> Item:
    by.require("decide held items", "approver")
    item = store.item(item_id)
    if item.state != "needs_approval":
        why = "is refused: the item is not waiting for approval"
        raise TransitionRefused(item_id, item.key, item.state, "approved", why=why)
    run = store.run(item.run_id)
    made = by.maker_of(run.id, run.submitted_by, run.file_owner)
    if made:
        raise ApprovalRefused(item_id, f"{made}, and may not decide its items")
    if _hash(item) != item.content_hash:
        raise ApprovalRefused(item_id, "changed after the gate decided: load it again")
    return item


def _hash(item: Item) -> str:
    return content_hash(item.key, item.amount, item.payload)


def _decision(by: Person, current: str, reason: str, **more: object) -> dict[str, object]:
    """What a person decided, as recorded on the item: the account, session and content."""
    return {
        "by": by.username,
        "user": by.id,
        "session": by.session,
        "os_user": by.os_user,
        "at": now().isoformat(),
        "hash": current,
        "reason": reason,
        **more,
    }


def approve(store: Store, item_id: int, *, by: Person, reason: str = "") -> Item:
    """A person approves a held item; with enough approvers it is paid on resume."""
    item = _held(store, item_id, by)
    current = _hash(item)
    approvals = [a for a in item.approvals if a.get("hash") == current and "user" in a]
    if any(same_person(by.username, a["by"]) for a in approvals):
        raise ApprovalRefused(
            item_id, f"{by.username} approved it already; another approver is needed"
        )
    approvals.append(_decision(by, current, reason))
    needed = max(1, item.approvers_needed)
    who = ", ".join(str(a["by"]) for a in approvals)
    said = f"{reason or 'approved'} (session {by.session}, content {current[:12]})"
    if len(approvals) < needed:
        return store.move(
            item_id,
            "needs_approval",
            actor=by.username,
            seen=item.fence,
            approvals=approvals,
            reason=f"approval {len(approvals)} of {needed}: {said}",
        )
    return store.move(
        item_id,
        "approved",
        actor=by.username,
        seen=item.fence,
        reason=said,
        approvals=approvals,
        decided_by=who,
    )


def reject(store: Store, item_id: int, *, by: Person, reason: str) -> Item:
    """A person rejects a held item; it is never paid."""
    if not reason.strip():
        raise ApprovalRefused(item_id, "a rejection needs a reason")
    item = _held(store, item_id, by)
    approvals = [*item.approvals, _decision(by, _hash(item), reason, rejected=True)]
    said = f"{reason} (session {by.session})"
    return store.move(
        item_id,
        "rejected",
        actor=by.username,
        seen=item.fence,
        reason=said,
        decided_by=by.username,
        approvals=approvals,
    )


def cleared(item: Item, submitted_by: str, file_owner: str = "") -> str | None:
    """Why an item may NOT be paid now, or None if the gate and its approvers passed it.

    The runner asks this right before every attempt: whatever the store says, an item is
    paid only as the gate decided it, unchanged, with enough valid approvals: of distinct
    accounts, none of them the maker's nor made from the OS account that dropped the
    run's file (an approval without an account, from before people were accounts, does
    not count).
    """
    current = _hash(item)
    if current != item.content_hash:
        return "the line changed after the gate decided"
    if item.decision == "auto_approved":
        return None
    if item.decision != "needs_approval":
        return f"the gate decided {item.decision!r}"
    valid = {
        str(a["by"])
        for a in item.approvals
        if a.get("hash") == current
        and "user" in a
        and not a.get("rejected")
        and not same_person(str(a["by"]), submitted_by)
        and not (file_owner and a.get("os_user") == file_owner)
    }
    needed = max(1, item.approvers_needed)
    if len(valid) < needed:
        return f"{len(valid)} valid approval(s) of {needed} needed"
    return None
