"""Reading and validating a payroll workbook: a batch safe to pay, or every problem in it.

The workbook (.xlsx, or legacy .xls read through rpaframework's ``RPA.Excel.Files``)
is read once into memory under the input caps (``teller.settings.InputLimits``); those
bytes are hashed and parsed. It has two sheets:

- ``Batch`` (批次): one field per row, its name in column A and its value in column B;
- ``Payroll`` (工资): a table under a header row, one payroll line per row.

Any problem rejects the whole batch before anything is paid, so validation never
stops at the first: every problem goes into one :class:`InputError`. Each cell is
checked by a pydantic type that sees the raw cell; what spans rows comes after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from teller import mask_account
from teller._errors import InputError
from teller.consolemap import FieldRule
from teller.payroll._cells import (
    ACCOUNT_FIELDS,
    BATCH_FIELDS,
    BATCH_SHEET,
    LINE_COLUMNS,
    OPTIONAL_COLUMNS,
    PAYROLL_SHEET,
    AccountNo,
    BatchId,
    Cell,
    EmployeeId,
    EmployeeName,
    LineCount,
    Memo,
    Money,
    PayDate,
    Rows,
    alias_map,
    cell_text,
    either,
    fold,
    is_blank,
    show_cell,
    to_money,
)
from teller.payroll._files import Problems, pick_sheet, read_bytes, read_sheets
from teller.settings import InputLimits

__all__ = ["PayrollBatch", "PayrollLine", "load_payroll"]

# A title row or two above the header is common in payroll sheets: look this far down for it.
_HEADER_SEARCH_ROWS = 10

# What each console rule (its map's ``rules:``) is checked on: the line's field, its label
_RULED = {
    "credit_account": ("account_no", "an account"),
    "payee_name": ("name", "a name"),
    "memo": ("memo", "a memo"),
}


class PayrollLine(BaseModel):
    """One payroll line: pay ``amount`` into ``account_no`` for one employee."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    row: int  # 1-based Excel row in the Payroll sheet, so a report can point back at it
    employee_id: EmployeeId
    name: EmployeeName
    account_no: AccountNo = Field(repr=False)  # never in a repr: reprs reach logs
    amount: Money
    memo: Memo = ""


