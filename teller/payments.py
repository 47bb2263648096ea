"""The payment protocol: what a console that moves money offers a flow that pays.

A paying flow (``teller.payroll``) talks to nothing else, so the console it pays into is
configuration (``[flows.payroll] console = "..."`` in teller.toml) and any console can be
one, through its console map (``selectors/<console>.yaml`` with a ``payments:`` section,
:mod:`teller.consolemap`), and a ``MapBot`` subclass for what a map cannot say.

The four intents and how each reports failure:

* ``login(user, password, code)``: ``code`` is called for the one-time code at the moment
  the console asks for it (``None``: the console asks for none); a refusal is ConsoleError;
* ``transfer(order)``: the console's transaction number; failures as the effect boundary
  says (``teller.pages``): before submit a system error, after it ``PaymentRefused``,
  ``ReferenceAlreadyUsed`` or ``InDoubt``;
* ``find_transfer(reference)``: the transfer the console holds under exactly that
  reference, or None; never guesses;
* ``statement(account=, day=, folder=)``: every posting of the account on ``day`` as the
  console dates them (its own time zone, ``zone``), and the copy kept in ``folder``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["Code", "Order", "Payments", "Posted"]

Code = Callable[[], str | None]
"""Asked for the console's one-time code when the console asks for it."""


@dataclass(frozen=True)
class Order:
    """One transfer to make: what a payroll line asks of the console."""

    debit_account: str
    credit_account: str
    payee_name: str
    amount: Decimal
    reference: str
    memo: str = ""


@dataclass(frozen=True)
class Posted:
    """One transfer as the console records it (an inquiry row or a statement line).

    ``posted_at`` is the console's own clock in its time zone, without the zone (as an
    auditor reads it on the console's statement); ``debit_account`` is the account the
    statement is of when the console records only the other party.
    """

    txn_no: str
    posted_at: datetime
    reference: str
    debit_account: str
    credit_account: str
    payee_name: str
    amount: Decimal
    memo: str = ""


@runtime_checkable
class Payments(Protocol):
    """A signed-in session on a console that moves money (module docstring)."""

    @property
    def console(self) -> str:
        """The console's name, as in its map and in every error its session raises."""
        ...

    @property
    def zone(self) -> tzinfo:
        """The console's time zone: the one its statement days and times are in."""
        ...

    async def login(self, user: str, password: str, code: Code | None = None) -> None: ...

    async def transfer(self, order: Order) -> str: ...

    async def find_transfer(self, reference: str) -> Posted | None: ...

    async def statement(
        self, *, account: str, day: date, folder: Path
    ) -> tuple[Path, list[Posted]]: ...
