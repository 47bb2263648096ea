"""The item state machine of ARCHITECTURE.md §2: which transitions exist, and which states are final."""

from __future__ import annotations

from typing import Literal

__all__ = ["FINAL", "TODO", "TRANSITIONS", "State", "allowed"]

State = Literal[
    "new",
    "auto_approved",
    "needs_approval",
    "approved",
    "rejected",
    "in_flight",
    "retry_wait",
    "in_doubt",
    "done",
    "failed_business",
    "failed_system",
    "needs_review",
]

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"auto_approved", "needs_approval", "rejected"}),
    # needs_approval -> needs_approval: the first of two approvals is recorded
    "needs_approval": frozenset({"approved", "rejected", "needs_approval"}),
    # -> needs_approval: the item changed after the gate or the approver passed it
    "auto_approved": frozenset({"in_flight", "needs_approval"}),
    "approved": frozenset({"in_flight", "needs_approval"}),
    "retry_wait": frozenset({"in_flight", "needs_approval"}),
    # failed_system: every attempt failed before the console could act (bounded retries)
    "in_flight": frozenset({"done", "failed_business", "failed_system", "retry_wait", "in_doubt"}),
    "in_doubt": frozenset({"done", "retry_wait", "needs_review", "in_doubt"}),
    "needs_review": frozenset({"done", "retry_wait", "rejected"}),
    # failed_system -> in_doubt: a person sends it back (`teller items retry`); its last
    # attempt may have reached the console after all, so it is looked up first
    "failed_system": frozenset({"in_doubt"}),
}

# States a runner works on: the gate passed them and they are not finished.
TODO = frozenset({"auto_approved", "approved", "retry_wait", "in_doubt", "in_flight"})
FINAL = frozenset({"done", "failed_business", "failed_system", "rejected"})


def allowed(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())
