"""Payroll workbook files: reading the sheets' rows from .xlsx or .xls, and collecting problems.

The file is read once, into memory, under a size cap; those bytes are hashed and those bytes
are parsed, under caps on what they unpack to, rows, cells and time: what is recorded is
what is paid, and a hostile file is refused, never a hung run.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from teller._errors import InputError, InputProblem
from teller._masking import mask_text
from teller.payroll._cells import BATCH_SHEET, PAYROLL_SHEET, Rows, fold
from teller.payroll._parse import Caps, OverCap, read_xls, read_xlsx
from teller.settings import InputLimits

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


def read_bytes(path: Path, problems: Problems, limits: InputLimits) -> bytes:
    """Read the whole file once; one larger than the cap is refused, read no further than that."""
    expected = "a payroll workbook (.xlsx or .xls)"
    cap = limits.max_file_bytes
    try:
        with path.open("rb") as file:
            # read through the open file, never the path again: what is read is what is hashed
            data = file.read(cap + 1)
    except FileNotFoundError:
        raise problems.fatal(expected, "no such file") from None
    except IsADirectoryError:
        raise problems.fatal(expected, "a folder") from None
    except OSError as exc:
        raise problems.fatal(expected, f"a file that cannot be read ({exc.strerror})") from None
    if len(data) > cap:
        raise problems.fatal(
            f"a file of at most {limits.max_file_mb:g} MB (the input cap max_file_mb)",
            "a larger file",
        )
    return data


def read_sheets(data: bytes, problems: Problems, limits: InputLimits) -> dict[str, Rows]:
    """Return the rows of every sheet that may be the Batch or Payroll sheet, by sheet name.

    Parses ``data``, the bytes that were read and hashed, never the file again: a file
    swapped after it was read cannot change what is paid.
    """
    expected = "an Excel workbook (.xlsx or .xls)"
    # The bytes decide the format, not the file name: clerks rename files.
    is_xlsx, is_xls = data.startswith(_ZIP_MAGIC), data.startswith(_OLE2_MAGIC)
    if not (is_xlsx or is_xls):
        raise problems.fatal(expected, "a file that is not a workbook")
    if is_xlsx:
        _check_unpacked(data, problems, limits)
    wanted = {fold(name) for name in BATCH_SHEET + PAYROLL_SHEET}
    caps = Caps(
        max_rows=limits.max_rows,
        max_cells=limits.max_rows * limits.cells_per_row,
        seconds=limits.max_parse_seconds,
    )
    try:
        return (read_xlsx if is_xlsx else read_xls)(data, wanted, caps)
    except OverCap as exc:
        problems.add(exc.sheet, None, None, _cap_words(exc.what, limits), f"more {exc.what}")
        raise InputError(problems.items) from None
    except Exception as exc:  # any parser failure means one thing to the clerk
        detail = f"{type(exc).__name__}: {exc}"[:120]
        raise problems.fatal(expected, f"a damaged workbook ({detail})") from None


def _cap_words(what: str, limits: InputLimits) -> str:
    if what == "rows":
        return f"a sheet of at most {limits.max_rows:,} rows (the input cap max_rows)"
    if what == "cells":
        cells = limits.max_rows * limits.cells_per_row
        return f"a sheet of at most {cells:,} cells (the input caps max_rows × cells_per_row)"
    return (
        f"a workbook read within {limits.max_parse_seconds:g} s (the input cap max_parse_seconds)"
    )


def _check_unpacked(data: bytes, problems: Problems, limits: InputLimits) -> None:
    """Refuse an .xlsx whose members unpack to more than the cap, before any is inflated.

    The sizes are the ones the zip declares; Python's zipfile never inflates a member past
    its declared size (a member that lies fails its CRC check), so the sum is a true cap.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        detail = f"{type(exc).__name__}: {exc}"[:120]
        raise problems.fatal(
            "an Excel workbook (.xlsx or .xls)", f"a damaged workbook ({detail})"
        ) from None
    if unpacked > limits.max_unpacked_bytes:
        raise problems.fatal(
            f"a workbook that unpacks to at most {limits.max_unpacked_mb:g} MB"
            " (the input cap max_unpacked_mb)",
            f"one that unpacks to {unpacked / 2**20:,.0f} MB",
        )


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
