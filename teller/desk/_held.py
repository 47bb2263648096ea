"""What the Approvals page shows: the held lines, grouped by the rule that held them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from teller._masking import mask_account, mask_text
from teller.people import same_person
from teller.runs import standing_approvals
from teller.store import Held, Item

__all__ = [
    "SECOND",
    "HeldLine",
    "RuleHeld",
    "awaiting_second",
    "group",
    "held_by_rule",
    "shown_account",
    "total",
]

# the group of lines one approver approved that wait for a second (above the dual limit)
SECOND = "(second approval)"


def shown_account(item: Item) -> str:
    """The item's account as a page shows it: masked (payroll's ``account_no``, or a
    flow's ``account``), or nothing."""
    payload = item.payload or {}
    account = str(payload.get("account_no") or payload.get("account") or "")
    return mask_account(account) if account else ""


@dataclass(frozen=True)
class HeldLine:
    """One held line as an approver reads it: no full account number anywhere."""

    id: int
    run_id: str
    seq: int
    reference: str
    label: str
    account: str
    amount: Decimal | None
    details: tuple[str, ...]
    suggestion: str
    approvals: int
    needed: int
    approved_by: tuple[tuple[str, datetime | None, str], ...]  # who, when, why: standing ones

    @classmethod
    def of(cls, item: Item) -> HeldLine:
        held = [r for r in item.rules if r.get("action") in ("hold", "reject")]
        standing = standing_approvals(item)
        return cls(
            id=item.id,
            run_id=item.run_id,
            seq=item.seq,
            reference=mask_text(item.key),
            label=mask_text(item.label or ""),
            account=shown_account(item),
            amount=item.amount,
            details=tuple(mask_text(str(r.get("detail", ""))) for r in held),
            suggestion=mask_text(item.suggestion or ""),
            approvals=len(standing),
            needed=max(1, item.approvers_needed),
            approved_by=tuple(
                (str(a["by"]), _moment(a.get("at")), mask_text(str(a.get("reason") or "")))
                for a in standing
            ),
        )

    def approved_first(self, username: str) -> bool:
        """Whether ``username`` gave one of its standing approvals (another must give the
        next; the engine refuses them too)."""
        return any(same_person(who, username) for who, _, _ in self.approved_by)


@dataclass(frozen=True)
class RuleHeld:
    """The lines one rule holds now: their ids in run and line order, and their total."""

    rule: str
    ids: tuple[int, ...]
    total: Decimal


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


class _Amounted(Protocol):
    @property
    def amount(self) -> Decimal | None: ...


def total(lines: Sequence[_Amounted]) -> Decimal:
    return sum((line.amount or Decimal(0) for line in lines), Decimal(0))


def held_by_rule(held: Sequence[Held]) -> list[RuleHeld]:
    """Each rule that holds a line, with its lines (a line held by two rules is in both):
    from ``Store.held_rules``, so no page loads every held line."""
    ids: dict[str, list[int]] = {}
    sums: dict[str, Decimal] = {}
    for line in held:
        fired = [str(r["rule"]) for r in line.rules if r.get("action") in ("hold", "reject")]
        for rule in dict.fromkeys(fired or ["(none)"]):
            ids.setdefault(rule, []).append(line.id)
            sums[rule] = sums.get(rule, Decimal(0)) + (line.amount or Decimal(0))
    return [RuleHeld(rule, tuple(ids[rule]), sums[rule]) for rule in sorted(ids)]


def awaiting_second(held: Sequence[Held]) -> RuleHeld:
    """The lines that need two approvers and have one approval recorded: the second
    approver's view. (Whether that approval still stands, for the line as it is now, the
    line's page shows: ``HeldLine.approvals``.)"""
    lines = [
        line
        for line in held
        if line.needed >= 2 and any("user" in a and not a.get("rejected") for a in line.approvals)
    ]
    return RuleHeld(SECOND, tuple(i.id for i in lines), total(lines))


def group(held: Sequence[Held], name: str) -> RuleHeld | None:
    """The group of held lines called ``name``: a rule's, or the second approver's."""
    if name == SECOND:
        return awaiting_second(held)
    return next((r for r in held_by_rule(held) if r.rule == name), None)
