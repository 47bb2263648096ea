"""The payables ledger: one SQLite file (WAL) with accounts, payments and the operator.

A payment is made in two steps, as in an ERP's payables module: a **draft** is saved
(checked, nothing moves), then **submitted** (checked again, debited, credited, posted
with a transaction number). A draft may instead be discarded, or rejected when its
submit is refused. Every step is one ``BEGIN IMMEDIATE`` transaction, so a submit and a
discard of the same draft never both win, and no reference is posted twice while the
duplicate check is on. Money is exact decimal text with two places.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from consoles._shared._sqlite import SqliteFile

__all__ = ["FIELDS", "Ledger", "Refusal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_no TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    balance TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    currency TEXT NOT NULL DEFAULT 'CNY'
);
CREATE TABLE IF NOT EXISTS payments (
    id INTEGER PRIMARY KEY,
    draft_no TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'posted', 'rejected', 'discarded')),
    debit_account TEXT NOT NULL,
    credit_account TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    amount TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    posted_at TEXT,
    txn_no TEXT UNIQUE,
    reason TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_reference ON payments (reference);
CREATE INDEX IF NOT EXISTS payments_debit_day ON payments (debit_account, posted_at);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL
);
"""

FIELDS = ("debit_account", "credit_account", "payee_name", "amount", "reference", "memo")
_COLUMNS = (
    "id",
    "draft_no",
    "reference",
    "status",
    "debit_account",
    "credit_account",
    "payee_name",
    "amount",
    "memo",
    "created_at",
    "posted_at",
    "txn_no",
    "reason",
)
_CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^\d{1,13}(\.\d{1,2})?$")
MAX_REFERENCE = 40
MAX_MEMO = 60


