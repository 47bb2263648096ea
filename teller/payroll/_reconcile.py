"""Match a run's payroll lines against the console's statement: a pure function, no I/O.

A line whose item is ``done`` must be on the statement once, with its amount and credit
account; a line that is not ``done`` must not be there at all. Every statement line of the
run that no done line explains is *unexpected*: an unknown reference, a payment for a line
that was held, rejected or failed, or a second payment for one reference (a duplicate).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from teller import mask_account

__all__ = [
    "FiredRuleView",
    "LineMatch",
    "LineOutcome",
    "MatchStatus",
    "Reconciliation",
    "ReconciliationFigures",
    "RuleAction",
    "RunInfo",
    "StateFigures",
    "StatementLine",
    "Unexpected",
    "UnexpectedReason",
    "figures_of",
    "reconcile",
]

MatchStatus = Literal["matched", "mismatched", "missing", "not_paid", "paid_unexpectedly"]
UnexpectedReason = Literal["unknown_reference", "line_not_done", "duplicate"]
RuleAction = Literal["hold", "reject"]
RULE_ACTIONS: tuple[RuleAction, ...] = ("hold", "reject")


@dataclass(frozen=True)
class RunInfo:
    """The run a reconciliation report is about; naive datetimes are taken to be UTC."""

    run_id: str
    flow: str
    batch_id: str
    pay_date: date
    debit_account: str
    input_file: str
    input_sha256: str
    submitted_by: str
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class FiredRuleView:
    """One gate rule that fired on a line: its name, what it did and why, in plain words."""

    rule: str
    action: RuleAction
    detail: str

    def __post_init__(self) -> None:
        # The summary counts lines per action: an action it does not know would vanish there.
        if self.action not in RULE_ACTIONS:
            raise ValueError(f"rule {self.rule!r} has action {self.action!r}, not hold or reject")


@dataclass(frozen=True)
class LineOutcome:
    """One input payroll line with the gate's decision and the final state of its work item."""

    seq: int
    reference: str
    employee_id: str
    name: str
    account_no: str
    amount: Decimal
    decision: str  # auto_approved | needs_approval | rejected
    state: str  # done | failed_business | failed_system | needs_approval | rejected | ...
    decided_by: str | None = None  # two approvers come as "alice, bob"
    txn_no: str | None = None
    error: str | None = None
    evidence: str | None = None
    rules: tuple[FiredRuleView, ...] = ()  # the gate's rules that fired, in the gate's order
    suggestion: str | None = None  # the gate's advice to the approver, in plain words
    decided_at: datetime | None = None  # when the last approver decided; naive means UTC
    decision_reason: str | None = None  # why the approver(s) decided as they did


@dataclass(frozen=True)
class StatementLine:
    """One posting on the console's own statement of the debit account."""

    txn_no: str
    posted_at: datetime
    reference: str
    debit_account: str
    credit_account: str
    payee_name: str
    amount: Decimal


@dataclass(frozen=True)
class LineMatch:
    """What the statement says about one line."""

    line: LineOutcome
    status: MatchStatus
    posting: StatementLine | None  # the statement line paired with it, if any
    txn_agrees: bool | None  # console txn no equals the item's; None when nothing was paired
    note: str


@dataclass(frozen=True)
class Unexpected:
    """A statement line of this run that no done line explains."""

    posting: StatementLine
    reason: UnexpectedReason
    line: LineOutcome | None  # the line its reference names, if any
    note: str


@dataclass(frozen=True)
class Reconciliation:
    """Every line's match, in input order, and the statement lines nothing explains."""

    matches: tuple[LineMatch, ...]
    unexpected: tuple[Unexpected, ...]
    postings: tuple[StatementLine, ...]  # the statement lines that belong to the run


def belongs_to_run(run: RunInfo, posting: StatementLine) -> bool:
    """Return True when ``posting`` was made from the run's account under the run's batch."""
    return same_account(posting.debit_account, run.debit_account) and posting.reference.startswith(
        f"{run.batch_id}:"
    )


