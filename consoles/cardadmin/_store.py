"""The cardadmin database: cards, accounts, the action log and the operator, in one SQLite file.

Every effect (freeze a card, freeze an account, order a replacement, unfreeze a card)
checks the current state, changes it and writes its one ``actions`` row inside a single
``BEGIN IMMEDIATE`` transaction: two sessions racing on one card cannot both succeed, and
a second attempt is refused with the reference of the first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.security import check_password_hash, generate_password_hash

from consoles._shared._sqlite import SqliteFile

__all__ = [
    "CARD_STATUSES",
    "KINDS",
    "MAX_MEMO",
    "REASONS",
    "Action",
    "Refusal",
    "Store",
    "now_text",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    card_no TEXT PRIMARY KEY,
    account_no TEXT NOT NULL,
    holder TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen_lost', 'closed'))
);
CREATE TABLE IF NOT EXISTS accounts (
    account_no TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen'))
);
CREATE TABLE IF NOT EXISTS actions (
    ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    reason_code TEXT,
    memo TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_target ON actions (target, kind);
CREATE INDEX IF NOT EXISTS actions_memo ON actions (memo);
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL);
"""

CARD_STATUSES = {"active": "正常", "frozen_lost": "掛失凍結", "closed": "銷卡"}
ACCOUNT_STATUSES = {"active": "正常", "frozen": "凍結"}
REASONS = {"01": "遺失 Lost", "02": "被盜 Stolen", "03": "其他 Other"}
# kind -> (reference prefix, Chinese label shown on the screens)
KINDS = {
    "freeze_card": ("FRZ", "掛失凍結"),
    "freeze_account": ("FRA", "凍結賬戶"),
    "replace_card": ("RPL", "補卡"),
    "unfreeze_card": ("UFZ", "解除掛失"),
}
MAX_MEMO = 200
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_COLUMNS = "ref, kind, target, reason_code, memo, at, by"


def now_text() -> str:
    """The console's local time, Asia/Shanghai, to the second."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime(_TIME_FORMAT)


class Refusal(Exception):
    """The console refuses an operation; the message is what the operator sees."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Action:
    """One row of the action log."""

    ref: str
    kind: str
    target: str
    reason_code: str | None
    memo: str
    at: str
    by: str

    @property
    def label(self) -> str:
        return KINDS[self.kind][1]


