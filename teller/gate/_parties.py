"""The rules on who is paid where, keyed on the account as well as the party's id.

A fresh or look-alike employee id must not make a line look new and clean: an
account paid before under another id, an id that looks like a known one, and an
amount far from what the account usually receives are each held, whatever id the
line carries.
"""

from __future__ import annotations

from teller.gate._history import History
from teller.gate._keys import account_key, party_key, party_lookalike
from teller.gate._model import FiredRule, GateLine
from teller.gate._policy import Anomaly
from teller.gate._rules import Batch, versus, within
from teller.gate._words import Hit, figure, masked, percent

__all__ = ["anomaly", "lookalike_party", "new_account", "new_payee", "shared_account"]


def _listed(names: list[str], most: int = 3) -> str:
    return ", ".join(names[:most]) + (", ..." if len(names) > most else "")


def anomaly(rule: Anomaly, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """Far from the median of the party's last payments, or of the account's."""
    by_party = history.median(line.party, batch.today, last=rule.last_lines)
    by_account = (
        history.account_median(line.account, batch.today, last=rule.last_lines)
        if account_key(line.account)
        else None
    )
    for found, whose in (
        (by_party, f"{line.party}'s"),
        (by_account, f"account {masked(account_key(line.account))}'s"),
    ):
        if found is None or found[1] < rule.min_history:
            continue  # too little history to know what is usual
        median, count = found
        if median <= 0 or within(line.amount, median, rule.max_deviation_pct):
            continue
        said = versus(line.amount, median)
        limit = percent(rule.max_deviation_pct)
        detail = f"{said} of {whose} last {count} payments: more than {limit}% away"
        figures = {
            "amount": figure(line.amount),
            "median": figure(median),
            "deviation_pct": percent((line.amount - median) * 100 / median),
            "max_deviation_pct": limit,
            "history_lines": str(count),
            "basis": "party" if found is by_party else "account",
        }
        fired = FiredRule("anomaly_amount", rule.action, detail, figures)
        return Hit(fired, f"check: {said} of {whose} last {count} payments")
    return None


def new_account(rule: Anomaly, history: History, line: GateLine) -> Hit | None:
    """A known party paid, for the first time, to an account never paid to them before."""
    known = history.accounts_of(line.party)
    account = account_key(line.account)
    if not known or account in known:
        return None
    before = _listed(sorted(masked(a) for a in known))
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


def shared_account(rule: Anomaly, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """The account was paid (or is paid earlier in this batch) for another party."""
    account, own = account_key(line.account), party_key(line.party)
    if not account:
        return None  # an item that pays no account (a card freeze) shares none
    others = {k: v for k, v in history.parties_of(account).items() if k != own}
    in_batch = {party_key(e.party): e.party for e in batch.to.get(account, ())}
    others |= {k: v for k, v in in_batch.items() if k != own and k not in others}
    if not others:
        return None
    who = _listed(sorted(others.values()))
    where = "paid before" if set(others) - set(in_batch) else "earlier in this batch"
    detail = f"account {masked(account)} is {line.party}'s here, but {where} for {who}"
    figures = {"account": masked(account), "party": line.party, "other_parties": who}
    fired = FiredRule("shared_account", rule.action, detail, figures)
    suggestion = (
        f"check: account {masked(account)} also belongs to {who}; "
        f"confirm {line.party} is paid into it"
    )
    return Hit(fired, suggestion)


def lookalike_party(rule: Anomaly, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """The party's id is not a known id, but looks like one (``E0O042`` for ``E00042``)."""
    own = party_key(line.party)
    alike = set(history.lookalikes_of(line.party))
    earlier = batch.looks.get(party_lookalike(line.party), {})
    alike |= {written for key, written in earlier.items() if key != own}
    if not alike:
        return None
    who = _listed(sorted(alike))
    detail = f"id {line.party!r} is not {who}, but looks like it"
    figures = {"party": line.party, "looks_like": who}
    fired = FiredRule("lookalike_party", rule.action, detail, figures)
    return Hit(fired, f"check: {line.party!r} looks like {who}; a mistyped or forged id?")


def new_payee(rule: Anomaly, history: History, batch: Batch, line: GateLine) -> Hit | None:
    """Neither the party nor the account was ever paid: a first payment to a stranger."""
    account = account_key(line.account)
    if not account or history.payments_of(line.party) or history.parties_of(account):
        return None
    if history.lookalikes_of(line.party):
        return None  # lookalike_party speaks for it
    detail = f"neither {line.party} nor account {masked(account)} was ever paid"
    figures = {"party": line.party, "account": masked(account)}
    fired = FiredRule("new_payee", rule.action, detail, figures)
    return Hit(fired, f"check: first payment to {line.party} ({masked(account)}); confirm the hire")