def same_account(left: str, right: str) -> bool:
    """Compare account numbers ignoring the spaces and dashes consoles print them with."""
    return _digits(left) == _digits(right)


def reconcile(
    run: RunInfo, lines: Sequence[LineOutcome], statement: Sequence[StatementLine]
) -> Reconciliation:
    """Match ``lines`` against the run's part of ``statement``."""
    postings = tuple(
        sorted(
            (p for p in statement if belongs_to_run(run, p)), key=lambda p: (p.posted_at, p.txn_no)
        )
    )
    by_reference: dict[str, deque[StatementLine]] = defaultdict(deque)
    for posting in postings:
        by_reference[posting.reference].append(posting)

    ordered = sorted(lines, key=lambda line: line.seq)
    # Done lines first take their postings, so a held line sharing a reference with a paid
    # one cannot steal the payment; the order of the report is still the input order.
    paired = {id(line): _pair(line, by_reference) for line in ordered if line.state == "done"}
    matches = tuple(
        paired[id(line)] if line.state == "done" else _not_done(line, by_reference)
        for line in ordered
    )
    return Reconciliation(matches, _leftovers(ordered, by_reference), postings)


def _pair(line: LineOutcome, by_reference: dict[str, deque[StatementLine]]) -> LineMatch:
    queue = by_reference.get(line.reference)
    if not queue:
        return LineMatch(line, "missing", None, None, "done but not on the statement")
    posting = _best(line, queue)
    queue.remove(posting)
    txn_agrees = line.txn_no is not None and posting.txn_no == line.txn_no
    differences = _differences(line, posting)
    if not txn_agrees:
        differences.append(f"console txn {posting.txn_no}, item recorded {line.txn_no or 'none'}")
    status: MatchStatus = "mismatched" if _differs(line, posting) else "matched"
    return LineMatch(line, status, posting, txn_agrees, "; ".join(differences))


def _best(line: LineOutcome, queue: deque[StatementLine]) -> StatementLine:
    # Prefer the posting the item recorded, then one that agrees in full, then the earliest:
    # whatever is left over is reported as the duplicate.
    for posting in queue:
        if line.txn_no is not None and posting.txn_no == line.txn_no:
            return posting
    for posting in queue:
        if not _differs(line, posting):
            return posting
    return queue[0]


def _differs(line: LineOutcome, posting: StatementLine) -> bool:
    return posting.amount != line.amount or not same_account(
        posting.credit_account, line.account_no
    )


def _differences(line: LineOutcome, posting: StatementLine) -> list[str]:
    found = []
    if posting.amount != line.amount:
        found.append(f"amount {posting.amount:,.2f} paid, {line.amount:,.2f} expected")
    if not same_account(posting.credit_account, line.account_no):
        found.append(
            f"paid to {mask_account(posting.credit_account)}, "
            f"expected {mask_account(line.account_no)}"
        )
    return found


def _not_done(line: LineOutcome, by_reference: dict[str, deque[StatementLine]]) -> LineMatch:
    queue = by_reference.get(line.reference)
    if queue:
        txns = ", ".join(p.txn_no for p in queue)
        note = f"{line.state} but paid on the statement ({txns})"
        return LineMatch(line, "paid_unexpectedly", queue[0], None, note)
    return LineMatch(line, "not_paid", None, None, "")


def _leftovers(
    lines: Sequence[LineOutcome], by_reference: dict[str, deque[StatementLine]]
) -> tuple[Unexpected, ...]:
    done = {line.reference: line for line in lines if line.state == "done"}
    named = {line.reference: line for line in lines}
    found = []
    for reference, queue in by_reference.items():
        for posting in queue:
            if reference in done:
                found.append(
                    Unexpected(
                        posting, "duplicate", done[reference], "second payment for a paid line"
                    )
                )
            elif reference in named:
                line = named[reference]
                note = f"paid although the line is {line.state}"
                found.append(Unexpected(posting, "line_not_done", line, note))
            else:
                found.append(
                    Unexpected(
                        posting, "unknown_reference", None, "no input line has this reference"
                    )
                )
    return tuple(sorted(found, key=lambda u: (u.posting.posted_at, u.posting.txn_no)))


