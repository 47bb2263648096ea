"""The customer database: one SQLite file (WAL) with customers, their accounts and cards.

The console only reads it; the admin endpoint upserts seed data in one transaction, so
a bad batch writes nothing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from consoles._shared._sqlite import SqliteFile

__all__ = ["AccountRow", "CardRow", "CustomerRow", "Database", "SeedError", "now"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    customer_no TEXT PRIMARY KEY,
    id_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS accounts (
    account_no TEXT PRIMARY KEY,
    customer_no TEXT NOT NULL,
    opened TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
);
CREATE INDEX IF NOT EXISTS accounts_customer ON accounts (customer_no);
CREATE TABLE IF NOT EXISTS cards (
    card_no TEXT PRIMARY KEY,
    account_no TEXT NOT NULL,
    customer_no TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
);
CREATE INDEX IF NOT EXISTS cards_customer ON cards (customer_no);
"""

_STATUS = re.compile(r"^[a-z_]+$")
_TIME = "%Y-%m-%d %H:%M:%S"


def now() -> str:
    """The console's local time (Asia/Shanghai), as it stores and shows it."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime(_TIME)


class SeedError(ValueError):
    """Seed data the console refuses; nothing of the batch was written."""


@dataclass(frozen=True)
class CustomerRow:
    customer_no: str
    id_number: str
    name: str
    phone: str


@dataclass(frozen=True)
class AccountRow:
    account_no: str
    opened: str
    status: str


@dataclass(frozen=True)
class CardRow:
    card_no: str
    account_no: str
    status: str


class Database(SqliteFile):
    """The console's SQLite file; one short-lived connection per call, safe across threads."""

    schema = _SCHEMA

    # -- reading -----------------------------------------------------------------

    def search(self, id_number: str) -> list[CustomerRow]:
        """The customers with exactly this ID number (at most one: it is unique)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT customer_no, id_number, name, phone FROM customers WHERE id_number = ?",
                (id_number.strip().upper(),),
            ).fetchall()
        return [CustomerRow(*row) for row in rows]

    def customer(self, customer_no: str) -> CustomerRow | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT customer_no, id_number, name, phone FROM customers WHERE customer_no = ?",
                (customer_no,),
            ).fetchone()
        return CustomerRow(*row) if row else None

    def accounts(self, customer_no: str) -> list[AccountRow]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT account_no, opened, status FROM accounts WHERE customer_no = ?"
                " ORDER BY opened, account_no",
                (customer_no,),
            ).fetchall()
        return [AccountRow(*row) for row in rows]

    def cards(self, customer_no: str) -> list[CardRow]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT card_no, account_no, status FROM cards WHERE customer_no = ?"
                " ORDER BY card_no",
                (customer_no,),
            ).fetchall()
        return [CardRow(*row) for row in rows]

    # -- seeding -------------------------------------------------------------------

    def upsert(self, customers: list[Mapping[str, Any]]) -> int:
        """Insert or update customers with their accounts and cards, all or nothing."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                for customer in customers:
                    self._upsert_one(db, customer)
            except sqlite3.IntegrityError as exc:
                db.execute("ROLLBACK")
                raise SeedError(f"conflicting customer: {exc}") from None
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return len(customers)

    def _upsert_one(self, db: sqlite3.Connection, customer: Mapping[str, Any]) -> None:
        if not isinstance(customer, Mapping):
            raise SeedError("each customer must be an object")
        customer_no = _text(customer, "customer_no")
        db.execute(
            "INSERT INTO customers (customer_no, id_number, name, phone) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (customer_no) DO UPDATE SET id_number = excluded.id_number,"
            " name = excluded.name, phone = excluded.phone",
            (
                customer_no,
                _text(customer, "id_number").upper(),
                _text(customer, "name"),
                _text(customer, "phone", required=False),
            ),
        )
        for account in _objects(customer, "accounts"):
            opened = _opened(account)  # None: now for a new account, kept for a known one
            db.execute(
                "INSERT INTO accounts (account_no, customer_no, opened, status) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account_no) DO UPDATE SET customer_no = excluded.customer_no,"
                " status = excluded.status, opened = COALESCE(?, accounts.opened)",
                (
                    _text(account, "account_no"),
                    customer_no,
                    opened or now(),
                    _status(account),
                    opened,
                ),
            )
        for card in _objects(customer, "cards"):
            db.execute(
                "INSERT INTO cards (card_no, account_no, customer_no, status) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (card_no) DO UPDATE SET account_no = excluded.account_no,"
                " customer_no = excluded.customer_no, status = excluded.status",
                (_text(card, "card_no"), _text(card, "account_no"), customer_no, _status(card)),
            )


def _text(item: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = item.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise SeedError(f"{key!r} must be a non-empty string")
    return value.strip()


def _objects(item: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise SeedError(f"{key!r} must be a list of objects")
    return value


def _opened(item: Mapping[str, Any]) -> str | None:
    opened = _text(item, "opened", required=False)
    if not opened:
        return None
    try:
        datetime.strptime(opened, _TIME)
    except ValueError:
        raise SeedError(f"'opened' must be 'YYYY-MM-DD HH:MM:SS', got {opened!r}") from None
    return opened


def _status(item: Mapping[str, Any]) -> str:
    status = item.get("status", "active")
    if not isinstance(status, str) or not _STATUS.match(status):
        raise SeedError(f"'status' must be a lowercase code like 'active', got {status!r}")
    return status
