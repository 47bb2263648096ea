"""The ticket store: one SQLite file (WAL) with the loss-report tickets and their comments.

Every change is checked and written inside one ``BEGIN IMMEDIATE`` transaction, so two
agents can never both claim a ticket, nor close it twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from consoles._shared._sqlite import SqliteFile

__all__ = [
    "CHANNELS",
    "HUMAN_QUEUE",
    "KINDS",
    "STATUSES",
    "TICKET_COLUMNS",
    "Desk",
    "Refusal",
    "now",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('loss', 'unfreeze')),
    reported_at TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'branch', 'app', 'web')),
    customer_name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    card_no TEXT NOT NULL,
    freeze_account INTEGER NOT NULL DEFAULT 0,
    replacement INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'claimed', 'handed_over', 'closed')),
    assignee TEXT,
    close_reference TEXT,
    closed_at TEXT,
    closed_by TEXT,
    handed_over_at TEXT,
    hand_over_reason TEXT
);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status, reported_at);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES tickets (ticket_id),
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL
);
"""

TICKET_COLUMNS = (
    "ticket_id",
    "kind",
    "reported_at",
    "channel",
    "customer_name",
    "id_number",
    "card_no",
    "freeze_account",
    "replacement",
    "status",
    "assignee",
    "close_reference",
    "closed_at",
    "closed_by",
    "handed_over_at",
    "hand_over_reason",
)
KINDS = {"loss": "掛失", "unfreeze": "解掛"}
CHANNELS = {"phone": "電話", "branch": "網點", "app": "手機銀行", "web": "網銀"}
STATUSES = ("new", "claimed", "handed_over", "closed")
HUMAN_QUEUE = "人工隊列"
_TIME = "%Y-%m-%d %H:%M:%S"
_SELECT = f"SELECT {', '.join(TICKET_COLUMNS)} FROM tickets"