class PayrollBatch(BaseModel):
    """A whole payroll batch, validated: its lines add up to its line count and control total."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    sha256: str  # of the very bytes that were validated, for the audit trail
    batch_id: BatchId
    pay_date: PayDate
    debit_account: AccountNo = Field(repr=False)
    line_count: LineCount
    control_total: Money
    lines: list[PayrollLine]

    def reference(self, line: PayrollLine) -> str:
        """Return the line's idempotency key, written into the console's reference field."""
        return f"{self.batch_id}:{line.employee_id}"

    @model_validator(mode="after")
    def _adds_up(self) -> PayrollBatch:
        # load_payroll reports these with their cells first; this guards any other way in.
        if self.line_count != len(self.lines):
            raise ValueError(f"line count {self.line_count} but {len(self.lines)} lines")
        total = sum((line.amount for line in self.lines), Decimal("0"))
        if self.control_total != total:
            raise ValueError(f"control total {self.control_total} but lines sum to {total}")
        if len({line.employee_id.casefold() for line in self.lines}) != len(self.lines):
            raise ValueError("an employee appears more than once")
        return self


def load_payroll(
    path: Path,
    *,
    limits: InputLimits | None = None,
    rules: Mapping[str, FieldRule] | None = None,
    console: str = "the",
) -> PayrollBatch:
    """Read and validate a payroll workbook; raise :class:`InputError` listing every problem.

    ``rules`` are what the ``console`` the batch is paid into accepts (its map's
    ``rules:``): a line it would refuse is a problem of the workbook, found now.
    The file is read once: its SHA-256 is of the very bytes that are parsed and validated.
    """
    path = Path(path)
    limits = limits or InputLimits()
    problems = Problems(path.name)
    data = read_bytes(path, problems, limits)
    sheets = read_sheets(data, problems, limits)
    batch_sheet = pick_sheet(sheets, BATCH_SHEET, problems)
    payroll_sheet = pick_sheet(sheets, PAYROLL_SHEET, problems)
    batch = _read_batch(*batch_sheet, problems) if batch_sheet else None
    where = f"{console} console"
    table = _read_lines(*payroll_sheet, problems, rules or {}, where) if payroll_sheet else None
    if batch is not None and table is not None:
        _check_across(batch, table, problems)
        _check_console(batch, table, rules or {}, where, problems)
    if problems.items:
        raise InputError(problems.items)
    assert batch is not None and table is not None  # no problems means both sheets were read
    return PayrollBatch(
        file=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        **batch.values,
        lines=[line for line in table.lines if line is not None],
    )


@dataclass
class _BatchFields:
    """The Batch sheet: where each field is, and the value of each field that is valid."""

    sheet: str
    rows: dict[str, int]
    values: dict[str, Any]


_BATCH_TYPES: dict[str, TypeAdapter[Any]] = {
    "batch_id": TypeAdapter(BatchId),
    "pay_date": TypeAdapter(PayDate),
    "debit_account": TypeAdapter(AccountNo),
    "line_count": TypeAdapter(LineCount),
    "control_total": TypeAdapter(Money),
}


def _read_batch(sheet: str, rows: Rows, problems: Problems) -> _BatchFields:
    names = alias_map(BATCH_FIELDS)
    batch = _BatchFields(sheet, rows={}, values={})
    for number, row in enumerate(rows, start=1):
        name = names.get(fold(_at(row, 0)))
        if name is None:
            continue
        if name in batch.rows:
            label = BATCH_FIELDS[name][0]
            first = batch.rows[name]
            problems.add(
                sheet, number, "A", f"the field {label!r} once", f"rows {first} and {number}"
            )
            continue
        batch.rows[name] = number
        raw = _at(row, 1)
        try:
            batch.values[name] = _BATCH_TYPES[name].validate_python(raw)
        except ValidationError as exc:
            shown = show_cell(raw, account=name in ACCOUNT_FIELDS)
            for error in exc.errors():
                problems.add(sheet, number, "B", error["msg"], shown)
    for name, aliases in BATCH_FIELDS.items():
        if name not in batch.rows:
            problems.add(sheet, None, "A", f"a row named {either(aliases)} in column A")
    return batch


@dataclass
class _LineTable:
    """The Payroll sheet's lines: one entry per non-blank row, None where a row is invalid."""

    sheet: str
    columns: dict[str, tuple[int, str]]  # field -> (index, header as written in the file)
    lines: list[PayrollLine | None]
    employees: list[tuple[int, str]]  # (row, employee ID) wherever one was written
    amounts: list[Decimal | None]
    rules: Mapping[str, FieldRule]  # what the console takes (its map's rules), by its field
    console: str  # "the corebank console", for the problems the rules find

    def header(self, name: str) -> str:
        return self.columns[name][1] if name in self.columns else LINE_COLUMNS[name][0]


def _read_lines(
    sheet: str, rows: Rows, problems: Problems, rules: Mapping[str, FieldRule], console: str
) -> _LineTable | None:
    start = _find_header(rows)
    if start is None:
        headers = ", ".join(names[0] for names in LINE_COLUMNS.values())
        problems.add(
            sheet, None, None, f"a header row ({headers}), then the lines", "an empty sheet"
        )
        return None
    columns = _map_columns(sheet, rows[start], start + 1, problems)
    table = _LineTable(sheet, columns, [], [], [], rules, console)
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        # The whole row counts: a stray note or total is something to look at, never skipped.
        if all(is_blank(value) for value in row):
            continue
        _read_line(number, row, table, problems)
    if not table.lines:
        problems.add(sheet, None, None, "at least one payroll line under the header row", "none")
    return table


def _find_header(rows: Rows) -> int | None:
    """Return the index of the header row: the one naming most columns, else the first used."""
    known = alias_map(LINE_COLUMNS)
    best, hits = None, 0
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        count = sum(1 for value in row if fold(value) in known)
        if count > hits:
            best, hits = index, count
    if best is None:
        best = next((i for i, row in enumerate(rows) if not all(map(is_blank, row))), None)
    return best


def _map_columns(
    sheet: str, header: list[Cell], number: int, problems: Problems
) -> dict[str, tuple[int, str]]:
    known = alias_map(LINE_COLUMNS)
    columns: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(header):
        name = known.get(fold(value))
        if name is None:
            continue
        if name in columns:
            first, again = (get_column_letter(i + 1) for i in (columns[name][0], index))
            label = LINE_COLUMNS[name][0]
            problems.add(
                sheet, number, cell_text(value), f"one column {label!r}", f"{first}, {again}"
            )
            continue
        columns[name] = (index, cell_text(value))
    for name, aliases in LINE_COLUMNS.items():
        if name not in columns and name not in OPTIONAL_COLUMNS:
            expected = f"a column headed {either(aliases)}"
            problems.add(sheet, number, aliases[0], expected)
    return columns


