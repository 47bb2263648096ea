"""What was paid before: built once per run, then asked thousands of times.

Everything is indexed by the keys of ``_keys``: an account by its digits, a party by one
spelling of its id and by what that id looks like, so another spelling of a known
account or employee is never a stranger.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Set
from datetime import date
from decimal import Decimal

from teller.gate._keys import account_key, party_key, party_lookalike
from teller.gate._model import PaidLine

__all__ = ["History"]


def _any(_: Decimal) -> bool:
    return True


class _Series:
    """Payments in day order, to bisect by day."""

    def __init__(self, lines: list[PaidLine]) -> None:
        lines.sort(key=lambda p: p.day)
        self.lines = lines
        self.days = [p.day for p in lines]
        self.amounts = [p.amount for p in lines]

    def between(self, first: date, last: date) -> list[PaidLine]:
        return self.lines[bisect_left(self.days, first) : bisect_right(self.days, last)]


class History:
    """Paid lines indexed by account (and day), by party, and by what a party id looks like.

    A line's ``day`` is the day it was paid (posted by the console), not a date a
    workbook wrote.
    """

    def __init__(self, paid: Iterable[PaidLine]) -> None:
        pending: defaultdict[str, list[PaidLine]] = defaultdict(list)
        self._orders: dict[str, int] = {}
        by_account: defaultdict[str, list[PaidLine]] = defaultdict(list)
        by_party: defaultdict[str, list[PaidLine]] = defaultdict(list)
        by_day: defaultdict[tuple[str, date], Decimal] = defaultdict(Decimal)
        accounts: defaultdict[str, set[str]] = defaultdict(set)
        parties: defaultdict[str, dict[str, str]] = defaultdict(dict)
        looks: defaultdict[str, dict[str, str]] = defaultdict(dict)
        count = 0
        for line in paid:
            if line.pending:
                # on its way, not paid: only the duplicate rule looks at it
                pending[account_key(line.account)].append(line)
                self._orders[line.key] = line.order
                continue
            account, party = account_key(line.account), party_key(line.party)
            by_account[account].append(line)
            by_party[party].append(line)
            by_day[account, line.day] += line.amount
            accounts[party].add(account)
            parties[account].setdefault(party, line.party)
            looks[party_lookalike(line.party)].setdefault(party, line.party)
            count += 1
        self._pending = {k: _Series(v) for k, v in pending.items()}
        self._by_account = {k: _Series(v) for k, v in by_account.items()}
        self._by_party = {k: _Series(v) for k, v in by_party.items()}
        self._by_day = dict(by_day)
        self._accounts = dict(accounts)
        self._parties = dict(parties)
        self._looks = dict(looks)
        self._medians: dict[tuple[str, str, int, int], Decimal] = {}
        self._count = count

    def __len__(self) -> int:
        """How many paid lines (pending ones not counted)."""
        return self._count

    def paid_on(self, account: str, day: date) -> Decimal:
        """The total paid to an account on a day."""
        return self._by_day.get((account_key(account), day), Decimal(0))

    def paid_to(
        self, account: str, first: date, last: date, *, near: Callable[[Decimal], bool]
    ) -> list[PaidLine]:
        """Payments to the account between two days (both included) whose amount is ``near``."""
        series = self._by_account.get(account_key(account))
        if series is None:
            return []
        return [p for p in series.between(first, last) if near(p.amount)]

    def pending_on(self, account: str, day: date, *, key: str) -> Decimal:
        """The total of pending lines to the account loaded on ``day`` before the line ``key``."""
        return sum(
            (p.amount for p in self.pending_to(account, day, day, near=_any, key=key)),
            Decimal(0),
        )

    def pending_to(
        self, account: str, first: date, last: date, *, near: Callable[[Decimal], bool], key: str
    ) -> list[PaidLine]:
        """Pending lines to the account, loaded between two days and before the line ``key``
        (all of them if ``key`` is not pending itself), whose amount is ``near``."""
        series = self._pending.get(account_key(account))
        if series is None:
            return []
        before = self._orders.get(key)
        return [
            p
            for p in series.between(first, last)
            if p.key != key and (before is None or p.order < before) and near(p.amount)
        ]

    def accounts_of(self, party: str) -> Set[str]:
        """Every account the party was ever paid to (empty for an unknown party)."""
        return self._accounts.get(party_key(party), frozenset())

    def parties_of(self, account: str) -> dict[str, str]:
        """Every party the account was paid for: one spelling -> the id as first written."""
        return self._parties.get(account_key(account), {})

    def lookalikes_of(self, party: str) -> list[str]:
        """Known parties whose id looks like this one but is another (``E0O042``, ``E00042``)."""
        own = party_key(party)
        found = self._looks.get(party_lookalike(party), {})
        return sorted(written for key, written in found.items() if key != own)

    def payments_of(self, party: str) -> int:
        """How many payments the party received."""
        found = self._by_party.get(party_key(party))
        return len(found.lines) if found else 0

    def median(self, party: str, day: date, *, last: int) -> tuple[Decimal, int] | None:
        """The median of the party's last ``last`` payments up to ``day``, and their count."""
        key = party_key(party)
        return self._median(("party", key), self._by_party.get(key), day, last)

    def account_median(self, account: str, day: date, *, last: int) -> tuple[Decimal, int] | None:
        """The median of the account's last ``last`` payments up to ``day``, and their count."""
        key = account_key(account)
        return self._median(("account", key), self._by_account.get(key), day, last)

    def _median(
        self, name: tuple[str, str], series: _Series | None, day: date, last: int
    ) -> tuple[Decimal, int] | None:
        if series is None:
            return None
        end = bisect_right(series.days, day)
        count = min(last, end)
        if count == 0:
            return None
        cache = (*name, end, last)
        cached = self._medians.get(cache)
        if cached is None:
            window = sorted(series.amounts[end - count : end])
            middle = count // 2
            cached = window[middle] if count % 2 else (window[middle - 1] + window[middle]) / 2
            self._medians[cache] = cached
        return cached, count
