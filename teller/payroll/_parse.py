"""Parsing payroll workbook bytes (never a path) under row, cell and time caps.

``teller.payroll._files`` hands over the bytes it read and hashed; nothing here opens the
file again, so a file swapped after it was read cannot change what is paid. The caps are
checked as rows come: the rows and cells of a sheet, and a deadline (the parse time cap).
What openpyxl reads before the first row (the shared strings) is bounded by the unpacked
size cap checked before parsing starts.
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Iterable
from typing import Any

from teller.payroll._cells import Rows, fold

__all__ = ["OverCap", "read_xls", "read_xlsx"]


class OverCap(Exception):
    """A sheet has more rows or cells than the caps allow, or the parse ran out of time."""

    def __init__(self, sheet: str, what: str) -> None:
        super().__init__(sheet, what)
        self.sheet, self.what = sheet, what


class Caps:
    """The caps of one parse: rows and cells per sheet, and one deadline for the whole file."""

    def __init__(self, *, max_rows: int, max_cells: int, seconds: float) -> None:
        self.max_rows, self.max_cells = max_rows, max_cells
        self.deadline = time.monotonic() + seconds

    def check_time(self, sheet: str) -> None:
        if time.monotonic() > self.deadline:
            raise OverCap(sheet, "time")

    def take(self, sheet: str, rows: Iterable[Iterable[Any]]) -> Rows:
        taken: Rows = []
        cells = 0
        for row in rows:
            values = list(row)
            cells += len(values)
            if len(taken) >= self.max_rows:
                raise OverCap(sheet, "rows")
            if cells > self.max_cells:
                raise OverCap(sheet, "cells")
            if len(taken) % 256 == 0:
                self.check_time(sheet)
            taken.append(values)
        self.check_time(sheet)
        return taken


def read_xlsx(data: bytes, wanted: set[str], caps: Caps) -> dict[str, Rows]:
    """The rows of each sheet whose folded name is in ``wanted`` (others: empty)."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # openpyxl warns about styles, validations and extensions it drops: none hold values.
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets: dict[str, Rows] = {name: [] for name in book.sheetnames}
            for name in book.sheetnames:
                sheet = book[name]
                if fold(name) not in wanted or not hasattr(sheet, "reset_dimensions"):
                    continue
                # The stored dimensions may be wrong (some tools write 'A1'): trust the rows.
                sheet.reset_dimensions()
                sheets[name] = caps.take(name, sheet.iter_rows(values_only=True))
            return sheets
        finally:
            book.close()


def read_xls(data: bytes, wanted: set[str], caps: Caps) -> dict[str, Rows]:
    """As :func:`read_xlsx`, for legacy .xls, through rpaframework's ``RPA.Excel.Files``."""
    # rpaframework is slow to import, and only legacy .xls needs it. Its workbook is opened
    # on the bytes: XlsWorkbook.open takes a file object and hands its contents to xlrd.
    from RPA.Excel.Files import Files, XlsWorkbook

    book = XlsWorkbook()
    book.open(io.BytesIO(data))
    library = Files()
    library.workbook = book
    try:
        sheets: dict[str, Rows] = {}
        for name in library.list_worksheets():
            sheets[name] = []
            if fold(name) in wanted:
                caps.check_time(name)
                # Keyed by column letter in column order; a blank cell reads as "".
                records = library.read_worksheet(name)
                rows = ([None if v == "" else v for v in r.values()] for r in records)
                sheets[name] = caps.take(name, rows)
        return sheets
    finally:
        library.close_workbook()
