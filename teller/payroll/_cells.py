"""Payroll workbook cells: the names a clerk may write, and a checked type for each cell."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from teller._masking import mask_account
from teller._text import Odd, foreign_digit, invisible, is_invisible, mixed_scripts

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
OPTIONAL_COLUMNS = {"memo"}
ACCOUNT_FIELDS = {"account_no", "debit_account"}

Cell = Any  # what a reader gives for a cell: str, int, float, bool, datetime, date or None
Rows = list[list[Cell]]  # the list's item i is Excel row i + 1

MEMO_MAX = 200  # a memo is short text; each console says its own limit (its map's rules)
CENT = Decimal("0.01")
# Excel keeps 15 significant digits of a number; beyond that a number cell holds noise.
_EXCEL_DIGITS = 15
_MONEY_MAX = Decimal("9999999999999.99")  # 15 digits: the most a number cell holds exactly
# ASCII digits only: Python's \d would take fullwidth and Arabic-Indic digits too
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_ACCOUNT = re.compile(r"[0-9]{10,19}")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,24}")
_WHOLE = re.compile(r"[0-9]+")
_EMPLOYEE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EMPLOYEE_EXPECTED = "an employee ID of ASCII letters and digits 0-9 (and '-', '_', '.')"
# the blanks a name or memo may hold: a space, and the ideographic space of Chinese text
_NAME_SPACES = " \u3000"
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
    # an invisible character is shown by its code point, or the cell would look fine
    text = "".join(f"<U+{ord(c):04X}>" if is_invisible(c, spaces=_NAME_SPACES) else c for c in text)
    return mask_account(text) if account else text


def fold(value: Cell) -> str:
    """Fold a sheet, field or column name for matching: case, spaces, a trailing '.' or ':'."""
    return " ".join(cell_text(value).casefold().split()).rstrip(".:：").rstrip()


def alias_map(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(alias): name for name, aliases in names.items() for alias in aliases}


def either(aliases: tuple[str, ...]) -> str:
    chinese = next(alias for alias in aliases if not alias.isascii())
    return f"{aliases[0]!r} (or {chinese!r})"


def _required(expected: str) -> Callable[[Cell], str]:
    def validate(value: Cell) -> str:
        text = cell_text(value)
        if not text:
            raise PydanticCustomError("required", expected)
        return text

    return validate


def _refuse(kind: str, expected: str, odd: Odd | str) -> PydanticCustomError:
    return PydanticCustomError(kind, f"{expected}; refused: {odd}")


def _no_invisible(text: str, expected: str, *, spaces: str = " ") -> None:
    odd = invisible(text, spaces=spaces)
    if odd is not None:
        raise _refuse("invisible", f"{expected}, without invisible characters", odd)


def _ascii_digits(text: str, expected: str) -> None:
    odd = foreign_digit(text)
    if odd is not None:
        raise _refuse("digits", f"{expected}, in the digits 0-9 only", odd)


def _one_script(text: str, expected: str) -> None:
    scripts = mixed_scripts(text)
    if scripts:
        found = ", ".join(f"{script.title()} ({odd})" for script, odd in scripts)
        raise _refuse("mixed_script", f"{expected}, in the letters of one script", found)


def _employee_id(value: Cell) -> str:
    text = _required("an employee ID")(value)
    _no_invisible(text, _EMPLOYEE_EXPECTED)
    _ascii_digits(text, _EMPLOYEE_EXPECTED)
    _one_script(text, _EMPLOYEE_EXPECTED)
    if not _EMPLOYEE_ID.fullmatch(text):
        other = next((c for c in text if not (c.isascii() and (c.isalnum() or c in "._-"))), "")
        where = Odd(text.index(other) + 1, other) if other else "a separator first"
        raise _refuse("employee_id", _EMPLOYEE_EXPECTED, where)
    return text


def _name(value: Cell) -> str:
    text = _required("the employee's name")(value)
    expected = "the employee's name"
    _no_invisible(text, expected, spaces=_NAME_SPACES)
    _ascii_digits(text, expected)
    _one_script(text, expected)
    text = unicodedata.normalize("NFC", text)
    for position, char in enumerate(text, start=1):
        # a combining mark belongs on a letter; alone it decorates nothing a reader can see
        if unicodedata.combining(char) and (
            position == 1 or not unicodedata.category(text[position - 2]).startswith(("L", "M"))
        ):
            raise _refuse("combining", f"{expected}, marks only on letters", Odd(position, char))
    return text


def _memo(value: Cell) -> str:
    text = cell_text(value)
    if len(text) > MEMO_MAX:
        raise PydanticCustomError("memo_too_long", f"a memo of at most {MEMO_MAX} characters")
    _no_invisible(text, "a memo", spaces=_NAME_SPACES)
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
    text = cell_text(value)
    _no_invisible(text, _ACCOUNT_EXPECTED)
    _ascii_digits(text, _ACCOUNT_EXPECTED)
    # Spaces or dashes between digit groups are how people write account numbers.
    text = re.sub(r"(?<=[0-9])[ -](?=[0-9])", "", text)
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
    elif isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value.strip(" ")):
        amount = Decimal(value.strip(" ").replace(",", ""))
    else:
        return None
    return amount if amount.is_finite() else None


def to_money(value: Cell) -> Decimal:
    """Return a cell as a positive amount of exactly two decimal places, or raise."""
    if isinstance(value, str):
        _no_invisible(value.strip(" "), "an amount")
        _ascii_digits(value, "an amount")
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
    expected = "a batch ID of 1 to 24 letters, digits, '-' or '_'"
    _no_invisible(text, expected)
    _ascii_digits(text, expected)
    if not _BATCH_ID.fullmatch(text):
        raise PydanticCustomError("batch_id", "a batch ID of 1 to 24 letters, digits, '-' or '_'")
    return text


def _line_count(value: Cell) -> int:
    text = "" if isinstance(value, bool) else cell_text(value)
    if not _WHOLE.fullmatch(text) or int(text) < 1:
        raise PydanticCustomError("line_count", "a whole number of lines, at least 1")
    return int(text)


# Each type takes a raw cell, so a model validates a row exactly as the reader gave it.
EmployeeId = Annotated[str, BeforeValidator(_employee_id)]
EmployeeName = Annotated[str, BeforeValidator(_name)]
AccountNo = Annotated[str, BeforeValidator(_account_no)]
Money = Annotated[Decimal, BeforeValidator(to_money)]
Memo = Annotated[str, BeforeValidator(_memo)]
PayDate = Annotated[date, BeforeValidator(_pay_date)]
BatchId = Annotated[str, BeforeValidator(_batch_id)]
LineCount = Annotated[int, BeforeValidator(_line_count)]
