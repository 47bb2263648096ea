"""What the Approvals page shows: the held lines, grouped by the rule that held them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from teller._masking import mask_account, mask_text
from teller.store import Item

__all__ = ["HeldLine", "RuleHeld", "held_by_rule", "shown_account", "total"]


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

    @classmethod
    def of(cls, item: Item) -> HeldLine:
        held = [r for r in item.rules if r.get("action") in ("hold", "reject")]
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
            approvals=sum(1 for a in item.approvals if "user" in a and not a.get("rejected")),
            needed=max(1, item.approvers_needed),
        )


@dataclass(frozen=True)
class RuleHeld:
    """The lines one rule holds now: their ids in run and line order, and their total."""

    rule: str
    ids: tuple[int, ...]
    total: Decimal


def total(lines: Sequence[HeldLine]) -> Decimal:
    return sum((line.amount or Decimal(0) for line in lines), Decimal(0))


def held_by_rule(
    held: Sequence[tuple[int, Decimal | None, list[dict[str, Any]]]],
) -> list[RuleHeld]:
    """Each rule that holds a line, with its lines (a line held by two rules is in both):
    from ``Store.held_rules``, so no page loads every held line."""
    ids: dict[str, list[int]] = {}
    sums: dict[str, Decimal] = {}
    for item_id, amount, rules in held:
        fired = [str(r["rule"]) for r in rules if r.get("action") in ("hold", "reject")]
        for rule in dict.fromkeys(fired or ["(none)"]):
            ids.setdefault(rule, []).append(item_id)
            sums[rule] = sums.get(rule, Decimal(0)) + (amount or Decimal(0))
    return [RuleHeld(rule, tuple(ids[rule]), sums[rule]) for rule in sorted(ids)]