class Store(SqliteFile):
    """All access to the console's SQLite file goes through here."""

    schema = _SCHEMA

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- the operator ---------------------------------------------------------

    def set_user(self, username: str, password: str) -> None:
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

    # -- reading ----------------------------------------------------------------

    def card(self, card_no: str) -> dict[str, Any] | None:
        """The card's row with its freeze in force and its replacement orders; None if unknown."""
        with self._connect() as db:
            row = db.execute(
                "SELECT card_no, account_no, holder, status FROM cards WHERE card_no = ?",
                (card_no,),
            ).fetchone()
            if row is None:
                return None
            card = dict(zip(("card_no", "account_no", "holder", "status"), row, strict=True))
            card["freeze"] = (
                _latest(db, "freeze_card", card_no) if card["status"] == "frozen_lost" else None
            )
            card["replacements"] = _actions(
                db, "WHERE kind = 'replace_card' AND target = ? ORDER BY rowid", (card_no,)
            )
        return card

    def account(self, account_no: str) -> dict[str, Any] | None:
        """The account's row with its freeze in force; None if unknown."""
        with self._connect() as db:
            row = db.execute(
                "SELECT account_no, holder, status FROM accounts WHERE account_no = ?",
                (account_no,),
            ).fetchone()
            if row is None:
                return None
            account = dict(zip(("account_no", "holder", "status"), row, strict=True))
            account["freeze"] = (
                _latest(db, "freeze_account", account_no) if account["status"] == "frozen" else None
            )
        return account

    def actions_by_memo(self, memo: str) -> list[Action]:
        with self._connect() as db:
            return _actions(db, "WHERE memo = ? ORDER BY rowid", (memo,))

    # -- effects ------------------------------------------------------------------

    def freeze_card(self, card_no: str, *, reason: str, memo: str, by: str) -> Action:
        if reason not in REASONS:
            raise Refusal("原因代碼無效 Invalid reason code")
        with self._transaction() as db:
            status = _card_status(db, card_no)
            if status == "frozen_lost":
                frozen = _latest(db, "freeze_card", card_no)
                raise Refusal(f"卡片已凍結 Card already frozen ({frozen.ref if frozen else '-'})")
            if status == "closed":
                raise Refusal("卡片已銷卡 Card closed")
            db.execute("UPDATE cards SET status = 'frozen_lost' WHERE card_no = ?", (card_no,))
            return _record(db, "freeze_card", card_no, reason, memo, by)

    def unfreeze_card(self, card_no: str, *, memo: str, by: str) -> Action:
        with self._transaction() as db:
            if _card_status(db, card_no) != "frozen_lost":
                raise Refusal("卡片未掛失 Card not frozen as lost")
            db.execute("UPDATE cards SET status = 'active' WHERE card_no = ?", (card_no,))
            return _record(db, "unfreeze_card", card_no, None, memo, by)

    def order_replacement(self, card_no: str, *, memo: str, by: str) -> Action:
        with self._transaction() as db:
            if _card_status(db, card_no) == "closed":
                raise Refusal("卡片已銷卡 Card closed")
            ordered = _latest(db, "replace_card", card_no)
            if ordered is not None:
                raise Refusal(f"已申請補卡 already ordered ({ordered.ref})")
            return _record(db, "replace_card", card_no, None, memo, by)

    def freeze_account(self, account_no: str, *, memo: str, by: str) -> Action:
        with self._transaction() as db:
            row = db.execute(
                "SELECT status FROM accounts WHERE account_no = ?", (account_no,)
            ).fetchone()
            if row is None:
                raise Refusal("無此賬戶 No such account")
            if row[0] == "frozen":
                frozen = _latest(db, "freeze_account", account_no)
                ref = frozen.ref if frozen else "-"
                raise Refusal(f"賬戶已凍結 Account already frozen ({ref})")
            db.execute("UPDATE accounts SET status = 'frozen' WHERE account_no = ?", (account_no,))
            return _record(db, "freeze_account", account_no, None, memo, by)

    # -- seeding ------------------------------------------------------------------

    def seed(self, cards: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> int:
        """Upsert cards and accounts (admin); a newly frozen one gets a ``seeded`` freeze action."""
        with self._transaction() as db:
            for account in accounts:
                account_no, status = str(account["account_no"]), account.get("status", "active")
                if status not in ACCOUNT_STATUSES:
                    raise ValueError(f"account status must be one of {list(ACCOUNT_STATUSES)}")
                before = db.execute(
                    "SELECT status FROM accounts WHERE account_no = ?", (account_no,)
                ).fetchone()
                db.execute(
                    "INSERT INTO accounts (account_no, holder, status) VALUES (?, ?, ?) "
                    "ON CONFLICT (account_no) DO UPDATE SET holder = excluded.holder, "
                    "status = excluded.status",
                    (account_no, str(account["holder"]), status),
                )
                at = _time(account.get("frozen_at"))
                if status == "frozen" and (before is None or before[0] != "frozen"):
                    _record(db, "freeze_account", account_no, None, "seeded", "admin", at=at)
            for card in cards:
                card_no, status = str(card["card_no"]), card.get("status", "active")
                if status not in CARD_STATUSES:
                    raise ValueError(f"card status must be one of {list(CARD_STATUSES)}")
                before = db.execute(
                    "SELECT status FROM cards WHERE card_no = ?", (card_no,)
                ).fetchone()
                db.execute(
                    "INSERT INTO cards (card_no, account_no, holder, status) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (card_no) DO UPDATE SET account_no = excluded.account_no, "
                    "holder = excluded.holder, status = excluded.status",
                    (card_no, str(card["account_no"]), str(card["holder"]), status),
                )
                at = _time(card.get("frozen_at"))
                if status == "frozen_lost" and (before is None or before[0] != "frozen_lost"):
                    _record(db, "freeze_card", card_no, None, "seeded", "admin", at=at)
        return len(cards) + len(accounts)


def _time(value: Any) -> str:
    if value is None:
        return now_text()
    text = str(value)
    if datetime.strptime(text, _TIME_FORMAT).strftime(_TIME_FORMAT) != text:
        raise ValueError(f"time must be YYYY-MM-DD HH:MM:SS, not {text!r}")
    return text


def _card_status(db: sqlite3.Connection, card_no: str) -> str:
    row = db.execute("SELECT status FROM cards WHERE card_no = ?", (card_no,)).fetchone()
    if row is None:
        raise Refusal("無此卡 No such card")
    return str(row[0])


def _actions(db: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[Action]:
    return [Action(*row) for row in db.execute(f"SELECT {_COLUMNS} FROM actions {where}", params)]


def _latest(db: sqlite3.Connection, kind: str, target: str) -> Action | None:
    found = _actions(
        db, "WHERE kind = ? AND target = ? ORDER BY rowid DESC LIMIT 1", (kind, target)
    )
    return found[0] if found else None


def _record(
    db: sqlite3.Connection,
    kind: str,
    target: str,
    reason: str | None,
    memo: str,
    by: str,
    *,
    at: str | None = None,
) -> Action:
    # Called under BEGIN IMMEDIATE: the write lock is held, so the count cannot race.
    prefix = KINDS[kind][0]
    count = db.execute("SELECT COUNT(*) FROM actions WHERE kind = ?", (kind,)).fetchone()[0]
    action = Action(f"{prefix}{count + 1:08d}", kind, target, reason, memo, at or now_text(), by)
    db.execute(f"INSERT INTO actions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", astuple(action))
    return action
