"""What was paid before: built once per run, then asked thousands of times."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Set
from datetime import date, timedelta
from decimal import Decimal

from teller.gate._model import PaidLine
from teller.gate._watchlist import normalise_account

__all__ = ["History"]


class History:
    """Paid lines indexed by account and day, by account and amount, and by party."""

    def __init__(self, paid: Iterable[PaidLine]) -> None:
        by_day: defaultdict[tuple[str, date], Decimal] = defaultdict(Decimal)
        by_amount: defaultdict[tuple[str, Decimal], list[PaidLine]] = defaultdict(list)
        by_party: defaultdict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        accounts: defaultdict[str, set[str]] = defaultdict(set)
        count = 0
        for line in paid:
            account = normalise_account(line.account)
            by_day[account, line.day] += line.amount
            by_amount[account, line.amount].append(line)
            by_party[line.party].append((line.day, line.amount))
            accounts[line.party].add(account)
            count += 1
        for same in by_amount.values():
            same.sort(key=lambda p: p.day)
        self._by_day = dict(by_day)
        self._by_amount = {k: (v, [p.day for p in v]) for k, v in by_amount.items()}
        self._by_party: dict[str, tuple[list[date], list[Decimal]]] = {}
        for party, payments in by_party.items():
            payments.sort(key=lambda p: p[0])
            self._by_party[party] = ([d for d, _ in payments], [a for _, a in payments])
        self._accounts = dict(accounts)
        self._medians: dict[tuple[str, int, int], Decimal] = {}
        self._count = count

    def __len__(self) -> int:
        return self._count

    def paid_on(self, account: str, day: date) -> Decimal:
        """The total paid to an account on a day."""
        return self._by_day.get((normalise_account(account), day), Decimal(0))

    def same_payment(self, account: str, amount: Decimal, day: date, days: int) -> PaidLine | None:
        """The latest payment of this amount to this account within ``days`` of ``day``."""
        found = self._by_amount.get((normalise_account(account), amount))
        if found is None:
            return None
        lines, days_paid = found
        low = bisect_left(days_paid, day - timedelta(days=days))
        high = bisect_right(days_paid, day + timedelta(days=days))
        return lines[high - 1] if high > low else None

    def accounts_of(self, party: str) -> Set[str]:
        """Every account the party was ever paid to (empty for an unknown party)."""
        return self._accounts.get(party, frozenset())

    def payments_of(self, party: str) -> int:
        """How many payments the party received."""
        found = self._by_party.get(party)
        return len(found[0]) if found else 0

    def median(self, party: str, day: date, *, last: int) -> tuple[Decimal, int] | None:
        """The median of the party's last ``last`` payments up to ``day``, and their count."""
        found = self._by_party.get(party)
        if found is None:
            return None
        days, amounts = found
        end = bisect_right(days, day)
        count = min(last, end)
        if count == 0:
            return None
        cached = self._medians.get((party, end, last))
        if cached is None:
            window = sorted(amounts[end - count : end])
            middle = count // 2
            cached = window[middle] if count % 2 else (window[middle - 1] + window[middle]) / 2
            self._medians[party, end, last] = cached
        return cached, count
