"""Reading and validating a payroll workbook: a batch safe to pay, or every problem in it.

The workbook (.xlsx, or legacy .xls read through rpaframework's ``RPA.Excel.Files``)
has two sheets:

- ``Batch`` (批次): one field per row, its name in column A and its value in column B;
- ``Payroll`` (工资): a table under a header row, one payroll line per row.

Any problem rejects the whole batch before anything is paid, so validation never
stops at the first: every problem goes into one :class:`InputError`. Each cell is
checked by a pydantic type that sees the raw cell; what spans rows comes after.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from teller._errors import InputError, InputProblem
from teller._masking import mask_account, mask_text

__all__ = ["PayrollBatch", "PayrollLine", "load_payroll"]

# Names as a clerk may write them; matching folds case, spaces and a trailing '.'.
# The Chinese names are accepted in simplified and traditional characters.
BATCH_SHEET = ("Batch", "批次")
PAYROLL_SHEET = ("Payroll", "工资", "工資")
BATCH_FIELDS: dict[str, tuple[str, ...]] = {
    "batch_id": ("Batch ID", "批次号", "批次號"),
    "pay_date": ("Pay Date", "发薪日", "發薪日"),
    "debit_account": ("Debit Account", "付款账号", "付款賬號"),
    "line_count": ("Line Count", "总笔数", "總筆數"),
    "control_total": ("Control Total", "总金额", "總金額"),
}
LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_id": ("Employee ID", "工号", "工號"),
    "name": ("Name", "姓名"),
    "account_no": ("Account No", "Account Number", "账号", "賬號"),
    "amount": ("Amount", "金额", "金額"),
    "memo": ("Memo", "备注", "備注", "備註"),
}
_OPTIONAL_COLUMNS = {"memo"}
_ACCOUNT_FIELDS = {"account_no", "debit_account"}
# A title row or two above the header is common in payroll sheets: look this far down for it.
_HEADER_SEARCH_ROWS = 10
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")

Cell = Any  # what a reader gives for a cell: str, int, float, bool, datetime, date or None
Rows = list[list[Cell]]  # the list's item i is Excel row i + 1

REFERENCE_MAX = 40  # the console's reference field holds "batch_id:employee_id" in 40 characters
MEMO_MAX = 40
CENT = Decimal("0.01")
# Excel keeps 15 significant digits of a number; beyond that a number cell holds noise.
_EXCEL_DIGITS = 15
_MONEY_MAX = Decimal("9999999999999.99")  # 15 digits: the most a number cell holds exactly
_AMOUNT_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_ACCOUNT = re.compile(r"[0-9]{10,19}")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,24}")
_WHOLE = re.compile(r"[0-9]+")
_ACCOUNT_EXPECTED = "an account number of 10 to 19 digits"
_AS_TEXT_EXPECTED = (
    "an account number stored as text (a number cell keeps only 15 digits,"
    " so the last ones are lost): store account numbers as text"
)


def is_blank(value: Cell) -> bool:
    """Tell whether a cell is empty or holds only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Cell) -> str:
    """Return a cell as the text a clerk sees: a whole number without '.0', a blank as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return str(value).strip()


def show_cell(value: Cell, *, account: bool = False) -> str:
    """Return a cell for an error message; an account number is masked to its last four."""
    if is_blank(value):
        return "an empty cell"
    if account and isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"  # its last digits may be noise: showing them would mislead
    if isinstance(value, float):
        text = format(value, f".{_EXCEL_DIGITS}g")
    else:
        text = cell_text(value)
    return mask_account(text) if account else text


def _required(expected: str) -> Callable[[Cell], str]:
    def validate(value: Cell) -> str:
        text = cell_text(value)
        if not text:
            raise PydanticCustomError("required", expected)
        return text

    return validate


def _memo(value: Cell) -> str:
    text = cell_text(value)
    if len(text) > MEMO_MAX:
        raise PydanticCustomError("memo_too_long", f"a memo of at most {MEMO_MAX} characters")
    return text


def _account_no(value: Cell) -> str:
    if isinstance(value, bool):
        raise PydanticCustomError("account_no", _ACCOUNT_EXPECTED)
    if isinstance(value, int | float | Decimal):
        if abs(value) >= 10**_EXCEL_DIGITS:
            raise PydanticCustomError("account_as_number", _AS_TEXT_EXPECTED)
        if value != int(value):
            raise PydanticCustomError("account_no", _ACCOUNT_EXPECTED)
        value = str(int(value))
    # Spaces or dashes between digit groups are how people write account numbers.
    text = re.sub(r"(?<=[0-9])[\s-](?=[0-9])", "", cell_text(value))
    if _SCIENTIFIC.fullmatch(text):  # pasted from a number cell's display, digits already lost
        raise PydanticCustomError("account_as_number", _AS_TEXT_EXPECTED)
    if not _ACCOUNT.fullmatch(text):
        raise PydanticCustomError("account_no", _ACCOUNT_EXPECTED)
    return text


def _decimal(value: Cell) -> Decimal | None:
    """Return a cell as a Decimal exactly as Excel shows it, or None if it is no number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # A number cell is a binary float: 0.1+0.2 comes back as 0.30000000000000004.
        # Excel shows and keeps 15 significant digits, so that is the cell's true value;
        # 12.345 stays 12.345 (and is refused), 1234.5 stays 1234.5.
        amount = Decimal(format(value, f".{_EXCEL_DIGITS}g"))
    elif isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value.strip()):
        amount = Decimal(value.strip().replace(",", ""))
    else:
        return None
    return amount if amount.is_finite() else None


