"""The reconciliation workbook's sheet "Audit": the run's audit trail, one row per entry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from teller import mask_text
from teller.excel import Column

__all__ = ["AUDIT_COLUMNS", "AUDIT_SHEET", "AuditLine", "audit_rows"]

AUDIT_SHEET = "Audit"

AUDIT_COLUMNS = (
    Column("Seq", "int"),
    Column("At (UTC)", "datetime"),
    Column("Actor"),
    Column("Item"),
    Column("What"),
    Column("Detail", width=60),
    Column("Hash", width=66),
)


@dataclass(frozen=True)
class AuditLine:
    """One entry of the run's tamper-evident audit trail; a naive ``at`` is taken to be UTC."""

    seq: int
    at: datetime
    actor: str
    item_key: str
    what: str
    detail: str
    hash: str  # the entry's link in the hash chain, hex


def audit_rows(audit: Sequence[AuditLine]) -> Iterator[tuple[object, ...]]:
    """The rows of sheet "Audit", in the trail's order."""
    for entry in audit:
        # Only the free text is masked: the hash is hex, and masking its digits would break it.
        yield (
            entry.seq,
            entry.at,
            entry.actor,
            entry.item_key,
            entry.what,
            mask_text(entry.detail),
            entry.hash,
        )
