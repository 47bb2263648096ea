"""Workbook primitives every Teller report is built on.

Money is written as exact decimal text in ``#,##0.00``; input text is stored as plain strings,
never formulas; tables get a frozen styled header, an auto-filter and a light sheet protection;
large tables stream through a write-only workbook behind the same :func:`write_table`.
CSV files Teller writes (:func:`write_csv`) follow the same rule: no cell starts a formula.

    wb = new_workbook()
    write_table(wb, "Lines", [Column("Name"), Column("Amount", "money")], rows)
    save(wb, path)
"""

from __future__ import annotations

from teller.excel._audit import AUDIT_COLUMNS, AUDIT_SHEET, AuditLine, audit_rows, head_fields
from teller.excel._charts import Chart, add_chart
from teller.excel._csv import csv_cell, write_csv
from teller.excel._files import LARGE_TABLE_ROWS, file_sha256, new_workbook, save
from teller.excel._styles import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    register_styles,
)
from teller.excel._tables import Column, Field, Table, write_key_values, write_table
from teller.excel._values import Kind, Link, is_formula_like, money, safe_text, set_value

__all__ = [
    "AUDIT_COLUMNS",
    "AUDIT_SHEET",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "LARGE_TABLE_ROWS",
    "MONEY_FORMAT",
    "PERCENT_FORMAT",
    "AuditLine",
    "Chart",
    "Column",
    "Field",
    "Kind",
    "Link",
    "Table",
    "add_chart",
    "audit_rows",
    "csv_cell",
    "file_sha256",
    "head_fields",
    "is_formula_like",
    "money",
    "new_workbook",
    "register_styles",
    "safe_text",
    "save",
    "set_value",
    "write_csv",
    "write_key_values",
    "write_table",
]
