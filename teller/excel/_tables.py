"""Sheets of one table (header, filters, frozen header) and summary sheets of labelled values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from teller.excel._charts import Chart, add_chart
from teller.excel._styles import HEADER, LABEL
from teller.excel._values import (
    Kind,
    Link,
    display_width,
    is_formula_like,
    safe_text,
    set_value,
)

__all__ = ["Column", "Field", "Table", "write_key_values", "write_table"]

# A write-only sheet needs its column widths before the first row: guess them from this many.
WIDTH_SAMPLE_ROWS = 1_000
MIN_WIDTH, MAX_WIDTH = 6, 60


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, how its values are stored, an optional fixed width."""

    title: str
    kind: Kind = "text"
    width: int | None = None


@dataclass(frozen=True)
class Field:
    """One labelled value on a summary sheet."""

    label: str
    value: object
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """A small table placed under the fields of a summary sheet."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]


def write_table(
    wb: Workbook,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    protect: bool = True,
) -> Worksheet:
    """Add sheet ``title`` holding one table: styled header frozen on top, auto-filter over it all.

    In a write-only workbook (see ``new_workbook``) rows are streamed and never held in memory;
    column widths are then judged from the first rows only.
    """
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"  # the header repeats on every printed page
    if wb.write_only:
        last_row = _stream(ws, columns, rows)
    else:
        last_row = _fill(ws, columns, rows)
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{last_row}"
    if protect:
        _protect(ws)
    return ws


def write_key_values(
    wb: Workbook,
    title: str,
    fields: Sequence[Field | None],
    *,
    table: Table | None = None,
    chart: Chart | None = None,
    protect: bool = True,
) -> Worksheet:
    """Add sheet ``title`` listing ``fields`` as label/value rows (``None`` leaves a blank row).

    A ``table`` goes below the fields after one blank row; a ``chart`` of one of its columns
    goes below the table.
    """
    entries: list[list[tuple[object, Kind, str | None]]] = []
    for field in fields:
        if field is None:
            entries.append([])
        else:
            entries.append([(field.label, "text", LABEL), (field.value, field.kind, None)])
    table_top = len(entries) + 2
    if table is not None:
        entries.append([])
        entries.append([(column.title, "text", HEADER) for column in table.columns])
        for row in table.rows:
            values = zip(table.columns, row, strict=True)
            entries.append([(value, column.kind, None) for column, value in values])
    ws = wb.create_sheet(title)
    _set_widths(ws, _widest(entries), fixed=[])
    for entry in entries:
        ws.append([_cell(ws, value, kind, style) for value, kind, style in entry])
    if chart is not None:
        if table is None:
            raise ValueError("a chart needs the table it draws")
        _chart_table(ws, table, chart, top=table_top)
    if protect:
        _protect(ws)
    return ws


def _fill(ws: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> int:
    widths = [display_width(column.title, "text") for column in columns]
    for index, column in enumerate(columns, start=1):
        _header(ws.cell(row=1, column=index), column.title)
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        _check_width(row, columns, row_number)
        for index, (column, value) in enumerate(zip(columns, row, strict=True)):
            set_value(ws.cell(row=row_number, column=index + 1), value, column.kind)
            widths[index] = max(widths[index], display_width(value, column.kind))
    _set_widths(ws, widths, fixed=[column.width for column in columns])
    return row_number


def _stream(ws: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> int:
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    widths = [display_width(column.title, "text") for column in columns]
    for row in sample:
        for index, (column, value) in enumerate(zip(columns, row, strict=False)):
            widths[index] = max(widths[index], display_width(value, column.kind))
    _set_widths(ws, widths, fixed=[column.width for column in columns])
    ws.append([_cell(ws, column.title, "text", HEADER) for column in columns])
    row_number = 1
    for row_number, row in enumerate(chain(sample, rows), start=2):
        _check_width(row, columns, row_number)
        ws.append(list(_streamed_values(ws, columns, row)))
    return row_number


def _streamed_values(
    ws: Worksheet, columns: Sequence[Column], row: Sequence[object]
) -> Iterator[object]:
    for column, value in zip(columns, row, strict=True):
        # Plain text and integers go in bare: a styled cell object per value costs about
        # twice the time, which matters at a million cells.
        if column.kind == "text" and value is not None and not isinstance(value, Link):
            text = safe_text(value)
            if not is_formula_like(text) and text not in ERROR_CODES:
                yield text
                continue
        elif column.kind == "int" and type(value) is int:
            yield value
            continue
        yield _cell(ws, value, column.kind)


def _cell(ws: Worksheet, value: object, kind: Kind, style: str | None = None) -> Cell:
    # WriteOnlyCell is a detached cell: it works for both kinds of worksheet via append().
    cell = WriteOnlyCell(ws)
    if style is not None:
        cell.style = style
    set_value(cell, value, kind)
    return cell


def _header(cell: Cell, title: str) -> None:
    cell.style = HEADER
    set_value(cell, title, "text")


def _check_width(row: Sequence[object], columns: Sequence[Column], row_number: int) -> None:
    if len(row) != len(columns):
        raise ValueError(f"row {row_number} has {len(row)} values for {len(columns)} columns")


def _widest(entries: list[list[tuple[object, Kind, str | None]]]) -> list[int]:
    widths: list[int] = []
    for entry in entries:
        for index, (value, kind, _style) in enumerate(entry):
            if index == len(widths):
                widths.append(0)
            widths[index] = max(widths[index], display_width(value, kind))
    return widths


def _set_widths(ws: Worksheet, widths: Sequence[int], *, fixed: Sequence[int | None]) -> None:
    for index, width in enumerate(widths, start=1):
        chosen = fixed[index - 1] if index <= len(fixed) and fixed[index - 1] else None
        if chosen is None:
            chosen = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(index)].width = chosen


def _chart_table(ws: Worksheet, table: Table, chart: Chart, *, top: int) -> None:
    titles = [column.title for column in table.columns]
    if chart.values not in titles:
        raise ValueError(f"chart column {chart.values!r} is not in the table")
    letter = get_column_letter(titles.index(chart.values) + 1)
    first, last = top + 1, top + max(len(table.rows), 1)
    add_chart(
        ws,
        title=chart.title,
        categories=f"A{first}:A{last}",
        values=f"{letter}{first}:{letter}{last}",
        # Below the table: a summary's value column is often wide (hashes, file names), and a
        # chart to its right would start off screen.
        anchor=f"A{last + 2}",
        kind=chart.kind,
    )


def _protect(ws: Worksheet) -> None:
    # Guard against accidental edits, not against a determined user: no password, and the
    # reader may still filter, sort and resize. In SheetProtection, False means "allowed".
    protection = ws.protection
    protection.sheet = True
    protection.autoFilter = False
    protection.sort = False
    protection.formatColumns = False
    protection.formatRows = False
