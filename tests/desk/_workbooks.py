"""Payroll workbooks for the Submit page's tests: a good one, and one with two errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from flows.payroll import PayrollFlow

# the two errors of ``bad_book``, as the page locates them: (sheet, row, column)
BAD_AT = {("Payroll", "3", "Account No"), ("Batch", "5", "B")}


def good_book(path: Path, *, console_url: str | None = None, seed: int = 3, **more: int) -> Path:
    """A valid payroll workbook of 4 lines (its accounts opened on the console, if given)."""
    PayrollFlow().sample(path, lines=4, console_url=console_url, seed=seed, **more)
    return path


def bad_book(path: Path, *, seed: int = 3) -> Path:
    """A workbook with a malformed account number (Payroll row 3) and a control total one
    yuan off (Batch B5)."""
    good_book(path, seed=seed)
    book = openpyxl.load_workbook(path)
    book["Payroll"]["C3"] = "62220212345678901X"
    book["Batch"]["B5"] = Decimal(str(book["Batch"]["B5"].value)) + 1
    book.save(path)
    return path
