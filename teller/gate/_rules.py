"""The rules that weigh a line's amount: limits, the daily cap, duplicates, anomalies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from teller.gate._history import History
from teller.gate._model import FiredRule, GateLine
from teller.gate._policy import Anomaly, DailyCap, Duplicates, Policy
from teller.gate._watchlist import normalise_account
from teller.gate._words import Hit, figure, masked, money, percent

__all__ = ["Batch", "anomaly", "daily_cap", "duplicates", "limits", "new_account"]

# what the limits' suggestion compares with when the policy has no [anomaly] table
_USUAL = Anomaly()


@dataclass
class Batch:
    """What the earlier lines of the batch being decided add up to."""

    # per (account, day): amounts of earlier lines the gate did not reject
    sums: defaultdict[tuple[str, date], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    # per (account, amount): the key of the first line with them
    first: dict[tuple[str, Decimal], str] = field(default_factory=dict)

    def add(self, line: GateLine, *, rejected: bool) -> None:
        account = normalise_account(line.account)
        self.first.setdefault((account, line.amount), line.key)
        if not rejected:
            self.sums[account, line.day] += line.amount


def limits(policy: Policy, history: History, line: GateLine) -> Hit | None:
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
    found = history.median(line.party, line.day, last=usual.last_lines)
    if found is None or found[1] < usual.min_history:
        seen = found[1] if found else 0
        why = "no payment history" if seen == 0 else f"only {seen} earlier payment(s)"
        return Hit(fired, f"check: {money(amount)} is over the {words}; {why} to compare")
    median, count = found
    verb = "approve" if _within(amount, median, usual.max_deviation_pct) else "check"
    return Hit(fired, f"{verb}: {_versus(amount, median)} of {line.party}'s last {count} payments")


def daily_cap(cap: DailyCap, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """One account may receive at most ``per_beneficiary`` a day, across batches."""
    account = normalise_account(line.account)
    paid = history.paid_on(account, line.day)
    earlier = batch.sums.get((account, line.day), Decimal(0))
    total = paid + earlier + line.amount
    if total <= cap.per_beneficiary:
        return None
    over = total - cap.per_beneficiary
    detail = (
        f"{masked(account)} would receive {money(total)} on {line.day}: {money(paid)} already "
        f"paid, {money(earlier)} earlier in this batch, {money(line.amount)} on this line; "
        f"{money(over)} over the daily cap {money(cap.per_beneficiary)}"
    )
    figures = {
        "account": masked(account),
        "day": line.day.isoformat(),
        "paid_that_day": figure(paid),
        "earlier_in_batch": figure(earlier),
        "amount": figure(line.amount),
        "total": figure(total),
        "cap": figure(cap.per_beneficiary),
        "over": figure(over),
    }
    suggestion = (
        f"check: {masked(account)} would receive {money(total)} on {line.day}, "
        f"{money(over)} over the daily cap of {money(cap.per_beneficiary)}"
    )
    return Hit(FiredRule("daily_cap", cap.action, detail, figures), suggestion)


def duplicates(rule: Duplicates, history: History, batch: Batch, line: GateLine) -> list[Hit]:
    """The same account and amount earlier in this batch, or paid within the lookback."""
    account, amount = normalise_account(line.account), line.amount
    hits = []
    earlier = batch.first.get((account, amount))
    if earlier is not None:
        detail = (
            f"same account {masked(account)} and amount {money(amount)} "
            f"as line {earlier} earlier in this batch"
        )
        figures = {"account": masked(account), "amount": figure(amount), "earlier_key": earlier}
        fired = FiredRule("duplicate_in_batch", rule.action, detail, figures)
        hits.append(Hit(fired, f"reject: same account and amount as line {earlier} of this batch"))
    paid = history.same_payment(account, amount, line.day, rule.lookback_days)
    if paid is not None:
        detail = (
            f"{money(amount)} was paid to {masked(account)} on {paid.day} ({paid.key}), "
            f"within {rule.lookback_days} days of {line.day}"
        )
        figures = {
            "account": masked(account),
            "amount": figure(amount),
            "paid_key": paid.key,
            "paid_day": paid.day.isoformat(),
            "days_apart": str(abs((line.day - paid.day).days)),
            "lookback_days": str(rule.lookback_days),
        }
        fired = FiredRule("duplicate_paid", rule.action, detail, figures)
        suggestion = (
            f"reject: {money(amount)} already paid to {masked(account)} on {paid.day} ({paid.key})"
        )
        hits.append(Hit(fired, suggestion))
    return hits


def anomaly(rule: Anomaly, history: History, line: GateLine) -> Hit | None:
    """More than ``max_deviation_pct`` away from the median of the party's last payments."""
    found = history.median(line.party, line.day, last=rule.last_lines)
    if found is None or found[1] < rule.min_history:
        return None  # too little history to know what is usual
    median, count = found
    if median <= 0 or _within(line.amount, median, rule.max_deviation_pct):
        return None
    versus = _versus(line.amount, median)
    limit = percent(rule.max_deviation_pct)
    detail = f"{versus} of {line.party}'s last {count} payments: more than {limit}% away"
    figures = {
        "amount": figure(line.amount),
        "median": figure(median),
        "deviation_pct": percent((line.amount - median) * 100 / median),
        "max_deviation_pct": percent(rule.max_deviation_pct),
        "history_lines": str(count),
    }
    fired = FiredRule("anomaly_amount", rule.action, detail, figures)
    return Hit(fired, f"check: {versus} of {line.party}'s last {count} payments")


def new_account(rule: Anomaly, history: History, line: GateLine) -> Hit | None:
    """A known party paid, for the first time, to an account never paid to them before."""
    known = history.accounts_of(line.party)
    account = normalise_account(line.account)
    if not known or account in known:
        return None
    before = ", ".join(sorted(masked(a) for a in known)[:3]) + (", ..." if len(known) > 3 else "")
    payments = history.payments_of(line.party)
    detail = (
        f"first payment to {masked(account)} for {line.party}, "
        f"paid {payments} time(s) before to {before}"
    )
    figures = {
        "account": masked(account),
        "party": line.party,
        "earlier_payments": str(payments),
        "earlier_accounts": before,
    }
    fired = FiredRule("new_account", rule.action, detail, figures)
    suggestion = (
        f"check: new account {masked(account)} for {line.party} "
        f"(paid to {before} before); confirm the change"
    )
    return Hit(fired, suggestion)


def _within(amount: Decimal, median: Decimal, pct: Decimal) -> bool:
    # multiplied out, not divided: exactly ``pct`` away must pass, with no rounding in between
    return median > 0 and abs(amount - median) * 100 <= pct * median


def _versus(amount: Decimal, median: Decimal) -> str:
    if median <= 0:
        return f"against a median of {money(median)}"
    if amount == median:
        return f"equal to the median {money(median)}"
    away = (amount - median) * 100 / median
    side = "above" if away > 0 else "below"
    return f"{percent(abs(away))}% {side} the median {money(median)}"