def _digits(account: str) -> str:
    return re.sub(r"[\s-]", "", account)


@dataclass(frozen=True)
class StateFigures:
    """How many lines ended in one state, and their amount."""

    state: str
    count: int
    total: Decimal


@dataclass(frozen=True)
class ReconciliationFigures:
    """The numbers of a reconciliation, for callers and tests to hold against the ledger."""

    lines: int
    lines_total: Decimal
    by_state: tuple[StateFigures, ...]  # in STATE_ORDER, then any other state by name
    auto_approved: int
    automation_rate: Decimal  # auto-approved lines / all lines, four places (0.9500)
    matched: int
    missing: int
    mismatched: int
    txn_differs: int  # paired lines whose console txn number is not the item's
    unexpected: int
    unexpected_total: Decimal
    paid_count: int  # the run's lines on the statement
    paid_total: Decimal
    # rule name -> (lines it held, lines it rejected), most lines first
    by_rule: dict[str, tuple[int, int]] = field(default_factory=dict)

    def state(self, name: str) -> StateFigures:
        """Return the figures of state ``name`` (zero when no line ended there)."""
        for figures in self.by_state:
            if figures.state == name:
                return figures
        return StateFigures(name, 0, Decimal("0.00"))


# The order an operator reads outcomes in: paid, then what needs work, then what was refused.
STATE_ORDER = (
    "done",
    "failed_business",
    "failed_system",
    "needs_review",
    "needs_approval",
    "rejected",
)
RATE_PLACES = Decimal("0.0001")


def figures_of(reconciliation: Reconciliation) -> ReconciliationFigures:
    """Count and total a reconciliation."""
    lines = [match.line for match in reconciliation.matches]
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        counts[line.state] += 1
        totals[line.state] += line.amount
    rank = {state: index for index, state in enumerate(STATE_ORDER)}
    states = sorted(counts, key=lambda state: (rank.get(state, len(rank)), state))
    auto = sum(1 for line in lines if line.decision == "auto_approved")
    statuses = [match.status for match in reconciliation.matches]
    rate = Decimal(auto) / Decimal(len(lines)) if lines else Decimal(0)
    return ReconciliationFigures(
        lines=len(lines),
        lines_total=sum((line.amount for line in lines), Decimal("0.00")),
        by_state=tuple(StateFigures(s, counts[s], totals[s]) for s in states),
        auto_approved=auto,
        automation_rate=rate.quantize(RATE_PLACES),
        matched=statuses.count("matched"),
        missing=statuses.count("missing"),
        mismatched=statuses.count("mismatched"),
        txn_differs=sum(1 for match in reconciliation.matches if match.txn_agrees is False),
        unexpected=len(reconciliation.unexpected),
        unexpected_total=sum(
            (u.posting.amount for u in reconciliation.unexpected), Decimal("0.00")
        ),
        paid_count=len(reconciliation.postings),
        paid_total=sum((p.amount for p in reconciliation.postings), Decimal("0.00")),
        by_rule=_rule_counts(lines),
    )


def _rule_counts(lines: Sequence[LineOutcome]) -> dict[str, tuple[int, int]]:
    """Count, per rule name, the lines it held and the lines it rejected, most lines first.

    A line two rules fired on counts for both; a rule named twice on one line counts once.
    """
    held: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for line in lines:
        for name, action in {(rule.rule, rule.action) for rule in line.rules}:
            (rejected if action == "reject" else held)[name] += 1
    names = sorted(held.keys() | rejected.keys(), key=lambda n: (-(held[n] + rejected[n]), n))
    return {name: (held[name], rejected[name]) for name in names}
