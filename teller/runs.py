"""Starting runs and deciding held items: load → gate, and approve / reject by people.

Maker-checker: whoever submitted a batch may not decide its items; above the policy's
second limit two different approvers are needed; every approval is bound to the
item's content hash and to the decision it approved, so a line changed after its
approval, or held again for a new reason, has lost it. People are accounts
(``teller.people``): a decision is made by a signed-in ``Person`` holding the
``approver`` role, and records the account, its session and the content hash.

Every decision, the gate's and each person's, is sealed (``teller.seal``) with the key
``keys.seal``; the runner pays nothing whose seal does not match (``teller.clearance``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from loguru import logger

from teller._errors import ApprovalRefused, TransitionRefused
from teller.flow import Batch, Flow
from teller.gate import Decision, Gate, GateLine, History, PaidLine, Policy, load_policy
from teller.people import Person, same_person
from teller.seal import RecordedPolicy, item_digest, seal_item, seal_matches
from teller.settings import Settings
from teller.store import Item, Run, Store, content_hash, now

__all__ = [
    "approve",
    "gate_for",
    "gate_lines",
    "paid_lines",
    "policy_for",
    "policy_path",
    "recorded_policy",
    "reject",
    "standing_approvals",
    "start_run",
    "submit",
]

HISTORY_DAYS = 400  # the longest look-back a rule may ask for: a year and some


def policy_path(settings: Settings, flow: Flow) -> Path:
    """The flow's policy file: ``[flows.<name>] policy``, else ``policies/<name>.toml``."""
    return settings.project / (flow.policy or Path("policies") / f"{flow.name}.toml")


def policy_for(settings: Settings, flow: Flow) -> Policy:
    """The flow's policy file (``policy_path``).

    Absent: the default policy in sandbox mode; refused in production mode.
    """
    return load_policy(policy_path(settings, flow), required=settings.production)


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


def recorded_policy(settings: Settings, flow: Flow) -> RecordedPolicy:
    """The flow's policy file read once, as a run records it (its text and SHA-256)."""
    return RecordedPolicy.read(policy_path(settings, flow), required=settings.production)[0]


def paid_lines(
    store: Store, flow: Flow, *, but: str | None = None, moved_since: datetime | None = None
) -> list[PaidLine]:
    """What the store says was paid (400 days), but the items of run ``but``."""
    since = now() - timedelta(days=HISTORY_DAYS)
    found = store.items_of(flow.name, since=since, states=("done",), moved_since=moved_since)
    return [_paid_line(flow, item, run) for item, run in found if run.id != but]


def gate_for(
    settings: Settings, store: Store, flow: Flow, *, policy: RecordedPolicy | None = None
) -> Gate:
    """The gate of a flow: its policy (as recorded, if given), what the store says was
    paid, and what is on its way."""
    since = now() - timedelta(days=HISTORY_DAYS)
    lines = [
        _paid_line(flow, item, run)
        for item, run in store.items_of(flow.name, since=since, states=("done", *ON_ITS_WAY))
    ]
    rules = policy.policy() if policy is not None else policy_for(settings, flow)
    return Gate(
        rules,
        history=History(lines),
        policy_dir=policy_path(settings, flow).parent,
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
    store: Store,
    flow: Flow,
    batch: Batch,
    gate: Gate,
    *,
    submitted_by: str,
    key: bytes,
    policy: RecordedPolicy | None = None,
    file_owner: str = "",
) -> str:
    """Record the batch as a run and put every item through the gate, each decision sealed.

    ``submitted_by`` is the maker (a signed-in operator's user name, or a schedule's
    owner); ``file_owner`` the OS account that owned a dropped input file. ``key`` is
    ``settings.key("seal")``; ``policy`` the gate's policy as read from its file
    (``recorded_policy``), recorded with the run; without it, the gate's policy is
    recorded as JSON (a policy built in code)."""
    if policy is None:
        policy = RecordedPolicy.built_in(gate.policy)
    elif policy.policy().model_dump() != gate.policy.model_dump():
        raise ValueError("the recorded policy is not the gate's")
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
        policy_text=policy.text,
        policy_source=policy.source,
        watchlist_sha256=policy.watchlist_sha256,
        console=flow.console or "",
    )
    run = store.run(run_id)
    for item, decision in zip(store.items(run_id), decisions, strict=True):
        _record(store, item, run, decision, key)
    logger.info(
        "run {} loaded from {}: {} items", run_id, Path(batch.input_file).name, len(batch.items)
    )
    return run_id


def submit(
    settings: Settings,
    store: Store,
    flow: Flow,
    batch: Batch,
    *,
    submitted_by: str,
    file_owner: str = "",
) -> str:
    """Start a run as ``teller run`` does: the flow's policy file read once and recorded,
    the gate built from it, every decision sealed with ``keys.seal``."""
    policy = recorded_policy(settings, flow)
    return start_run(
        store,
        flow,
        batch,
        gate_for(settings, store, flow, policy=policy),
        submitted_by=submitted_by,
        key=settings.key("seal"),
        policy=policy,
        file_owner=file_owner,
    )


