"""The servicedesk console's records: a queue row and a ticket, read from the console's texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["QUEUE_COLUMNS", "TICKET_FIELDS", "QueueRow", "Ticket", "code_of", "parse_time"]

QUEUE_COLUMNS = (
    "ticket_id",
    "kind",
    "reported_at",
    "channel",
    "customer_name",
    "status",
    "assignee",
)
TICKET_FIELDS = (
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
    "hand_over_reason",
)
# The console shows kinds and channels by their Chinese labels; the bot speaks in codes.
_CODES = {
    "kind": {"掛失": "loss", "解掛": "unfreeze"},
    "channel": {"電話": "phone", "網點": "branch", "手機銀行": "app", "網銀": "web"},
}
_TIME = "%Y-%m-%d %H:%M:%S"


def code_of(what: str, label: str) -> str:
    """The code of a kind or channel label (``電話`` -> ``phone``); ValueError if unknown."""
    try:
        return _CODES[what][label.strip()]
    except KeyError:
        raise ValueError(f"unknown {what} {label!r}") from None


def parse_time(text: str) -> datetime:
    """A console time ``YYYY-MM-DD HH:MM:SS`` (Asia/Shanghai) as a naive datetime."""
    return datetime.strptime(text.strip(), _TIME)


def _yes_no(text: str) -> bool:
    """``是 Yes`` / ``否 No`` as a bool; ValueError for anything else."""
    answer = {"是": True, "否": False}.get(text.strip()[:1])
    if answer is None:
        raise ValueError(f"neither yes nor no: {text!r}")
    return answer


def _optional(text: str) -> str | None:
    return text.strip() or None


@dataclass(frozen=True)
class QueueRow:
    """One row of the queue list (the list shows the ID number masked, so it is not kept)."""

    ticket_id: str
    kind: str
    reported_at: datetime
    channel: str  # code: phone / branch / app / web
    customer_name: str
    status: str
    assignee: str | None

    @classmethod
    def from_texts(cls, cells: dict[str, str]) -> QueueRow:
        return cls(
            ticket_id=cells["ticket_id"].strip(),
            kind=code_of("kind", cells["kind"]),
            reported_at=parse_time(cells["reported_at"]),
            channel=code_of("channel", cells["channel"]),
            customer_name=cells["customer_name"].strip(),
            status=cells["status"].strip(),
            assignee=_optional(cells["assignee"]),
        )


@dataclass(frozen=True)
class Ticket:
    """A ticket as its detail page shows it; ``repr`` leaves out the ID and card numbers."""

    ticket_id: str
    kind: str
    reported_at: datetime
    channel: str
    customer_name: str
    id_number: str = field(repr=False)
    card_no: str = field(repr=False)
    freeze_account: bool
    replacement: bool
    status: str
    assignee: str | None
    close_reference: str | None
    closed_at: datetime | None
    hand_over_reason: str | None

    @classmethod
    def from_texts(cls, cells: dict[str, str]) -> Ticket:
        closed_at = cells["closed_at"].strip()
        return cls(
            ticket_id=cells["ticket_id"].strip(),
            kind=code_of("kind", cells["kind"]),
            reported_at=parse_time(cells["reported_at"]),
            channel=code_of("channel", cells["channel"]),
            customer_name=cells["customer_name"].strip(),
            id_number=cells["id_number"].strip(),
            card_no=cells["card_no"].strip(),
            freeze_account=_yes_no(cells["freeze_account"]),
            replacement=_yes_no(cells["replacement"]),
            status=cells["status"].strip(),
            assignee=_optional(cells["assignee"]),
            close_reference=_optional(cells["close_reference"]),
            closed_at=parse_time(closed_at) if closed_at else None,
            hand_over_reason=_optional(cells["hand_over_reason"]),
        )