def now() -> str:
    """The console's local time, Asia/Shanghai, as it stores and shows it."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime(_TIME)


class Refusal(Exception):
    """The console refuses an operation; the message is what the agent sees."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class Desk(SqliteFile):
    """All access to the console's SQLite file goes through here."""

    schema = _SCHEMA
    rows_by_name = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- reading ---------------------------------------------------------------

    def queue(self, *, status: str, page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
        """One page of tickets (``status`` or ``all``), oldest report first; and the total."""
        where, params = ("", ()) if status == "all" else (" WHERE status = ?", (status,))
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM tickets{where}", params).fetchone()[0]
            rows = db.execute(
                f"{_SELECT}{where} ORDER BY reported_at, ticket_id LIMIT ? OFFSET ?",
                (*params, per_page, (page - 1) * per_page),
            ).fetchall()
        return [dict(row) for row in rows], total

    def ticket(self, ticket_id: str) -> dict[str, Any] | None:
        """Every field of one ticket and its comments (oldest first); None if unknown."""
        with self._connect() as db:
            return self._ticket(db, ticket_id)

    def all_tickets(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            ids = [r[0] for r in db.execute("SELECT ticket_id FROM tickets ORDER BY ticket_id")]
            return [t for t in (self._ticket(db, i) for i in ids) if t is not None]

    @staticmethod
    def _ticket(db: sqlite3.Connection, ticket_id: str) -> dict[str, Any] | None:
        row = db.execute(f"{_SELECT} WHERE ticket_id = ?", (ticket_id,)).fetchone()
        if row is None:
            return None
        ticket = dict(row)
        ticket["comments"] = [
            dict(c)
            for c in db.execute(
                "SELECT id, at, author, text FROM comments WHERE ticket_id = ? ORDER BY id",
                (ticket_id,),
            )
        ]
        return ticket

    # -- seeding ---------------------------------------------------------------

    def add_tickets(self, tickets: list[Mapping[str, Any]]) -> int:
        """Insert tickets (admin seeding), all or none; ValueError names a bad one."""
        with self._write() as db:
            for ticket in tickets:
                row = _seed_row(ticket)
                if row["ticket_id"] is None:
                    day = str(row["reported_at"])[:10].replace("-", "")
                    count = db.execute(
                        "SELECT COUNT(*) FROM tickets WHERE ticket_id LIKE ?", (f"LR-{day}-%",)
                    ).fetchone()[0]
                    row["ticket_id"] = f"LR-{day}-{count + 1:04d}"
                try:
                    db.execute(
                        f"INSERT INTO tickets ({', '.join(row)}) "
                        f"VALUES ({', '.join('?' * len(row))})",
                        tuple(row.values()),
                    )
                except sqlite3.IntegrityError as exc:
                    raise ValueError(f"ticket {row['ticket_id']}: {exc}") from None
        return len(tickets)

    # -- what an agent does ------------------------------------------------------

    def claim(self, ticket_id: str, user: str) -> str:
        with self._write() as db:
            ticket = self._existing(db, ticket_id)
            status, assignee = ticket["status"], ticket["assignee"]
            if status == "claimed" and assignee == user:
                return "已由您認領 Already claimed by you"
            if status == "claimed":
                raise Refusal(f"已被他人認領 Already claimed by {assignee}")
            if status != "new":
                raise Refusal(_settled(ticket) + ", 不能認領 cannot claim")
            db.execute(
                "UPDATE tickets SET status = 'claimed', assignee = ? WHERE ticket_id = ?",
                (user, ticket_id),
            )
        return "認領成功 Ticket claimed"

    def comment(self, ticket_id: str, user: str, text: str) -> str:
        if not text.strip():
            raise Refusal("備注為空 Comment is empty")
        with self._write() as db:
            self._existing(db, ticket_id)
            self._add_comment(db, ticket_id, user, text.strip())
        return "備注已添加 Comment added"

    def hand_over(self, ticket_id: str, user: str, reason: str) -> str:
        with self._write() as db:
            ticket = self._existing(db, ticket_id)
            if ticket["status"] == "handed_over":
                return "已轉人工 Already handed over"
            if ticket["status"] == "closed":
                raise Refusal(_settled(ticket) + ", 不能轉人工 cannot hand over")
            if not reason.strip():
                raise Refusal("請填寫原因 Reason required")
            db.execute(
                "UPDATE tickets SET status = 'handed_over', assignee = ?, handed_over_at = ?, "
                "hand_over_reason = ? WHERE ticket_id = ?",
                (HUMAN_QUEUE, now(), reason.strip(), ticket_id),
            )
        return "已轉人工 Handed over"

    def close(self, ticket_id: str, user: str, reference: str, note: str) -> str:
        with self._write() as db:
            ticket = self._existing(db, ticket_id)
            if ticket["status"] == "closed":
                raise Refusal(_settled(ticket))
            if not reference.strip():
                raise Refusal("請填寫參考號 Reference required")
            if ticket["status"] == "new":
                raise Refusal("請先認領 Claim the ticket first")
            if ticket["status"] == "handed_over":
                raise Refusal(_settled(ticket) + ", 不能結單 cannot close")
            if ticket["assignee"] != user:
                raise Refusal(f"工單由他人處理 Ticket is assigned to {ticket['assignee']}")
            db.execute(
                "UPDATE tickets SET status = 'closed', close_reference = ?, closed_at = ?, "
                "closed_by = ? WHERE ticket_id = ?",
                (reference.strip(), now(), user, ticket_id),
            )
            if note.strip():
                self._add_comment(db, ticket_id, user, note.strip())
        return "結單成功 Ticket closed"

    @staticmethod
    def _existing(db: sqlite3.Connection, ticket_id: str) -> sqlite3.Row:
        row = db.execute(f"{_SELECT} WHERE ticket_id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise Refusal("無此工單 No such ticket")
        return row

    @staticmethod
    def _add_comment(db: sqlite3.Connection, ticket_id: str, user: str, text: str) -> None:
        db.execute(
            "INSERT INTO comments (ticket_id, at, author, text) VALUES (?, ?, ?, ?)",
            (ticket_id, now(), user, text),
        )


def _settled(ticket: sqlite3.Row) -> str:
    """Why a closed or handed-over ticket is out of reach, in the console's words."""
    if ticket["status"] == "closed":
        return f"已結單 already closed (reference {ticket['close_reference']})"
    return "已轉人工 already handed over"


def _seed_row(ticket: Mapping[str, Any]) -> dict[str, Any]:
    """A checked ``tickets`` row from an admin seed; ValueError names what is wrong."""
    unknown = set(ticket) - set(TICKET_COLUMNS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    for field in ("kind", "channel", "customer_name", "id_number", "card_no"):
        if not isinstance(ticket.get(field), str) or not ticket[field]:
            raise ValueError(f"{field!r} is required (a non-empty string)")
    row: dict[str, Any] = {c: ticket.get(c) for c in TICKET_COLUMNS}
    row["reported_at"] = row["reported_at"] or now()
    row["status"] = row["status"] or "new"
    if row["kind"] not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}")
    if row["channel"] not in CHANNELS:
        raise ValueError(f"channel must be one of {sorted(CHANNELS)}")
    if row["status"] not in STATUSES:
        raise ValueError(f"status must be one of {list(STATUSES)}")
    if len(row["id_number"]) != 18:
        raise ValueError("id_number must be 18 characters")
    try:
        datetime.strptime(str(row["reported_at"]), _TIME)
    except ValueError:
        raise ValueError("reported_at must be YYYY-MM-DD HH:MM:SS") from None
    if row["status"] == "claimed" and not row["assignee"]:
        raise ValueError("a claimed ticket needs an assignee")
    if row["status"] == "handed_over":
        row["assignee"] = row["assignee"] or HUMAN_QUEUE
        row["handed_over_at"] = row["handed_over_at"] or row["reported_at"]
    if row["status"] == "closed":
        if not row["close_reference"]:
            raise ValueError("a closed ticket needs a close_reference")
        row["closed_at"] = row["closed_at"] or now()
    row["freeze_account"] = int(bool(row["freeze_account"]))
    row["replacement"] = int(bool(row["replacement"]))
    return row
