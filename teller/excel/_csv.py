"""CSV files Teller writes from console or input text: no cell a spreadsheet would evaluate.

A CSV cell carries no type, so Excel and LibreOffice evaluate any cell that starts like a
formula. OWASP's CSV-injection rule: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a leading apostrophe, which spreadsheets show as text. The same
starts as :func:`teller.excel.is_formula_like`, the rule the workbooks follow.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from teller.excel._files import _replace_atomically
from teller.excel._values import is_formula_like

__all__ = ["csv_cell", "write_csv"]


def csv_cell(value: object) -> str:
    """Return ``value`` as CSV cell text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a UTF-8 CSV atomically, every cell through :func:`csv_cell`; return the path."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([csv_cell(name) for name in header])
            writer.writerows([csv_cell(value) for value in row] for row in rows)

    path = Path(path)
    _replace_atomically(path, write)
    return path
