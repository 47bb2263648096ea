"""The approval gate's part of the reconciliation workbook: what each rule stopped, and why.

The Summary gains a table of lines held or rejected per rule; the sheet "Held and rejected"
lists every line the gate did not pass on its own, with the rules that fired, the gate's
suggestion and who decided, when and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from teller import mask_account, mask_text
from teller.excel import Column, Kind, set_value, write_table

# teller.excel writes one table per summary sheet and does not export its style names; the
# rule table goes under the outcome chart, so it needs them to look like the table above.
from teller.excel._styles import HEADER, LABEL
from teller.payroll._reconcile import LineOutcome

__all__ = ["HELD_COLUMNS", "HELD_SHEET", "RULE_COLUMNS", "append_rule_table", "write_held_sheet"]

HELD_SHEET = "Held and rejected"
RULE_CAPTION = "Held or rejected by rule"

HELD_COLUMNS = (
    Column("Seq", "int"),
    Column("Reference"),
    Column("Employee id"),
    Column("Name"),
    Column("Account"),
    Column("Amount", "money"),
    Column("Decision"),
    Column("Rules"),
    Column("Details", width=60),
    Column("Suggestion", width=50),
    Column("Decided by"),
    Column("Decided at (UTC)", "datetime"),
    Column("Reason", width=40),
    Column("Final state"),
)

RULE_COLUMNS = (Column("Rule"), Column("Held", "int"), Column("Rejected", "int"))

# The outcome chart is 7.5 cm tall (about 15 rows of 15 pt) and starts two or three rows under
# its table: this many blank rows keep the rule table clear of it.
ROWS_UNDER_CHART = 18


def write_held_sheet(wb: Workbook, lines: Sequence[LineOutcome]) -> Worksheet:
    """Add the sheet of every line whose gate decision was not ``auto_approved``, in input order."""
    stopped = (line for line in lines if line.decision != "auto_approved")
    return write_table(wb, HELD_SHEET, HELD_COLUMNS, (_held_row(line) for line in stopped))


def append_rule_table(ws: Worksheet, by_rule: Mapping[str, tuple[int, int]]) -> None:
    """Append the table of lines held and rejected per rule below what ``ws`` already holds."""
    for _ in range(ROWS_UNDER_CHART):
        ws.append([])
    ws.append([_cell(ws, RULE_CAPTION, "text", LABEL)])
    ws.append([_cell(ws, column.title, "text", HEADER) for column in RULE_COLUMNS])
    for rule, (held, rejected) in by_rule.items():
        values = zip(RULE_COLUMNS, (rule, held, rejected), strict=True)
        ws.append([_cell(ws, value, column.kind) for column, value in values])


def _held_row(line: LineOutcome) -> tuple[object, ...]:
    return (
        line.seq,
        line.reference,
        line.employee_id,
        mask_text(line.name),
        mask_account(line.account_no),
        line.amount,
        line.decision,
        ", ".join(_unique(rule.rule for rule in line.rules)) or None,
        mask_text("; ".join(rule.detail for rule in line.rules)) or None,
        mask_text(line.suggestion) if line.suggestion else None,
        line.decided_by,
        line.decided_at,
        mask_text(line.decision_reason) if line.decision_reason else None,
        line.state,
    )


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _cell(ws: Worksheet, value: object, kind: Kind, style: str | None = None) -> Cell:
    # A detached cell appends to normal and write-only sheets alike; set_value keeps text text.
    cell = WriteOnlyCell(ws)
    if style is not None:
        cell.style = style
    set_value(cell, value, kind)
    return cell