def _read_line(number: int, row: list[Cell], table: _LineTable, problems: Problems) -> None:
    # A missing column reads as blank; its absence is reported once, not on every row.
    raw = {name: _at(row, index) for name, (index, _) in table.columns.items()}
    employee = cell_text(raw.get("employee_id"))
    if employee:
        table.employees.append((number, employee))
    failed: set[str] = set()
    try:
        line: PayrollLine | None = PayrollLine.model_validate({"row": number, **raw})
    except ValidationError as exc:
        line = None
        for error in exc.errors():
            name = str(error["loc"][0])
            failed.add(name)
            if name in table.columns:
                shown = show_cell(raw[name], account=name in ACCOUNT_FIELDS)
                problems.add(table.sheet, number, table.header(name), error["msg"], shown)
    _check_cells(number, raw, line, failed, table, problems)
    table.lines.append(line)
    table.amounts.append(line.amount if line else _try(to_money, raw.get("amount")))


def _check_cells(
    number: int,
    raw: dict[str, Cell],
    line: PayrollLine | None,
    failed: set[str],
    table: _LineTable,
    problems: Problems,
) -> None:
    """Check the row's values the console takes against what it accepts (its map's rules)."""
    for field, (name, label) in _RULED.items():
        rule = table.rules.get(field)
        if rule is None or name in failed or name not in table.columns:
            continue
        value = getattr(line, name) if line is not None else cell_text(raw[name])
        if value and (broken := rule.broken(value)):
            shown = mask_account(value) if name == "account_no" else value
            expected = f"{label} of {broken}, as the {table.console} accepts"
            problems.add(table.sheet, number, table.header(name), expected, shown)


def _check_across(batch: _BatchFields, table: _LineTable, problems: Problems) -> None:
    """Check what no single cell shows: counts, totals, duplicates and reference length."""
    payroll, column = table.sheet, table.header("employee_id")
    count = len(table.lines)
    stated = batch.values.get("line_count")
    if stated is not None and stated != count:
        row = batch.rows["line_count"]
        problems.add(batch.sheet, row, "B", f"the number of payroll lines, {count}", str(stated))
    control = batch.values.get("control_total")
    # With an unreadable amount the true sum is unknown; that amount is reported already.
    if control is not None and table.amounts and None not in table.amounts:
        total = sum((a for a in table.amounts if a is not None), Decimal("0"))
        if control != total:
            row = batch.rows["control_total"]
            expected = f"the sum of the payroll amounts, {total:,.2f}"
            problems.add(batch.sheet, row, "B", expected, f"{control:,.2f}")
    first_rows: dict[str, int] = {}
    for row, employee in table.employees:
        first = first_rows.setdefault(employee.casefold(), row)
        if first != row:
            problems.add(
                payroll,
                row,
                column,
                "each employee once",
                f"{employee!r} in rows {first} and {row}",
            )


def _check_console(
    batch: _BatchFields,
    table: _LineTable,
    rules: Mapping[str, FieldRule],
    console: str,
    problems: Problems,
) -> None:
    """Check each value the console takes against what it accepts (its map's rules)."""
    debit, rule = batch.values.get("debit_account"), rules.get("debit_account")
    if debit is not None and rule is not None and (broken := rule.broken(debit)):
        where = batch.rows["debit_account"]
        problems.add(
            batch.sheet,
            where,
            "B",
            f"an account of {broken}, as the {console} accepts",
            mask_account(debit),
        )
    batch_id, rule = batch.values.get("batch_id"), rules.get("reference")
    if batch_id is None or rule is None:
        return
    for row, employee in table.employees:
        reference = f"{batch_id}:{employee}"
        if not (broken := rule.broken(reference)):
            continue
        expected = f"an employee ID whose reference 'batch ID:employee ID' has {broken}"
        if rule.max_chars is not None and len(reference) > rule.max_chars:
            room = rule.max_chars - len(batch_id) - 1
            expected = (
                f"an employee ID of at most {room} characters, so that the reference"
                f" 'batch ID:employee ID' fits the {console}'s {rule.max_chars}"
            )
            problems.add(table.sheet, row, table.header("employee_id"), expected, employee)


def _at(row: list[Cell], index: int) -> Cell:
    return row[index] if index < len(row) else None


def _try(convert: Callable[[Cell], Decimal], value: Cell) -> Decimal | None:
    try:
        return convert(value)
    except ValueError:  # pydantic's custom errors are ValueErrors
        return None
