"""A payroll workbook in the layout :func:`teller.payroll.load_payroll` reads: the file a
payroll clerk fills in, an example for a new project (``teller init``), a test's input.

Sheet "Batch": labels in column A, values in B (batch ID, pay date, debit account, line
count, control total). Sheet "Payroll": one line per row under the headers. Account
numbers are stored as text, so that a clerk's edit keeps their leading zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

__all__ = ["BATCH_HEADERS", "LINE_HEADERS", "PayLine", "write_payroll"]

MONEY_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
BATCH_HEADERS = ("Batch ID", "Pay Date", "Debit Account", "Line Count", "Control Total")
LINE_HEADERS = ("Employee ID", "Name", "Account No", "Amount", "Memo")
WIDTHS = (12, 10, 24, 14, 24)  # of the Payroll columns, in characters


@dataclass(frozen=True)
class PayLine:
    """One payroll line: who, to which account, how much, and the memo."""

    employee_id: str
    name: str
    account_no: str
    amount: Decimal
    memo: str


def write_payroll(
    path: Path, *, batch_id: str, pay_date: date, debit_account: str, lines: Sequence[PayLine]
) -> Path:
    """Write the workbook (.xlsx); its line count and control total are the lines'."""
    total = sum((line.amount for line in lines), Decimal("0"))
    fields = (batch_id, pay_date, debit_account, len(lines), total)
    book = Workbook()
    bold = Font(bold=True)
    batch = book.active
    assert batch is not None  # a new Workbook always has one sheet
    batch.title = "Batch"
    formats = (None, DATE_FORMAT, TEXT_FORMAT, None, MONEY_FORMAT)
    for number, (label, value, fmt) in enumerate(
        zip(BATCH_HEADERS, fields, formats, strict=True), start=1
    ):
        batch.cell(number, 1, label).font = bold
        cell = batch.cell(number, 2, value)
        if fmt:
            cell.number_format = fmt
    batch.column_dimensions["A"].width = 16
    batch.column_dimensions["B"].width = 24

    table = book.create_sheet("Payroll")
    table.append(LINE_HEADERS)
    for cell in table[1]:
        cell.font = bold
    for number, line in enumerate(lines, start=2):
        table.append([line.employee_id, line.name, line.account_no, line.amount, line.memo])
        table.cell(number, 3).number_format = TEXT_FORMAT
        table.cell(number, 4).number_format = MONEY_FORMAT
    for letter, width in zip("ABCDE", WIDTHS, strict=True):
        table.column_dimensions[letter].width = width
    table.freeze_panes = "A2"
    book.save(path)
    return Path(path)
