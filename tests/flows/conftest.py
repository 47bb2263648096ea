"""Fixtures for the flow tests: payroll workbooks written from a small Python description."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar

import pytest
import xlwt
from openpyxl import Workbook

# A workbook described as {sheet name: rows}, each row a list of cell values.
Sheets = dict[str, list[list[Any]]]

FIELDS = ("Batch ID", "Pay Date", "Debit Account", "Line Count", "Control Total")
HEADERS = ["Employee ID", "Name", "Account No", "Amount", "Memo"]
DEBIT_ACCOUNT = "6222020200998877665"
GOOD_LINES: list[list[Any]] = [
    ["E00001", "张伟", "6222020200112233445", Decimal("12500.00"), "2026-11 工资 Salary"],
    ["E00002", "王芳", "6217000010002000300", 8300.5, ""],
    ["E00003", "李娜", "6225880112345678", "1,234.56", None],
]


def write_book(path: Path, sheets: Sheets) -> Path:
    """Write ``sheets`` as .xlsx (openpyxl) or legacy .xls (xlwt), by the file's suffix."""
    if path.suffix.lower() == ".xls":
        _write_xls(path, sheets)
    else:
        book = Workbook()
        book.remove(book.worksheets[0])
        for name, rows in sheets.items():
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
        book.save(path)
    return path


def _write_xls(path: Path, sheets: Sheets) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    # Without a date format, xlrd (like Excel) sees a date cell as a plain number.
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date | datetime):
                    sheet.write(r, c, value, day)
                else:
                    sheet.write(r, c, value)
    book.save(str(path))


def _total(lines: Sequence[Sequence[Any]], column: int) -> Decimal:
    """The control total a careful clerk would write: the sum of the readable amounts."""
    total = Decimal("0.00")
    for line in lines:
        value = line[column] if column < len(line) else None
        try:
            total += Decimal(str(value).replace(",", "")) if value is not None else 0
        except InvalidOperation:
            pass
    return total


@dataclass
class PayrollBook:
    """Writes payroll workbooks into one folder: good ones by default, broken on request."""

    folder: Path
    # What a good workbook holds, for the tests to compare with and to start from.
    good_lines: ClassVar[list[list[Any]]] = GOOD_LINES
    headers: ClassVar[list[str]] = HEADERS
    debit_account: ClassVar[str] = DEBIT_ACCOUNT

    def sheets(
        self,
        *,
        lines: Sequence[Sequence[Any]] | None = None,
        batch: Mapping[str, Any] | None = None,
        drop: Sequence[str] = (),
        labels: Mapping[str, str] | None = None,
        headers: Sequence[str] | None = None,
        names: tuple[str, str] = ("Batch", "Payroll"),
    ) -> Sheets:
        """Describe a workbook: ``batch`` overrides fields, ``drop`` leaves fields out,
        ``labels`` renames fields in column A, ``headers`` replaces the Payroll header row."""
        lines = GOOD_LINES if lines is None else lines
        headers = list(HEADERS if headers is None else headers)
        values: dict[str, Any] = {
            "Batch ID": "PAY-20261125-01",
            "Pay Date": date(2026, 11, 25),
            "Debit Account": DEBIT_ACCOUNT,
            "Line Count": len(lines),
            "Control Total": _total(lines, 3),
        }
        values.update(batch or {})
        labels = labels or {}
        batch_rows = [[labels.get(f, f), values[f]] for f in FIELDS if f not in drop]
        return {names[0]: batch_rows, names[1]: [headers, *[list(line) for line in lines]]}

    def write(self, name: str = "payroll.xlsx", **description: Any) -> Path:
        """Write a workbook described as for :meth:`sheets`; return its path."""
        return write_book(self.folder / name, self.sheets(**description))

    def write_sheets(self, sheets: Sheets, name: str = "payroll.xlsx") -> Path:
        """Write a workbook from a raw description, for shapes :meth:`sheets` cannot make."""
        return write_book(self.folder / name, sheets)


@pytest.fixture
def payroll_book(tmp_path: Path) -> PayrollBook:
    """Writes payroll workbooks (.xlsx or .xls) into a temporary folder."""
    return PayrollBook(tmp_path)
