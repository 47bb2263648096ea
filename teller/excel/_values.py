"""Turn Python values into cell values: exact money, dates in UTC, text that is never a formula."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from openpyxl.cell.cell import Cell

from teller.excel._styles import DATE, DATETIME, LINK, MONEY, PERCENT, TEXT

__all__ = [
    "Kind",
    "Link",
    "display_width",
    "is_formula_like",
    "money",
    "naive_utc",
    "safe_text",
    "set_value",
]

Kind = Literal["text", "money", "int", "date", "datetime", "percent"]

CENT = Decimal("0.01")
# Four places keep basis points of a rate such as 0.9537 (95.37 %).
RATE_PLACES = Decimal("0.0001")
MAX_TEXT = 32_767  # Excel refuses longer cell text

# A cell starting with one of these is evaluated (or offered for evaluation) by Excel,
# LibreOffice or a CSV re-import: the classic formula-injection triggers.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML 1.0 cannot carry; openpyxl raises on them and would kill the whole report.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Link:
    """Text that opens ``target`` when clicked: a hyperlink attribute on a text cell, never a formula.

    Put it in a ``text`` column; the text is stored like any other text (never evaluated).
    """

    text: str
    target: str

    def __str__(self) -> str:
        return self.text


def safe_text(value: object) -> str:
    """Return ``value`` as text a worksheet can hold: illegal characters dropped, Excel's length cap.

    Whether the text *looks* like a formula is not changed here (the characters are the
    data); :func:`set_value` stores such text as a plain string with a quote prefix.
    """
    text = value if isinstance(value, str) else str(value)
    text = _ILLEGAL.sub("\ufffd", text)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "\u2026"
    return text


def is_formula_like(text: str) -> bool:
    """Return True when a spreadsheet program might treat ``text`` as a formula."""
    return text.startswith(_FORMULA_START)


def set_value(cell: Cell, value: object, kind: Kind = "text") -> None:
    """Put ``value`` into ``cell`` as ``kind``, with its named style; ``None`` leaves it empty."""
    if value is None:
        return
    if kind == "text" and isinstance(value, Link):
        _set_link(cell, value)
    elif kind == "text":
        _set_text(cell, value)
    elif kind == "money":
        _set_decimal(cell, money(value), MONEY)
    elif kind == "percent":
        _set_decimal(cell, _decimal(value, "percent").quantize(RATE_PLACES, ROUND_HALF_UP), PERCENT)
    elif kind == "int":
        cell.value = _integer(value)
    elif kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            raise TypeError(f"a date column needs a date, not {type(value).__name__}")
        cell.value = value
        cell.style = DATE
    elif kind == "datetime":
        cell.value = naive_utc(value)
        cell.style = DATETIME
    else:
        raise ValueError(f"unknown column kind {kind!r}")


def money(value: object) -> Decimal:
    """Return ``value`` as a Decimal of whole cents; floats are refused, never rounded through."""
    return _decimal(value, "money").quantize(CENT, ROUND_HALF_UP)


def naive_utc(value: object) -> datetime:
    """Return a datetime Excel can store: aware values become UTC wall time (Excel has no zones)."""
    if not isinstance(value, datetime):
        raise TypeError(f"a datetime column needs a datetime, not {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def display_width(value: object, kind: Kind) -> int:
    """Return roughly how many character cells ``value`` needs when shown as ``kind``."""
    if value is None:
        return 0
    if kind == "money":
        return len(f"{money(value):,.2f}")
    if kind == "percent":
        return 8
    if kind == "date":
        return 10
    if kind == "datetime":
        return 19
    text = safe_text(value)
    longest = max(text.split("\n"), key=len) if text else ""
    # CJK names are common in our inputs and take two character cells each.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _set_text(cell: Cell, value: object) -> None:
    text = safe_text(value)
    cell.value = text
    # openpyxl turns "=..." into a formula and "#N/A" into an error; input text is neither.
    cell.data_type = "s"
    if is_formula_like(text):
        # quotePrefix keeps it text even when someone edits the cell in Excel later.
        cell.style = TEXT
        cell.quotePrefix = True


def _set_link(cell: Cell, link: Link) -> None:
    _set_text(cell, link.text)
    # A hyperlink lives in the sheet's relationships, not in the cell: nothing to evaluate.
    cell.hyperlink = link.target
    if not is_formula_like(safe_text(link.text)):  # formula-like text keeps its text style
        cell.style = LINK


def _set_decimal(cell: Cell, amount: Decimal, style: str) -> None:
    # openpyxl formats numbers with "%.16g", which writes 512.69 as 512.6900000000001. Giving
    # it the exact decimal text with a numeric type puts <v>512.69</v> in the file, so Excel
    # parses the same double it would for a typed-in 512.69 and sums agree with the ledger.
    cell.value = format(amount, "f")
    cell.data_type = "n"
    cell.style = style


def _decimal(value: object, kind: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"a {kind} column takes Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        raise TypeError(f"a {kind} column takes Decimal or int, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"a {kind} column cannot hold {amount}")
    return amount


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"an int column takes int, not {type(value).__name__}")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"an int column cannot hold {value}")
        return int(value)
    return value
