"""The named styles every Teller workbook carries, so cells share one look and one number format."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

__all__ = [
    "DATE",
    "DATETIME",
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "HEADER",
    "LABEL",
    "LINK",
    "MONEY",
    "MONEY_FORMAT",
    "PERCENT",
    "PERCENT_FORMAT",
    "TEXT",
    "register_styles",
]

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
PERCENT_FORMAT = "0.00%"

HEADER = "Teller Header"
LABEL = "Teller Label"
MONEY = "Teller Money"
DATE = "Teller Date"
DATETIME = "Teller Datetime"
PERCENT = "Teller Percent"
TEXT = "Teller Text"
LINK = "Teller Link"


def _styles() -> list[NamedStyle]:
    return [
        NamedStyle(
            name=HEADER,
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="DDE4EE"),
            border=Border(bottom=Side(style="thin")),
            alignment=Alignment(vertical="center", wrap_text=True),
        ),
        NamedStyle(name=LABEL, font=Font(bold=True)),
        NamedStyle(name=MONEY, number_format=MONEY_FORMAT),
        NamedStyle(name=DATE, number_format=DATE_FORMAT),
        NamedStyle(name=DATETIME, number_format=DATETIME_FORMAT),
        NamedStyle(name=PERCENT, number_format=PERCENT_FORMAT),
        # "@" is Excel's text format: an edited cell stays text instead of being evaluated.
        NamedStyle(name=TEXT, number_format="@"),
        # Excel's own look for a hyperlink, so a reader sees the cell can be clicked.
        NamedStyle(name=LINK, font=Font(color="0563C1", underline="single")),
    ]


def register_styles(wb: Workbook) -> None:
    """Add Teller's named styles to ``wb`` (once); cells then refer to them by name."""
    present = set(wb.style_names)
    for style in _styles():
        if style.name not in present:
            wb.add_named_style(style)
