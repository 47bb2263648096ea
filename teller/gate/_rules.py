"""The rules that weigh a line's amount and day: limits, pay date, daily cap, duplicates.

Every day here is the posting day (``Batch.today``: the day the gate runs, which is the
day the console posts when the runner asks right before paying), never the pay date a
workbook writes; that date is only checked against today (``pay_date``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from teller.gate._history import History
from teller.gate._keys import account_key, party_key, party_lookalike
from teller.gate._model import FiredRule, GateLine, PaidLine
from teller.gate._policy import Anomaly, DailyCap, Duplicates, PayDate, Policy
from teller.gate._words import Hit, figure, masked, money, percent

__all__ = [
    "Batch",
    "daily_cap",
    "duplicates",
    "limits",
    "pay_date",
    "versus",
    "within",
]

# what the limits' suggestion compares with when the policy has no [anomaly] table
_USUAL = Anomaly()


@dataclass(frozen=True)
class Earlier:
    """An earlier line of the batch, as the rules need it."""

    key: str
    party: str
    amount: Decimal


@dataclass
class Batch:
    """The batch being decided: its posting day and what its earlier lines add up to."""

    today: date
    # per account: the sum of earlier lines the gate did not reject (all posted today)
    sums: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    # per account: every earlier line, rejected or not
    to: defaultdict[str, list[Earlier]] = field(default_factory=lambda: defaultdict(list))
    # per look of a party id: one spelling -> the id as written first
    looks: defaultdict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, line: GateLine, *, rejected: bool) -> None:
        account = account_key(line.account)
        self.to[account].append(Earlier(line.key, line.party, line.amount))
        self.looks[party_lookalike(line.party)].setdefault(party_key(line.party), line.party)
        if not rejected:
            self.sums[account] += line.amount


def limits(policy: Policy, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """Above ``reject_above``: refused; above ``dual_limit`` or ``auto_limit``: held."""
    amount = line.amount
    if policy.reject_above is not None and amount > policy.reject_above:
        fired = FiredRule(
            "reject_above",
            "reject",
            f"{money(amount)} is above the hard limit {money(policy.reject_above)}",
            {"amount": figure(amount), "reject_above": figure(policy.reject_above)},
        )
        return Hit(fired, f"reject: {money(amount)} is above the hard limit")
    if policy.dual_limit is not None and amount > policy.dual_limit:
        rule, limit, words = "dual_limit", policy.dual_limit, "dual-approval limit"
    elif amount > policy.auto_limit:
        rule, limit, words = "auto_limit", policy.auto_limit, "auto-approval limit"
    else:
        return None
    detail = f"{money(amount)} is {money(amount - limit)} above the {words} {money(limit)}"
    if rule == "dual_limit":
        detail += "; two approvers needed"
    figures = {"amount": figure(amount), "limit": figure(limit), "over": figure(amount - limit)}
    fired = FiredRule(rule, "hold", detail, figures)
    usual = policy.anomaly if policy.anomaly is not None else _USUAL
    found = history.median(line.party, batch.today, last=usual.last_lines)
    if found is None or found[1] < usual.min_history:
        seen = found[1] if found else 0
        why = "no payment history" if seen == 0 else f"only {seen} earlier payment(s)"
        return Hit(fired, f"check: {money(amount)} is over the {words}; {why} to compare")
    median, count = found
    verb = "approve" if within(amount, median, usual.max_deviation_pct) else "check"
    return Hit(fired, f"{verb}: {versus(amount, median)} of {line.party}'s last {count} payments")


def pay_date(rule: PayDate, batch: Batch, line: GateLine) -> Hit | None:
    """The pay date written in the input may be only so far from the day it is paid."""
    apart = (line.day - batch.today).days
    if -rule.max_days_before <= apart <= rule.max_days_after:
        return None
    if apart < 0:
        words, limit = f"{-apart} day(s) before", f"{rule.max_days_before} day(s) before"
    else:
        words, limit = f"{apart} day(s) after", f"{rule.max_days_after} day(s) after"
    detail = (
        f"pay date {line.day} is {words} today ({batch.today}), the day it is paid; "
        f"the policy allows at most {limit}"
    )
    figures = {
        "pay_date": line.day.isoformat(),
        "today": batch.today.isoformat(),
        "days_apart": str(apart),
        "max_days_before": str(rule.max_days_before),
        "max_days_after": str(rule.max_days_after),
    }
    suggestion = f"check: pay date {line.day} is {words} the posting day {batch.today}"
    return Hit(FiredRule("pay_date", rule.action, detail, figures), suggestion)


def daily_cap(cap: DailyCap, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """One account may receive at most ``per_beneficiary`` on the posting day, across batches."""
    account, day = account_key(line.account), batch.today
    paid = history.paid_on(account, day)
    # loaded today in another batch, before this line, and not refused: paid today too
    coming = history.pending_on(account, day, key=line.key)
    earlier = batch.sums.get(account, Decimal(0))
    total = paid + coming + earlier + line.amount
    if total <= cap.per_beneficiary:
        return None
    over = total - cap.per_beneficiary
    detail = (
        f"{masked(account)} would receive {money(total)} on {day} (the posting day): "
        f"{money(paid)} already paid, {money(coming)} on its way from other batches, "
        f"{money(earlier)} earlier in this batch, "
        f"{money(line.amount)} on this line; {money(over)} over the daily cap "
        f"{money(cap.per_beneficiary)}"
    )
    figures = {
        "account": masked(account),
        "day": day.isoformat(),
        "paid_that_day": figure(paid),
        "on_its_way": figure(coming),
        "earlier_in_batch": figure(earlier),
        "amount": figure(line.amount),
        "total": figure(total),
        "cap": figure(cap.per_beneficiary),
        "over": figure(over),
    }
    suggestion = (
        f"check: {masked(account)} would receive {money(total)} on {day}, "
        f"{money(over)} over the daily cap of {money(cap.per_beneficiary)}"
    )
    return Hit(FiredRule("daily_cap", cap.action, detail, figures), suggestion)


def duplicates(rule: Duplicates, history: History, batch: Batch, line: GateLine) -> list[Hit]:
    """(Almost) the same amount to the same account earlier in this batch, or paid in the period."""
    account, amount = account_key(line.account), line.amount
    hits = []
    earlier = next((e for e in batch.to.get(account, ()) if rule.near(amount, e.amount)), None)
    if earlier is not None:
        same = _same(amount, earlier.amount)
        detail = f"account {masked(account)} and {same} as line {earlier.key} earlier in this batch"
        figures = _figures(rule, account, amount, earlier.amount) | {"earlier_key": earlier.key}
        fired = FiredRule("duplicate_in_batch", rule.action, detail, figures)
        suggestion = f"reject: same account and {same} as line {earlier.key} of this batch"
        hits.append(Hit(fired, suggestion))
    first = period_start(rule, batch.today)
    last = batch.today + timedelta(days=rule.lookback_days)
    near = partial(rule.near, amount)
    found = history.paid_to(account, first, last, near=near)
    if found:
        hits.append(_paid_twice(rule, account, amount, batch, first, _closest(found, amount)))
    on_its_way = history.pending_to(account, first, last, near=near, key=line.key)
    if on_its_way and not found:
        hits.append(_paid_twice(rule, account, amount, batch, first, _closest(on_its_way, amount)))
    return hits


def _paid_twice(
    rule: Duplicates, account: str, amount: Decimal, batch: Batch, first: date, paid: PaidLine
) -> Hit:
    same = _same(amount, paid.amount)
    if paid.pending:
        what = f"is on its way to {masked(account)}: loaded on {paid.day} ({paid.key}), not yet"
        what += " paid or refused"
    else:
        what = f"was paid to {masked(account)} on {paid.day} ({paid.key})"
    detail = f"{money(paid.amount)} {what}: {same}, in the period from {first} to {batch.today}"
    figures = _figures(rule, account, amount, paid.amount) | {
        "paid_key": paid.key,
        "paid_day": paid.day.isoformat(),
        "pending": "yes" if paid.pending else "no",
        "days_apart": str(abs((batch.today - paid.day).days)),
        "period_from": first.isoformat(),
        "lookback_days": str(rule.lookback_days),
    }
    fired = FiredRule("duplicate_paid", rule.action, detail, figures)
    said = "already on its way" if paid.pending else "already paid"
    suggestion = (
        f"reject: {money(paid.amount)} {said} to {masked(account)} on {paid.day} ({paid.key})"
    )
    return Hit(fired, suggestion)


def period_start(rule: Duplicates, today: date) -> date:
    """The first day of the duplicate period that ends today."""
    first = today - timedelta(days=rule.lookback_days)
    return min(first, today.replace(day=1)) if rule.same_month else first


def _closest(found: list[PaidLine], amount: Decimal) -> PaidLine:
    # the nearest amount, the latest of equals: what a checker should compare with
    return min(reversed(found), key=lambda p: abs(p.amount - amount))


def _same(amount: Decimal, other: Decimal) -> str:
    if amount == other:
        return f"the same amount {money(amount)}"
    return f"amount {money(amount)}, {money(abs(amount - other))} from {money(other)}"


def _figures(rule: Duplicates, account: str, amount: Decimal, other: Decimal) -> dict[str, str]:
    return {
        "account": masked(account),
        "amount": figure(amount),
        "other_amount": figure(other),
        "difference": figure(abs(amount - other)),
        "tolerance": figure(rule.tolerance),
        "tolerance_pct": percent(rule.tolerance_pct),
    }


def within(amount: Decimal, median: Decimal, pct: Decimal) -> bool:
    # multiplied out, not divided: exactly ``pct`` away must pass, with no rounding in between
    return median > 0 and abs(amount - median) * 100 <= pct * median


def versus(amount: Decimal, median: Decimal) -> str:
    if median <= 0:
        return f"against a median of {money(median)}"
    if amount == median:
        return f"equal to the median {money(median)}"
    away = (amount - median) * 100 / median
    side = "above" if away > 0 else "below"
    return f"{percent(abs(away))}% {side} the median {money(median)}"
