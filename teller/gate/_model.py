"""What the gate reads and what it answers: lines, paid history, fired rules, decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

__all__ = ["Action", "Decision", "FiredRule", "GateLine", "Outcome", "PaidLine"]

Outcome = Literal["auto_approved", "needs_approval", "rejected"]
# what a fired rule does to its line: ``hold`` waits for a person, ``reject`` refuses it
Action = Literal["hold", "reject"]


@dataclass(frozen=True)
class GateLine:
    """One item of a batch as the gate sees it.

    ``party`` is who is paid in the business's terms (an employee ID), ``account`` where
    the money goes, ``name`` the beneficiary's name as written, ``day`` the pay date.
    ``kind`` is what the item does, for flows with more than one kind of item
    (``freeze``, ``unfreeze``); a policy may hold every item of a kind.
    """

    key: str
    amount: Decimal
    party: str
    account: str
    name: str
    day: date
    kind: str = ""


@dataclass(frozen=True)
class PaidLine:
    """One line of history: money that was paid (its effect confirmed by a console).

    ``day`` is the day it was paid, never a date its input wrote. A ``pending`` line is
    on its way instead: loaded and neither paid nor refused yet (approved, held, in
    flight); its ``day`` is the day it was loaded and ``order`` orders the loads (the
    store's item id), so a line is compared only with pending lines loaded before it.
    """

    key: str
    party: str
    account: str
    amount: Decimal
    day: date
    pending: bool = False
    order: int = 0


@dataclass(frozen=True)
class FiredRule:
    """A rule that fired on a line, with the figures that made it fire.

    ``detail`` is for a person; ``figures`` (all values strings, amounts as ``12400.00``)
    for reports and audits.
    """

    rule: str
    action: Action
    detail: str
    figures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """The gate's answer for one line: the outcome, why, and what a checker should do."""

    outcome: Outcome
    rules: list[FiredRule] = field(default_factory=list)
    suggestion: str | None = None
    approvers_needed: int = 0

    def __post_init__(self) -> None:
        # approvers and outcome must agree, or a held line could slip through with no one
        held = self.outcome == "needs_approval"
        if held != (self.approvers_needed > 0):
            raise ValueError(
                f"{self.outcome} with {self.approvers_needed} approver(s) needed is not a decision"
            )
