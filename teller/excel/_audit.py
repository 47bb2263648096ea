"""The reconciliation workbook's sheet "Audit": the run's audit trail, one row per entry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from teller import mask_text
from teller.excel._tables import Column, Field
from teller.integrity import ChainHead

__all__ = ["AUDIT_COLUMNS", "AUDIT_SHEET", "AuditLine", "audit_rows", "head_fields"]

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


def head_fields(head: ChainHead | None) -> list[Field]:
    """The Summary's lines for the audit chain's head the report saw (also in its manifest):
    ``teller audit verify --report`` checks the chain still holds that record, unchanged."""
    if head is None:
        return []
    return [Field("Audit head seen (record)", head.seq, "int"), Field("Audit head MAC", head.mac)]
