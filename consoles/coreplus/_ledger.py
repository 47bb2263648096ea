"""The coreplus ledger: one SQLite file (WAL) of users, accounts, transfers and entries.

Money is kept as exact decimal strings with two places and computed with
``decimal.Decimal`` only; times are UTC (``2026-03-01T15:59:58Z``). A transfer is
checked, debited, credited and recorded, with one entry per side, inside one
``BEGIN IMMEDIATE`` transaction, so concurrent sessions can neither overdraw an
account nor post one customer reference twice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from consoles._shared._sqlite import SqliteFile
from consoles.coreplus._clock import LOCAL, day_bounds, utc_text
from consoles.coreplus._rules import CENT, Refusal

__all__ = ["Account", "Entry", "Ledger", "Transfer", "masked"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    totp_seed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    account_no TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    balance TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    currency TEXT NOT NULL DEFAULT 'CNY',
    is_debit INTEGER NOT NULL DEFAULT 0 CHECK (is_debit IN (0, 1))
);
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    txn_no TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    debit_account TEXT NOT NULL,
    payee_account TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    amount TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'success',
    operator TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_reference ON transfers (reference);
CREATE INDEX IF NOT EXISTS transfers_posted_at ON transfers (posted_at);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    transfer_id INTEGER NOT NULL REFERENCES transfers (id),
    account_no TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('debit', 'credit')),
    amount TEXT NOT NULL,
    balance_after TEXT NOT NULL,
    counterparty_account TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    posted_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_account_time ON entries (account_no, posted_at);
"""

TRANSFER_COLUMNS = (
    "txn_no",
    "posted_at",
    "reference",
    "debit_account",
    "payee_account",
    "payee_name",
    "amount",
    "purpose",
    "status",
)
ENTRY_COLUMNS = (
    "posted_at",
    "txn_no",
    "reference",
    "counterparty_account",
    "counterparty_name",
    "side",
    "amount",
    "balance_after",
    "purpose",
)


def masked(account_no: str) -> str:
    """An account as the screens show it: ``6222 **** 1234`` (first four, last four)."""
    return f"{account_no[:4]} **** {account_no[-4:]}"


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


@dataclass(frozen=True)
class Account:
    """One of the operator's debit accounts, as the selects offer it."""

    account_no: str
    name: str

    @property
    def label(self) -> str:
        """The option's text: ``6222 **** 1234 工资专户``."""
        return f"{masked(self.account_no)} {self.name}"


@dataclass(frozen=True)
class Transfer:
    """One row of ``transfers`` as the console shows it (``posted_at`` in UTC)."""

    txn_no: str
    posted_at: str
    reference: str
    debit_account: str
    payee_account: str
    payee_name: str
    amount: str
    purpose: str
    status: str


@dataclass(frozen=True)
class Entry:
    """One side of a transfer on one account: a statement line (``posted_at`` in UTC)."""

    posted_at: str
    txn_no: str
    reference: str
    counterparty_account: str
    counterparty_name: str
    side: str  # 'debit' (money out) or 'credit' (money in)
    amount: str
    balance_after: str
    purpose: str


