"""Payroll workbook files: reading the sheets' rows from .xlsx or .xls, and collecting problems."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from flows._payroll_cells import BATCH_SHEET, PAYROLL_SHEET, Rows, fold
from teller._errors import InputError, InputProblem
from teller._masking import mask_text

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass
class Problems:
    """Every problem found so far; a full account number never gets in."""

    file: str
    items: list[InputProblem] = field(default_factory=list)

    def add(
        self,
        sheet: str | None,
        row: int | None,
        column: str | None,
        expected: str,
        found: str | None = None,
    ) -> None:
        found = mask_text(found) if found is not None else None
        self.items.append(InputProblem(self.file, sheet, row, column, expected, found))

    def fatal(self, expected: str, found: str) -> InputError:
        self.add(None, None, None, expected, found)
        return InputError(self.items)


def read_bytes(path: Path, problems: Problems) -> bytes:
    expected = "a payroll workbook (.xlsx or .xls)"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise problems.fatal(expected, "no such file") from None
    except IsADirectoryError:
        raise problems.fatal(expected, "a folder") from None
    except OSError as exc:
        raise problems.fatal(expected, f"a file that cannot be read ({exc.strerror})") from None


def read_sheets(path: Path, data: bytes, problems: Problems) -> dict[str, Rows]:
    """Return the rows of every sheet that may be the Batch or Payroll sheet, by sheet name."""
    expected = "an Excel workbook (.xlsx or .xls)"
    wanted = {fold(name) for name in BATCH_SHEET + PAYROLL_SHEET}
    # The bytes decide the format, not the file name: clerks rename files.
    is_xlsx, is_xls = data.startswith(_ZIP_MAGIC), data.startswith(_OLE2_MAGIC)
    if not (is_xlsx or is_xls):
        raise problems.fatal(expected, "a file that is not a workbook")
    try:
        return _read_xlsx(data, wanted) if is_xlsx else _read_xls(path, wanted)
    except Exception as exc:  # any parser failure means one thing to the clerk
        detail = f"{type(exc).__name__}: {exc}"[:120]
        raise problems.fatal(expected, f"a damaged workbook ({detail})") from None


def _read_xlsx(data: bytes, wanted: set[str]) -> dict[str, Rows]:
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
                sheets[name] = [list(row) for row in sheet.iter_rows(values_only=True)]
            return sheets
        finally:
            book.close()


def _read_xls(path: Path, wanted: set[str]) -> dict[str, Rows]:
    # rpaframework is slow to import, and only legacy .xls needs it.
    from RPA.Excel.Files import Files

    library = Files()
    library.open_workbook(str(path))
    try:
        sheets: dict[str, Rows] = {}
        for name in library.list_worksheets():
            sheets[name] = []
            if fold(name) in wanted:
                # Keyed by column letter in column order; a blank cell reads as "".
                records = library.read_worksheet(name)
                sheets[name] = [[None if v == "" else v for v in r.values()] for r in records]
        return sheets
    finally:
        library.close_workbook()


def pick_sheet(
    sheets: dict[str, Rows], names: tuple[str, ...], problems: Problems
) -> tuple[str, Rows] | None:
    """Return the sheet with one of ``names`` as (its name as written, its rows)."""
    folded = {fold(name) for name in names}
    for name, rows in sheets.items():
        if fold(name) in folded:
            return name, rows
    found = ", ".join(repr(name) for name in sheets) or "no sheets"
    problems.add(names[0], None, None, f"a sheet named {names[0]!r}", f"sheets {found}")
    return None
