"""The corebank console's records: a transfer as it shows one, and its statement CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from teller import ConsoleError

__all__ = ["STATEMENT_COLUMNS", "Transfer", "parse_statement"]

STATEMENT_COLUMNS = (
    "txn_no",
    "posted_at",
    "reference",
    "debit_account",
    "credit_account",
    "payee_name",
    "amount",
    "memo",
)


@dataclass(frozen=True)
class Transfer:
    """One transfer as the console records it."""

    txn_no: str
    posted_at: datetime
    reference: str
    debit_account: str
    credit_account: str
    payee_name: str
    amount: Decimal
    memo: str

    @classmethod
    def from_texts(cls, values: dict[str, str]) -> Transfer:
        """Build from the console's texts (inquiry cells or statement CSV fields)."""
        return cls(
            txn_no=values["txn_no"],
            posted_at=datetime.fromisoformat(values["posted_at"]),
            reference=values["reference"],
            debit_account=values["debit_account"],
            credit_account=values["credit_account"],
            payee_name=values["payee_name"],
            amount=Decimal(values["amount"].replace(",", "")),
            memo=values["memo"],
        )


def parse_statement(path: Path, *, console: str) -> list[Transfer]:
    """Read a statement CSV the console exported; a header or row it cannot read is a ConsoleError."""
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        if tuple(reader.fieldnames or ()) != STATEMENT_COLUMNS:
            detail = f"unexpected CSV header {reader.fieldnames}"
            raise ConsoleError(console, "statement", detail)
        try:
            return [Transfer.from_texts(row) for row in reader]
        except (ValueError, InvalidOperation) as exc:
            raise ConsoleError(console, "statement", f"unreadable CSV row: {exc}") from None