class Ledger(SqliteFile):
    """All access to the console's SQLite file goes through here."""

    schema = _SCHEMA

    def __init__(self, path: Path, *, refuse_reused_references: bool = True) -> None:
        # Off, a customer reference already used is posted again, as consoles without
        # that guard do: Teller alone must then keep a line from being paid twice.
        self.refuse_reused_references = refuse_reused_references
        super().__init__(path)

    # -- users -------------------------------------------------------------

    def set_user(self, username: str, password: str, totp_seed: str) -> None:
        """Create the operator, or reset its password and one-time-code seed."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO users (username, password_hash, totp_seed) VALUES (?, ?, ?) "
                "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, "
                "totp_seed = excluded.totp_seed",
                (username, generate_password_hash(password), totp_seed),
            )

    def check_user(self, username: str, password: str) -> bool:
        with self._connect() as db:
            row = db.execute(
                "SELECT password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        return row is not None and check_password_hash(row[0], password)

    def totp_seed(self, username: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT totp_seed FROM users WHERE username = ?", (username,))
            found = row.fetchone()
        return None if found is None else str(found[0])

    # -- accounts ----------------------------------------------------------

    def upsert_accounts(self, accounts: list[dict[str, Any]]) -> int:
        """Insert or replace accounts (admin seeding); returns how many were written.

        ``"debit": true`` makes the account one of the operator's debit accounts.
        """
        rows = []
        for account in accounts:
            status = account.get("status", "open")
            if status not in ("open", "closed"):
                raise ValueError(f"status must be 'open' or 'closed', not {status!r}")
            balance = Decimal(str(account["balance"]))
            if not balance.is_finite():
                raise ValueError("balance must be a finite decimal")
            debit = account.get("debit", False)
            if not isinstance(debit, bool):
                raise ValueError(f"debit must be true or false, not {debit!r}")
            rows.append(
                (
                    str(account["account_no"]),
                    str(account["name"]),
                    _money(balance),
                    status,
                    str(account.get("currency", "CNY")),
                    int(debit),
                )
            )
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO accounts (account_no, name, balance, status, currency, is_debit) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_no) DO UPDATE SET "
                "name = excluded.name, balance = excluded.balance, status = excluded.status, "
                "currency = excluded.currency, is_debit = excluded.is_debit",
                rows,
            )
            db.execute("COMMIT")
        return len(rows)

    def debit_accounts(self) -> list[Account]:
        """The operator's open debit accounts, by account number."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT account_no, name FROM accounts "
                "WHERE is_debit = 1 AND status = 'open' ORDER BY account_no"
            ).fetchall()
        return [Account(*row) for row in rows]

    # -- transfers ---------------------------------------------------------

    def post_transfer(
        self,
        *,
        debit_account: str,
        payee_account: str,
        payee_name: str,
        amount: Decimal,
        reference: str,
        purpose: str,
        operator: str,
        now: datetime,
    ) -> Transfer:
        """Check, debit, credit and record one transfer atomically, or raise Refusal."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                posted = self._post(
                    db,
                    debit_account=debit_account,
                    payee_account=payee_account,
                    payee_name=payee_name,
                    amount=amount,
                    reference=reference,
                    purpose=purpose,
                    operator=operator,
                    now=now,
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return posted

    def _post(
        self,
        db: sqlite3.Connection,
        *,
        debit_account: str,
        payee_account: str,
        payee_name: str,
        amount: Decimal,
        reference: str,
        purpose: str,
        operator: str,
        now: datetime,
    ) -> Transfer:
        used = db.execute("SELECT 1 FROM transfers WHERE reference = ?", (reference,)).fetchone()
        if used and self.refuse_reused_references:  # under BEGIN IMMEDIATE: no race
            raise Refusal("客户流水号重复 Duplicate customer ref")
        debit = db.execute(
            "SELECT name, balance, status, is_debit FROM accounts WHERE account_no = ?",
            (debit_account,),
        ).fetchone()
        if debit is None or not debit[3]:
            raise Refusal("付款账户无效 Not one of your debit accounts")
        if debit[2] != "open":
            raise Refusal("付款账户已销户 Debit account closed")
        payee = db.execute(
            "SELECT name, balance, status FROM accounts WHERE account_no = ?", (payee_account,)
        ).fetchone()
        if payee is None:
            raise Refusal("收款账户不存在 Payee account not found")
        if payee[2] != "open":
            raise Refusal("收款账户已销户 Payee account closed")
        if payee_account == debit_account:
            raise Refusal("收付款账号相同 Payee account is the debit account")
        if payee_name.strip() != payee[0]:
            raise Refusal("户名不符 Payee name does not match the account")
        debit_balance = Decimal(debit[1])
        if debit_balance < amount:
            raise Refusal("余额不足 Insufficient funds")
        posted = Transfer(
            txn_no=_next_txn_no(db, now),
            posted_at=utc_text(now),
            reference=reference,
            debit_account=debit_account,
            payee_account=payee_account,
            payee_name=payee[0],
            amount=_money(amount),
            purpose=purpose,
            status="success",
        )
        cursor = db.execute(
            f"INSERT INTO transfers ({', '.join(TRANSFER_COLUMNS)}, operator) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*(getattr(posted, c) for c in TRANSFER_COLUMNS), operator),
        )
        after_debit = debit_balance - amount
        after_credit = Decimal(payee[1]) + amount
        db.executemany(
            "UPDATE accounts SET balance = ? WHERE account_no = ?",
            [(_money(after_debit), debit_account), (_money(after_credit), payee_account)],
        )
        entry = (
            "INSERT INTO entries (transfer_id, account_no, side, amount, balance_after, "
            "counterparty_account, counterparty_name, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        money = posted.amount
        db.executemany(
            entry,
            [
                (cursor.lastrowid, debit_account, "debit", money, _money(after_debit),
                 payee_account, payee[0], posted.posted_at),
                (cursor.lastrowid, payee_account, "credit", money, _money(after_credit),
                 debit_account, debit[0], posted.posted_at),
            ],
        )  # fmt: skip
        return posted

    def search(
        self, *, reference: str | None, day: date | None, page: int, per_page: int
    ) -> tuple[list[Transfer], int]:
        """One page of transfers by exact reference and/or local day, oldest first; the total."""
        where, params = [], []
        if reference:
            where.append("reference = ?")
            params.append(reference)
        if day:
            where.append("posted_at >= ? AND posted_at < ?")
            params += day_bounds(day)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM transfers {clause}", params).fetchone()[0]
            rows = db.execute(
                f"SELECT {', '.join(TRANSFER_COLUMNS)} FROM transfers {clause} "
                "ORDER BY id LIMIT ? OFFSET ?",
                (*params, per_page, (page - 1) * per_page),
            ).fetchall()
        return [Transfer(*row) for row in rows], total

    def statement(self, *, account: str, day: date) -> list[Entry]:
        """Every entry, debit or credit, of ``account`` on the local ``day``, in posting order."""
        columns = ", ".join(
            f"t.{c}" if c in ("txn_no", "reference", "purpose") else f"e.{c}" for c in ENTRY_COLUMNS
        )
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {columns} FROM entries e JOIN transfers t ON t.id = e.transfer_id "
                "WHERE e.account_no = ? AND e.posted_at >= ? AND e.posted_at < ? ORDER BY e.id",
                (account, *day_bounds(day)),
            ).fetchall()
        return [Entry(*row) for row in rows]


def _next_txn_no(db: sqlite3.Connection, now: datetime) -> str:
    """``CP`` + the local posting day + that day's 6-digit sequence (under the write lock)."""
    prefix = f"CP{now.astimezone(LOCAL):%Y%m%d}"
    last = db.execute(
        "SELECT MAX(txn_no) FROM transfers WHERE txn_no LIKE ?", (f"{prefix}%",)
    ).fetchone()[0]
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"
