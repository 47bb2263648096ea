"""A console's statement file, read as its map says, and the masked copy Teller keeps.

The map names the file's encoding, the first header of its table (lines before it, a
preamble of bank name and period, are skipped), each transfer field's column, how times
are written, and whether amounts are one column or a debit and a credit column. Only the
account's payments (its debits) are postings the reconciliation weighs; money in is left.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from teller._errors import ConsoleError
from teller._masking import mask_account, mask_text
from teller.consolemap._model import StatementFile
from teller.excel import write_csv
from teller.payments import Posted

__all__ = [
    "POSTED_COLUMNS",
    "keep_statement",
    "parse_statement",
    "posted_from_texts",
    "statement_name",
]

POSTED_COLUMNS = (
    "txn_no",
    "posted_at",
    "reference",
    "debit_account",
    "credit_account",
    "payee_name",
    "amount",
    "memo",
)
_ACCOUNTS = {"debit_account", "credit_account"}


def posted_from_texts(
    values: dict[str, str], *, console: str, time_format: str | None = None
) -> Posted:
    """A transfer from the console's texts (inquiry cells, statement fields)."""
    try:
        stamp = values["posted_at"].strip()
        posted_at = (
            datetime.strptime(stamp, time_format) if time_format else datetime.fromisoformat(stamp)
        )
        return Posted(
            txn_no=values["txn_no"].strip(),
            posted_at=posted_at.replace(tzinfo=None),
            reference=values["reference"].strip(),
            debit_account=values.get("debit_account", "").strip(),
            credit_account=values["credit_account"].strip(),
            payee_name=values["payee_name"].strip(),
            amount=Decimal(values["amount"].replace(",", "").strip()),
            memo=values.get("memo", "").strip(),
        )
    except KeyError as exc:
        raise ConsoleError(console, "record", f"no {exc.args[0]} in what it shows") from None
    except (ValueError, InvalidOperation) as exc:
        raise ConsoleError(console, "record", f"unreadable value: {exc}") from None


def parse_statement(
    data: bytes, file: StatementFile, *, account: str, console: str
) -> list[Posted]:
    """The account's payments in a statement export; an unreadable file is a ConsoleError."""
    try:
        text = data.decode(file.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ConsoleError(console, "statement", f"a file that is not {file.encoding}") from None
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if _first_cell(line) == file.header.strip()), None
    )
    if start is None:
        raise ConsoleError(console, "statement", f"no header {file.header!r} in the file")
    reader = csv.DictReader(io.StringIO("\n".join(lines[start:]), newline=""))
    header = [h.strip() for h in reader.fieldnames or ()]
    missing = [c for c in file.columns.values() if c not in header]
    if missing:
        raise ConsoleError(console, "statement", f"columns {missing} not in the header {header}")
    found: list[Posted] = []
    for row in reader:
        cells = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        values = {field: cells[column] for field, column in file.columns.items()}
        if not any(values.values()):
            continue  # a blank line at the end
        if "debit" in values:
            if not values["debit"]:
                continue  # money in: not a payment of this account
            values["amount"] = values["debit"]
        if file.debit_account == "account":
            values["debit_account"] = account
        found.append(posted_from_texts(values, console=console, time_format=file.time_format))
    return found


def _first_cell(line: str) -> str:
    return next(csv.reader([line]), [""])[0].strip() if line.strip() else ""


def statement_name(account: str, day: date) -> str:
    """The file name of an account's statement of ``day``: the account's last four only."""
    return f"statement-{mask_account(account).replace('*', 'x')}-{day.isoformat()}.csv"


def keep_statement(path: Path, transfers: list[Posted]) -> Path:
    """Write the copy Teller keeps beside the report: the postings as read, accounts to
    their last four, long numbers in free text masked, no cell a formula."""
    rows = [_kept(t) for t in transfers]
    return write_csv(path, POSTED_COLUMNS, rows)


def _kept(transfer: Posted) -> list[str]:
    cells = []
    for column in POSTED_COLUMNS:
        value = getattr(transfer, column)
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        cells.append(mask_account(text) if column in _ACCOUNTS else mask_text(text))
    return cells
