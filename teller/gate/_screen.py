"""The rules that look at who or what an item is: watchlist, check digit, kind."""

from __future__ import annotations

from teller.gate._keys import account_key
from teller.gate._model import FiredRule, GateLine
from teller.gate._policy import Kinds, Luhn, Watchlist
from teller.gate._watchlist import Screening, WatchlistEntry
from teller.gate._words import Hit, masked, percent

__all__ = ["kind", "luhn", "luhn_valid", "watchlist_account", "watchlist_name"]


def luhn_valid(number: str) -> bool:
    """Whether a number of ASCII digits ends with a valid Luhn check digit."""
    if len(number) < 2 or not (number.isascii() and number.isdigit()):
        return False
    total = 0
    # from the right, every second digit is doubled (the check digit itself is not)
    for position, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def luhn(rule: Luhn, line: GateLine) -> Hit | None:
    """The account number must carry a valid check digit."""
    account = account_key(line.account)
    if luhn_valid(account):
        return None
    digits = account.isascii() and account.isdigit()
    why = "fails its Luhn check digit" if digits else "is not a number of digits"
    figures = {"account": masked(account), "digits": str(len(account)), "check": "failed"}
    fired = FiredRule("luhn", rule.action, f"account {masked(account)} {why}", figures)
    return Hit(
        fired, f"reject: account {masked(account)} {why}; likely mistyped, correct the input"
    )


def watchlist_account(rule: Watchlist, screening: Screening, line: GateLine) -> Hit | None:
    """The account number is on the watchlist, exactly."""
    entry = screening.account_entry(line.account)
    if entry is None:
        return None
    note = f" ({entry.note})" if entry.note else ""
    figures = _entry({"account": masked(entry.account)}, entry)
    detail = f"account {masked(entry.account)} is on the watchlist{note}"
    fired = FiredRule("watchlist_account", rule.account_action, detail, figures)
    return Hit(fired, f"reject: account {masked(entry.account)} is on the watchlist{note}")


def watchlist_name(rule: Watchlist, screening: Screening, line: GateLine) -> Hit | None:
    """The beneficiary's name is close enough to a name on the watchlist."""
    found = screening.name_match(line.name)
    if found is None:
        return None
    entry, score = found
    note = f" ({entry.note})" if entry.note else ""
    detail = (
        f"name {line.name!r} matches watchlist entry {entry.name!r}{note} at {percent(score)}% "
        f"(threshold {percent(rule.name_threshold)}%)"
    )
    figures = _entry(
        {"name": line.name, "score": percent(score), "threshold": percent(rule.name_threshold)},
        entry,
    )
    fired = FiredRule("watchlist_name", rule.name_action, detail, figures)
    suggestion = f"reject: name matches watchlist entry {entry.name!r} at {percent(score)}%"
    return Hit(fired, suggestion)


def _entry(figures: dict[str, str], entry: WatchlistEntry) -> dict[str, str]:
    # the entry's own words, when it has them: what the bank wrote is what the checker sees
    extra = {"entry_name": entry.name, "entry_note": entry.note}
    return figures | {k: v for k, v in extra.items() if v}


def kind(rule: Kinds, line: GateLine) -> Hit | None:
    """Items of a held kind (e.g. ``unfreeze``) always wait for a person."""
    if line.kind not in rule.hold:
        return None
    fired = FiredRule("kind", "hold", f"{line.kind}: {rule.reason}", {"kind": line.kind})
    return Hit(fired, f"check: {line.kind} {line.key} only once the request is confirmed")
