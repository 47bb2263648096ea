"""The core-banking ledger: one SQLite file (WAL), accounts, transfers and users.

Money is kept as exact decimal strings with two places and computed with
``decimal.Decimal`` only. A transfer is checked, debited, credited and recorded
inside one ``BEGIN IMMEDIATE`` transaction, so concurrent sessions of a threaded
server can never overdraw an account or post one reference twice.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from consoles._shared._sqlite import SqliteFile

__all__ = ["Ledger", "PostedTransfer", "Refusal", "parse_amount"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_no TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    balance TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    currency TEXT NOT NULL DEFAULT 'CNY'
);
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    txn_no TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    debit_account TEXT NOT NULL,
    credit_account TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    amount TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_posted_at ON transfers (posted_at);
CREATE INDEX IF NOT EXISTS transfers_reference ON transfers (reference);
CREATE INDEX IF NOT EXISTS transfers_debit_day ON transfers (debit_account, posted_at);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL
);
"""

_CENT = Decimal("0.01")
# What a teller may type: digits, at most two decimals, no sign, no exponent, no grouping.
_AMOUNT = re.compile(r"^\d{1,13}(\.\d{1,2})?$")
MAX_REFERENCE = 40

TRANSFER_COLUMNS = (
    "txn_no",
    "posted_at",
    "reference",
    "debit_account",
    "credit_account",
    "payee_name",
    "amount",
    "memo",
)