class Refusal(Exception):
    """The console refuses a request: an HTTP status, a code and the words the page shows."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        self.status, self.code, self.message, self.extra = status, code, message, extra
        super().__init__(message)

    def answer(self) -> dict[str, Any]:
        """The JSON body the app receives."""
        return {"error": self.code, "message": self.message, **self.extra}


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


class Ledger(SqliteFile):
    """All access to the console's SQLite file goes through here."""

    schema = _SCHEMA

    def __init__(self, path: Path, *, refuse_reused_references: bool = True) -> None:
        # Off, a reference already used is saved and posted again, as consoles without
        # that guard do: Teller alone must then keep a line from being paid twice.
        self.refuse_reused_references = refuse_reused_references
        super().__init__(path)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (no two writers interleave)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- users and accounts ------------------------------------------------------------

    def set_user(self, username: str, password: str) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO users (username, password_hash) VALUES (?, ?) ON CONFLICT "
                "(username) DO UPDATE SET password_hash = excluded.password_hash",
                (username, generate_password_hash(password)),
            )

    def check_user(self, username: str, password: str) -> bool:
        with self._connect() as db:
            row = db.execute(
                "SELECT password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        return row is not None and check_password_hash(row[0], password)

    def upsert_accounts(self, accounts: list[dict[str, Any]]) -> int:
        """Insert or replace accounts (admin seeding); how many were written."""
        rows = []
        for account in accounts:
            status = account.get("status", "open")
            if status not in ("open", "closed"):
                raise ValueError(f"status must be 'open' or 'closed', not {status!r}")
            balance = Decimal(str(account["balance"]))
            if not balance.is_finite():
                raise ValueError("balance must be a finite decimal")
            number, name = str(account["account_no"]), str(account["name"])
            rows.append((number, name, _money(balance), status, account.get("currency", "CNY")))
        with self._write() as db:
            db.executemany(
                "INSERT INTO accounts (account_no, name, balance, status, currency) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_no) DO UPDATE SET "
                "name = excluded.name, balance = excluded.balance, "
                "status = excluded.status, currency = excluded.currency",
                rows,
            )
        return len(rows)

    # -- the two steps -----------------------------------------------------------------

    def save_draft(self, fields: Mapping[str, Any], *, operator: str) -> dict[str, Any]:
        """Check a payment and save it as a draft (nothing moves); or raise Refusal."""
        values = _checked(fields)
        now = datetime.now().isoformat(timespec="seconds")
        with self._write() as db:
            self._check_reference(db, values["reference"])
            _check_accounts(db, values)
            next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM payments").fetchone()[0]
            db.execute(
                "INSERT INTO payments (id, draft_no, reference, status, debit_account, "
                "credit_account, payee_name, amount, memo, created_at, operator) "
                "VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                (
                    next_id,
                    f"D-{next_id:06d}",
                    values["reference"],
                    values["debit_account"],
                    values["credit_account"],
                    values["payee_name"],
                    values["amount"],
                    values["memo"],
                    now,
                    operator,
                ),
            )
            return _record(db, next_id)

    def submit(self, draft_id: int, *, operator: str) -> dict[str, Any]:
        """Post a draft: checked again, debited, credited; or raise Refusal.

        A refusal for want of funds, an account closed since or a reference posted since
        rejects the draft, so no draft is left that a person might submit later.
        """
        try:
            with self._write() as db:
                return self._post(db, draft_id)
        except _Rejected as rejected:
            with self._write() as db:
                db.execute(
                    "UPDATE payments SET status = 'rejected', reason = ? "
                    "WHERE id = ? AND status = 'draft'",
                    (rejected.refusal.message, draft_id),
                )
            raise rejected.refusal from None

    def _post(self, db: sqlite3.Connection, draft_id: int) -> dict[str, Any]:
        draft = _record(db, draft_id)
        if draft is None:
            raise Refusal(404, "no_such_draft", "Draft not found")
        if draft["status"] != "draft":
            raise Refusal(409, "not_a_draft", f"Draft is {draft['status']}", now=draft["status"])
        try:
            self._check_reference(db, draft["reference"], posted_only=True)
            _check_accounts(db, draft)
        except Refusal as refusal:
            raise _Rejected(refusal) from None
        amount = Decimal(draft["amount"])
        balance = Decimal(_balance(db, draft["debit_account"]))
        if balance < amount:
            raise _Rejected(Refusal(422, "insufficient_funds", "Insufficient funds"))
        credit = Decimal(_balance(db, draft["credit_account"]))
        now = datetime.now()
        db.execute(
            "UPDATE accounts SET balance = ? WHERE account_no = ?",
            (_money(balance - amount), draft["debit_account"]),
        )
        db.execute(
            "UPDATE accounts SET balance = ? WHERE account_no = ?",
            (_money(credit + amount), draft["credit_account"]),
        )
        db.execute(
            "UPDATE payments SET status = 'posted', posted_at = ?, txn_no = ? WHERE id = ?",
            (now.isoformat(timespec="seconds"), f"PV{now:%Y%m%d}{draft_id:08d}", draft_id),
        )
        return _record(db, draft_id)

    def discard(self, ids: list[int], *, operator: str) -> int:
        """Discard the drafts among ``ids`` (anything else is left as it is); how many."""
        with self._write() as db:
            discarded = 0
            for draft_id in ids:
                discarded += db.execute(
                    "UPDATE payments SET status = 'discarded', reason = ? "
                    "WHERE id = ? AND status = 'draft'",
                    (f"discarded by {operator}", draft_id),
                ).rowcount
            return discarded

    def _check_reference(
        self, db: sqlite3.Connection, reference: str, *, posted_only: bool = False
    ) -> None:
        if not self.refuse_reused_references:
            return
        statuses = ("posted",) if posted_only else ("posted", "draft")
        marks = ", ".join("?" * len(statuses))
        row = db.execute(
            f"SELECT draft_no, status FROM payments WHERE reference = ? AND status IN ({marks}) "
            "ORDER BY id LIMIT 1",
            (reference, *statuses),
        ).fetchone()
        if row is not None:
            existing = {"draft_no": row[0], "status": row[1]}
            message = f"Reference already used ({row[1]} {row[0]})"
            raise Refusal(409, "duplicate_reference", message, existing=existing)

    # -- reading -----------------------------------------------------------------------

    def search(
        self, *, reference: str, status: str, page: int, per_page: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of payments by exact reference and/or status, oldest first; the total."""
        where, params = [], []
        if reference:
            where.append("reference = ?")
            params.append(reference)
        if status:
            where.append("status = ?")
            params.append(status)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM payments {clause}", params).fetchone()[0]
            ids = db.execute(
                f"SELECT id FROM payments {clause} ORDER BY id LIMIT ? OFFSET ?",
                (*params, per_page, (page - 1) * per_page),
            ).fetchall()
            return [_record(db, i) for (i,) in ids], total

    def statement(self, *, account: str, day: str) -> list[dict[str, Any]]:
        """Every posted payment from or to ``account`` on ``day`` (YYYY-MM-DD), in order."""
        with self._connect() as db:
            ids = db.execute(
                "SELECT id FROM payments WHERE status = 'posted' AND substr(posted_at, 1, 10) = ? "
                "AND (debit_account = ? OR credit_account = ?) ORDER BY posted_at, id",
                (day, account, account),
            ).fetchall()
            return [_record(db, i) for (i,) in ids]


class _Rejected(Exception):
    """A submit refused for a reason that rejects the draft (funds, accounts)."""

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal


def _record(db: sqlite3.Connection, payment_id: int) -> Any:
    row = db.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM payments WHERE id = ?", (payment_id,)
    ).fetchone()
    return None if row is None else dict(zip(_COLUMNS, row, strict=True))


def _balance(db: sqlite3.Connection, account: str) -> str:
    return str(
        db.execute("SELECT balance FROM accounts WHERE account_no = ?", (account,)).fetchone()[0]
    )


def _checked(fields: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields, trimmed and checked for shape; Refusal 422 names the first bad one."""
    values = {name: str(fields.get(name) or "").strip() for name in FIELDS}
    missing = [name for name in FIELDS if name != "memo" and not values[name]]
    if missing:
        raise Refusal(422, "invalid", f"Required field missing: {missing[0]}", field=missing[0])
    if not _AMOUNT.match(values["amount"]) or Decimal(values["amount"]) <= 0:
        raise Refusal(422, "invalid", "Invalid amount", field="amount")
    values["amount"] = _money(Decimal(values["amount"]))
    if len(values["reference"]) > MAX_REFERENCE:
        message = f"Reference longer than {MAX_REFERENCE} characters"
        raise Refusal(422, "invalid", message, field="reference")
    if len(values["memo"]) > MAX_MEMO:
        raise Refusal(422, "invalid", f"Memo longer than {MAX_MEMO} characters", field="memo")
    return values


def _check_accounts(db: sqlite3.Connection, values: Mapping[str, Any]) -> None:
    found = {}
    for side in ("debit_account", "credit_account"):
        row = db.execute(
            "SELECT name, status FROM accounts WHERE account_no = ?", (values[side],)
        ).fetchone()
        if row is None:
            raise Refusal(422, "unknown_account", "Account not found", field=side)
        if row[1] != "open":
            raise Refusal(422, "account_closed", "Account closed", field=side)
        found[side] = row[0]
    if values["debit_account"] == values["credit_account"]:
        raise Refusal(422, "same_account", "Pay-from and payee account are the same")
    if values["payee_name"].strip() != found["credit_account"]:
        raise Refusal(422, "payee_mismatch", "Payee name does not match the account")
