"""The corebank console's records: a transfer as it shows one, its statement CSV, and the copy kept."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from teller import ConsoleError, mask_account, mask_text
from teller.excel import write_csv

__all__ = [
    "STATEMENT_COLUMNS",
    "Transfer",
    "keep_statement",
    "parse_statement",
    "statement_name",
]

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
_ACCOUNT_COLUMNS = {"debit_account", "credit_account"}


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


def parse_statement(data: bytes, *, console: str) -> list[Transfer]:
    """Read a statement CSV the console exported; a header or row it cannot read is a ConsoleError."""
    try:
        return [Transfer.from_texts(row) for row in _rows(data, console)]
    except (ValueError, InvalidOperation) as exc:
        raise ConsoleError(console, "statement", f"unreadable CSV row: {exc}") from None


def statement_name(account: str, day: date) -> str:
    """The file name of an account's statement of ``day``: the account's last four only."""
    return f"statement-{mask_account(account).replace('*', 'x')}-{day.isoformat()}.csv"


def keep_statement(path: Path, data: bytes, *, console: str) -> Path:
    """Write the copy of a statement Teller keeps: numbers masked, no cell a formula.

    The reconciliation reads the console's export in memory; the copy beside the report
    shows what it was made from, as the report does: accounts to their last four, long
    numbers in the free text masked, and every cell neutralised against CSV injection.
    """
    kept = [
        [
            mask_account(row[c]) if c in _ACCOUNT_COLUMNS else mask_text(row[c] or "")
            for c in STATEMENT_COLUMNS
        ]
        for row in _rows(data, console)
    ]
    return write_csv(path, STATEMENT_COLUMNS, kept)


def _rows(data: bytes, console: str) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConsoleError(console, "statement", "a CSV that is not UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != STATEMENT_COLUMNS:
        detail = f"unexpected CSV header {reader.fieldnames}"
        raise ConsoleError(console, "statement", detail)
    return list(reader)