def to_money(value: Cell) -> Decimal:
    """Return a cell as a positive amount of exactly two decimal places, or raise."""
    amount = _decimal(value)
    if amount is None:
        raise PydanticCustomError("amount_not_number", "an amount as a number, e.g. 1234.50")
    if amount <= 0:
        raise PydanticCustomError("amount_not_positive", "an amount greater than zero")
    if amount > _MONEY_MAX:
        raise PydanticCustomError("amount_too_large", f"an amount of at most {_MONEY_MAX:,}")
    exact = amount.quantize(CENT)  # cannot overflow: _MONEY_MAX is far inside the context
    if exact != amount:
        raise PydanticCustomError("amount_places", "an amount with at most 2 decimal places")
    return exact


def _pay_date(value: Cell) -> date:
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date()
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("date", "a date: a date cell, or text such as 2026-11-25")


def _batch_id(value: Cell) -> str:
    text = cell_text(value)
    if not _BATCH_ID.fullmatch(text):
        raise PydanticCustomError("batch_id", "a batch ID of 1 to 24 letters, digits, '-' or '_'")
    return text


def _line_count(value: Cell) -> int:
    text = "" if isinstance(value, bool) else cell_text(value)
    if not _WHOLE.fullmatch(text) or int(text) < 1:
        raise PydanticCustomError("line_count", "a whole number of lines, at least 1")
    return int(text)


# Each type takes a raw cell, so a model validates a row exactly as the reader gave it.
EmployeeId = Annotated[str, BeforeValidator(_required("an employee ID"))]
EmployeeName = Annotated[str, BeforeValidator(_required("the employee's name"))]
AccountNo = Annotated[str, BeforeValidator(_account_no)]
Money = Annotated[Decimal, BeforeValidator(to_money)]
Memo = Annotated[str, BeforeValidator(_memo)]
PayDate = Annotated[date, BeforeValidator(_pay_date)]
BatchId = Annotated[str, BeforeValidator(_batch_id)]
LineCount = Annotated[int, BeforeValidator(_line_count)]


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
        if any(len(self.reference(line)) > REFERENCE_MAX for line in self.lines):
            raise ValueError(f"a reference is longer than {REFERENCE_MAX} characters")
        return self


def load_payroll(path: Path) -> PayrollBatch:
    """Read and validate a payroll workbook; raise :class:`InputError` listing every problem."""
    path = Path(path)
    problems = _Problems(path.name)
    data = _read_bytes(path, problems)
    sheets = _read_sheets(path, data, problems)
    batch_sheet = _pick_sheet(sheets, BATCH_SHEET, problems)
    payroll_sheet = _pick_sheet(sheets, PAYROLL_SHEET, problems)
    batch = _read_batch(*batch_sheet, problems) if batch_sheet else None
    table = _read_lines(*payroll_sheet, problems) if payroll_sheet else None
    if batch is not None and table is not None:
        _check_across(batch, table, problems)
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
class _Problems:
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


def _read_bytes(path: Path, problems: _Problems) -> bytes:
    expected = "a payroll workbook (.xlsx or .xls)"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise problems.fatal(expected, "no such file") from None
    except IsADirectoryError:
        raise problems.fatal(expected, "a folder") from None
    except OSError as exc:
        raise problems.fatal(expected, f"a file that cannot be read ({exc.strerror})") from None


def _read_sheets(path: Path, data: bytes, problems: _Problems) -> dict[str, Rows]:
    """Return the rows of every sheet that may be the Batch or Payroll sheet, by sheet name."""
    expected = "an Excel workbook (.xlsx or .xls)"
    wanted = {_fold(name) for name in BATCH_SHEET + PAYROLL_SHEET}
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
                if _fold(name) not in wanted or not hasattr(sheet, "reset_dimensions"):
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
            if _fold(name) in wanted:
                # Keyed by column letter in column order; a blank cell reads as "".
                records = library.read_worksheet(name)
                sheets[name] = [[None if v == "" else v for v in r.values()] for r in records]
        return sheets
    finally:
        library.close_workbook()