def _record(store: Store, item: Item, run: Run, decision: Decision, key: bytes) -> None:
    reason = "; ".join(r.detail for r in decision.rules) or "within policy"
    fields: dict[str, Any] = {
        "decision": decision.outcome,
        "rules": [asdict(r) for r in decision.rules],
        "approvers_needed": decision.approvers_needed,
        "approvals": [],
    }
    store.move(
        item.id,
        decision.outcome,
        actor="gate",
        reason=reason,
        suggestion=decision.suggestion,
        seal=seal_item(key, item, run, **fields),
        **fields,
    )


def _held(store: Store, item_id: int, by: Person, *, approving: bool) -> tuple[Item, Run]:
    by.require("decide held items", "approver")
    item = store.item(item_id)
    if item.state != "needs_approval":
        why = "is refused: the item is not waiting for approval"
        raise TransitionRefused(item_id, item.key, item.state, "approved", why=why)
    run = store.run(item.run_id)
    made = by.maker_of(run.id, run.submitted_by, run.file_owner)
    if made:
        raise ApprovalRefused(item_id, f"{made}, and may not decide its items")
    if approving and _hash(item) != item.content_hash:
        raise ApprovalRefused(item_id, "changed after the gate decided: load it again")
    return item, run


def _sealed(item: Item, run: Run, key: bytes) -> None:
    """An approval is given only to a record whose seal matches: one changed in the
    database (the line, the decision, the approvals) may be rejected, never approved."""
    if not seal_matches(item.seal, seal_item(key, item, run)):
        raise ApprovalRefused(
            item.id,
            "its record does not match its seal (changed outside Teller): reject it and "
            "load the line again",
        )
    if item.decision != "needs_approval":
        raise ApprovalRefused(
            item.id, f"the gate decided {item.decision!r}; it can only be rejected"
        )


def _hash(item: Item) -> str:
    return content_hash(item.key, item.amount, item.payload)


def _decision(by: Person, item: Item, reason: str, **more: object) -> dict[str, object]:
    """What a person decided, as recorded on the item: the account, session, the content
    and the gate's decision they saw."""
    return {
        "by": by.username,
        "user": by.id,
        "session": by.session,
        "os_user": by.os_user,
        "at": now().isoformat(),
        "hash": _hash(item),
        "decision": item_digest(item),
        "reason": reason,
        **more,
    }


def standing_approvals(item: Item) -> list[dict[str, Any]]:
    """The approvals that count for the item as it is now: given by a person to this
    content and this decision of the gate (an approval of an earlier content or a weaker
    decision counts for nothing)."""
    current, digest = _hash(item), item_digest(item)
    return [
        a
        for a in item.approvals
        if a.get("hash") == current and a.get("decision") == digest and "user" in a
    ]


def approve(store: Store, item_id: int, *, by: Person, key: bytes, reason: str = "") -> Item:
    """A person approves a held item; with enough approvers it is paid on resume.

    ``key`` is ``settings.key("seal")``: the approval is sealed with the record."""
    item, run = _held(store, item_id, by, approving=True)
    _sealed(item, run, key)
    current = _hash(item)
    approvals = standing_approvals(item)
    if any(same_person(by.username, a["by"]) for a in approvals):
        raise ApprovalRefused(
            item_id, f"{by.username} approved it already; another approver is needed"
        )
    approvals.append(_decision(by, item, reason))
    everything = [*item.approvals, approvals[-1]]  # the record keeps every decision
    seal = seal_item(key, item, run, approvals=everything)
    needed = max(1, item.approvers_needed)
    who = ", ".join(str(a["by"]) for a in approvals)
    said = f"{reason or 'approved'} (session {by.session}, content {current[:12]})"
    if len(approvals) < needed:
        return store.move(
            item_id,
            "needs_approval",
            actor=by.username,
            seen=item.fence,
            approvals=everything,
            seal=seal,
            reason=f"approval {len(approvals)} of {needed}: {said}",
        )
    return store.move(
        item_id,
        "approved",
        actor=by.username,
        seen=item.fence,
        reason=said,
        approvals=everything,
        seal=seal,
        decided_by=who,
    )


def reject(store: Store, item_id: int, *, by: Person, key: bytes, reason: str) -> Item:
    """A person rejects a held item; it is never paid. A record whose seal does not match
    may be rejected too: the rejection is sealed with it, and a sealed rejection is never
    paid, whatever the record is set to afterwards."""
    if not reason.strip():
        raise ApprovalRefused(item_id, "a rejection needs a reason")
    item, run = _held(store, item_id, by, approving=False)
    approvals = [*item.approvals, _decision(by, item, reason, rejected=True)]
    said = f"{reason} (session {by.session})"
    return store.move(
        item_id,
        "rejected",
        actor=by.username,
        seen=item.fence,
        reason=said,
        decided_by=by.username,
        approvals=approvals,
        seal=seal_item(key, item, run, approvals=approvals),
    )