class Refusal(Exception):
    """The console refuses an operation; the message is what the teller sees."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class PostedTransfer:
    """One row of ``transfers`` as the console shows it."""

    txn_no: str
    posted_at: str
    reference: str
    debit_account: str
    credit_account: str
    payee_name: str
    amount: str
    memo: str


def parse_amount(text: str) -> Decimal:
    """Parse an amount typed by a teller: > 0, at most two decimals, else refuse."""
    text = text.strip()
    if not _AMOUNT.match(text):
        raise Refusal("金額無效 Invalid amount")
    amount = Decimal(text)
    if amount <= 0:
        raise Refusal("金額無效 Invalid amount")
    return amount.quantize(_CENT)


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


class Ledger(SqliteFile):
    """All access to the console's SQLite file goes through here."""

    schema = _SCHEMA

    def __init__(self, path: Path, *, refuse_reused_references: bool = True) -> None:
        # Off, the console posts a reference it has seen, as some real consoles do: tests
        # then show that Teller alone keeps a line from being paid twice.
        self.refuse_reused_references = refuse_reused_references
        super().__init__(path)

    # -- users -------------------------------------------------------------

    def set_user(self, username: str, password: str) -> None:
        """Create the operator or reset its password."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO users (username, password_hash) VALUES (?, ?) "
                "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash",
                (username, generate_password_hash(password)),
            )

    def check_user(self, username: str, password: str) -> bool:
        with self._connect() as db:
            row = db.execute(
                "SELECT password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        return row is not None and check_password_hash(row[0], password)

    # -- accounts ----------------------------------------------------------

    def upsert_accounts(self, accounts: list[dict[str, str]]) -> int:
        """Insert or replace accounts (admin seeding); returns how many were written."""
        rows = []
        for account in accounts:
            status = account.get("status", "open")
            if status not in ("open", "closed"):
                raise ValueError(f"status must be 'open' or 'closed', not {status!r}")
            balance = Decimal(str(account["balance"]))
            if not balance.is_finite():
                raise ValueError("balance must be a finite decimal")
            rows.append(
                (
                    str(account["account_no"]),
                    str(account["name"]),
                    _money(balance),
                    status,
                    str(account.get("currency", "CNY")),
                )
            )
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO accounts (account_no, name, balance, status, currency) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_no) DO UPDATE SET "
                "name = excluded.name, balance = excluded.balance, "
                "status = excluded.status, currency = excluded.currency",
                rows,
            )
            db.execute("COMMIT")
        return len(rows)

    def account_exists(self, account_no: str) -> bool:
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM accounts WHERE account_no = ?", (account_no,))
            return row.fetchone() is not None

    # -- transfers ---------------------------------------------------------

    def post_transfer(
        self,
        *,
        debit_account: str,
        credit_account: str,
        payee_name: str,
        amount: Decimal,
        reference: str,
        memo: str,
        operator: str,
    ) -> PostedTransfer:
        """Check, debit, credit and record one transfer atomically, or raise Refusal."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                posted = self._post(
                    db, debit_account, credit_account, payee_name, amount, reference, memo, operator
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return posted

    def _post(
        self,
        db: sqlite3.Connection,
        debit_account: str,
        credit_account: str,
        payee_name: str,
        amount: Decimal,
        reference: str,
        memo: str,
        operator: str,
    ) -> PostedTransfer:
        used = db.execute("SELECT 1 FROM transfers WHERE reference = ?", (reference,)).fetchone()
        if used and self.refuse_reused_references:  # under BEGIN IMMEDIATE: no race
            raise Refusal("參考號已使用 Reference already used")
        debit = db.execute(
            "SELECT balance, status FROM accounts WHERE account_no = ?", (debit_account,)
        ).fetchone()
        credit = db.execute(
            "SELECT name, status FROM accounts WHERE account_no = ?", (credit_account,)
        ).fetchone()
        if debit is None or credit is None:
            raise Refusal("賬戶不存在 Account not found")
        if debit[1] != "open" or credit[1] != "open":
            raise Refusal("賬戶已銷戶 Account closed")
        if debit_account == credit_account:
            raise Refusal("付款與收款賬號相同 Debit and credit account are the same")
        if payee_name.strip() != credit[0]:
            raise Refusal("戶名不符 Payee name does not match")
        balance = Decimal(debit[0])
        if balance < amount:
            raise Refusal("余額不足 Insufficient funds")
        now = datetime.now()
        # The write lock of BEGIN IMMEDIATE is held, so max(id) + 1 cannot race.
        next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM transfers").fetchone()[0]
        posted = PostedTransfer(
            txn_no=f"TX{now:%Y%m%d}{next_id:08d}",
            posted_at=now.isoformat(timespec="seconds"),
            reference=reference,
            debit_account=debit_account,
            credit_account=credit_account,
            payee_name=credit[0],
            amount=_money(amount),
            memo=memo,
        )
        db.execute(
            "UPDATE accounts SET balance = ? WHERE account_no = ?",
            (_money(balance - amount), debit_account),
        )
        credit_balance = db.execute(
            "SELECT balance FROM accounts WHERE account_no = ?", (credit_account,)
        ).fetchone()[0]
        db.execute(
            "UPDATE accounts SET balance = ? WHERE account_no = ?",
            (_money(Decimal(credit_balance) + amount), credit_account),
        )
        db.execute(
            f"INSERT INTO transfers (id, {', '.join(TRANSFER_COLUMNS)}, operator) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (next_id, *(getattr(posted, c) for c in TRANSFER_COLUMNS), operator),
        )
        return posted

    def search(
        self, *, reference: str | None, day: str | None, page: int, per_page: int = 10
    ) -> tuple[list[PostedTransfer], int]:
        """One page of transfers by exact reference and/or day, oldest first; and the total."""
        where, params = [], []
        if reference:
            where.append("reference = ?")
            params.append(reference)
        if day:
            where.append("substr(posted_at, 1, 10) = ?")
            params.append(day)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM transfers {clause}", params).fetchone()[0]
            rows = db.execute(
                f"SELECT {', '.join(TRANSFER_COLUMNS)} FROM transfers {clause} "
                "ORDER BY id LIMIT ? OFFSET ?",
                (*params, per_page, (page - 1) * per_page),
            ).fetchall()
        return [PostedTransfer(*row) for row in rows], total

    def statement(self, *, account: str, day: str) -> list[PostedTransfer]:
        """Every transfer debited from ``account`` on ``day`` (YYYY-MM-DD), in posting order."""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {', '.join(TRANSFER_COLUMNS)} FROM transfers "
                "WHERE debit_account = ? AND substr(posted_at, 1, 10) = ? ORDER BY id",
                (account, day),
            ).fetchall()
        return [PostedTransfer(*row) for row in rows]