def _pick_sheet(
    sheets: dict[str, Rows], names: tuple[str, ...], problems: _Problems
) -> tuple[str, Rows] | None:
    """Return the sheet with one of ``names`` as (its name as written, its rows)."""
    folded = {_fold(name) for name in names}
    for name, rows in sheets.items():
        if _fold(name) in folded:
            return name, rows
    found = ", ".join(repr(name) for name in sheets) or "no sheets"
    problems.add(names[0], None, None, f"a sheet named {names[0]!r}", f"sheets {found}")
    return None


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


def _read_batch(sheet: str, rows: Rows, problems: _Problems) -> _BatchFields:
    names = _alias_map(BATCH_FIELDS)
    batch = _BatchFields(sheet, rows={}, values={})
    for number, row in enumerate(rows, start=1):
        name = names.get(_fold(_at(row, 0)))
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
            shown = show_cell(raw, account=name in _ACCOUNT_FIELDS)
            for error in exc.errors():
                problems.add(sheet, number, "B", error["msg"], shown)
    for name, aliases in BATCH_FIELDS.items():
        if name not in batch.rows:
            problems.add(sheet, None, "A", f"a row named {_either(aliases)} in column A")
    return batch


@dataclass
class _LineTable:
    """The Payroll sheet's lines: one entry per non-blank row, None where a row is invalid."""

    sheet: str
    columns: dict[str, tuple[int, str]]  # field -> (index, header as written in the file)
    lines: list[PayrollLine | None]
    employees: list[tuple[int, str]]  # (row, employee ID) wherever one was written
    amounts: list[Decimal | None]

    def header(self, name: str) -> str:
        return self.columns[name][1] if name in self.columns else LINE_COLUMNS[name][0]


def _read_lines(sheet: str, rows: Rows, problems: _Problems) -> _LineTable | None:
    start = _find_header(rows)
    if start is None:
        headers = ", ".join(names[0] for names in LINE_COLUMNS.values())
        problems.add(
            sheet, None, None, f"a header row ({headers}), then the lines", "an empty sheet"
        )
        return None
    columns = _map_columns(sheet, rows[start], start + 1, problems)
    table = _LineTable(sheet, columns, lines=[], employees=[], amounts=[])
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
    known = _alias_map(LINE_COLUMNS)
    best, hits = None, 0
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        count = sum(1 for value in row if _fold(value) in known)
        if count > hits:
            best, hits = index, count
    if best is None:
        best = next((i for i, row in enumerate(rows) if not all(map(is_blank, row))), None)
    return best


def _map_columns(
    sheet: str, header: list[Cell], number: int, problems: _Problems
) -> dict[str, tuple[int, str]]:
    known = _alias_map(LINE_COLUMNS)
    columns: dict[str, tuple[int, str]] = {}
    for index, value in enumerate(header):
        name = known.get(_fold(value))
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
        if name not in columns and name not in _OPTIONAL_COLUMNS:
            expected = f"a column headed {_either(aliases)}"
            problems.add(sheet, number, aliases[0], expected)
    return columns


def _read_line(number: int, row: list[Cell], table: _LineTable, problems: _Problems) -> None:
    # A missing column reads as blank; its absence is reported once, not on every row.
    raw = {name: _at(row, index) for name, (index, _) in table.columns.items()}
    employee = cell_text(raw.get("employee_id"))
    if employee:
        table.employees.append((number, employee))
    try:
        line = PayrollLine.model_validate({"row": number, **raw})
    except ValidationError as exc:
        table.lines.append(None)
        table.amounts.append(_try(to_money, raw.get("amount")))
        for error in exc.errors():
            name = str(error["loc"][0])
            if name in table.columns:
                shown = show_cell(raw[name], account=name in _ACCOUNT_FIELDS)
                problems.add(table.sheet, number, table.header(name), error["msg"], shown)
        return
    table.lines.append(line)
    table.amounts.append(line.amount)


def _check_across(batch: _BatchFields, table: _LineTable, problems: _Problems) -> None:
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
    batch_id = batch.values.get("batch_id")
    if batch_id is not None:
        room = REFERENCE_MAX - len(batch_id) - 1
        for row, employee in table.employees:
            if len(employee) > room:
                expected = (
                    f"an employee ID of at most {room} characters, so that the reference"
                    f" 'batch ID:employee ID' fits the console's {REFERENCE_MAX}"
                )
                problems.add(payroll, row, column, expected, employee)


def _fold(value: Cell) -> str:
    """Fold a sheet, field or column name for matching: case, spaces, a trailing '.' or ':'."""
    return " ".join(cell_text(value).casefold().split()).rstrip(".:：").rstrip()


def _either(aliases: tuple[str, ...]) -> str:
    chinese = next(alias for alias in aliases if not alias.isascii())
    return f"{aliases[0]!r} (or {chinese!r})"


def _alias_map(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_fold(alias): name for name, aliases in names.items() for alias in aliases}


def _at(row: list[Cell], index: int) -> Cell:
    return row[index] if index < len(row) else None


def _try(convert: Callable[[Cell], Decimal], value: Cell) -> Decimal | None:
    try:
        return convert(value)
    except ValueError:  # pydantic's custom errors are ValueErrors
        return None
