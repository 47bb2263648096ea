"""What a person does with an item the runner could not finish: settle it, or send it back.

``needs_review`` means the runner could not tell whether the console acted (in doubt, and
the console's inquiry failed or contradicted its refusal). A person checks the console and
settles it: paid, with the console's receipt, or not paid, with why; a "not paid" item
is then retried by the next resume. ``failed_system`` means every attempt failed; a
person who fixed the cause sends it back, and it is looked up on the console before any
new attempt, because its last attempt may have reached the console after all.

Every decision is a move of the store with who and why, in the events and the audit
chain. As with approvals, whoever submitted the run may not settle or retry its items.
"""

from __future__ import annotations

from teller._errors import ApprovalRefused, TransitionRefused
from teller.people import Person
from teller.store import Item, Store

__all__ = ["retry", "settle_not_paid", "settle_paid"]


def _checked(store: Store, item_id: int, by: Person, reason: str, state: str, target: str) -> Item:
    by.require("settle items", "approver")
    item = store.item(item_id)
    if item.state != state:
        why = f"is refused: the item is {item.state}, not {state}"
        raise TransitionRefused(item_id, item.key, item.state, target, why=why)
    if not reason.strip():
        raise ApprovalRefused(item_id, "a reason is needed: what was checked on the console")
    run = store.run(item.run_id)
    made = by.maker_of(run.id, run.submitted_by, run.file_owner)
    if made:
        raise ApprovalRefused(item_id, f"{made}, and may not settle it")
    return item


def settle_paid(store: Store, item_id: int, *, receipt: str, by: Person, reason: str) -> Item:
    """A person found the item's effect on the console: ``done``, with the console's receipt."""
    if not receipt.strip():
        raise ApprovalRefused(item_id, "the console's receipt is needed")
    item = _checked(store, item_id, by, reason, "needs_review", "done")
    why = f"settled by a person: paid on the console as {receipt.strip()}: {reason.strip()}"
    return store.move(
        item_id,
        "done",
        actor=by.username,
        seen=item.fence,
        reason=f"{why} (session {by.session})",
        receipt=receipt.strip(),
    )


def settle_not_paid(store: Store, item_id: int, *, by: Person, reason: str) -> Item:
    """A person found no effect on the console: retried on the next resume, with fresh tries."""
    item = _checked(store, item_id, by, reason, "needs_review", "retry_wait")
    why = f"settled by a person: not paid on the console: {reason.strip()}"
    return store.move(
        item_id,
        "retry_wait",
        actor=by.username,
        seen=item.fence,
        reason=f"{why} (session {by.session})",
        retry_base=item.attempts,
    )


def retry(store: Store, item_id: int, *, by: Person, reason: str) -> Item:
    """Send a ``failed_system`` item back: looked up first on the next resume, then retried."""
    item = _checked(store, item_id, by, reason, "failed_system", "in_doubt")
    why = f"sent back by a person: {reason.strip()}; looked up before any new attempt"
    return store.move(
        item_id,
        "in_doubt",
        actor=by.username,
        seen=item.fence,
        reason=f"{why} (session {by.session})",
        retry_base=item.attempts,
    )
