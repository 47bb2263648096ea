"""teller.excel: exact money, text that never becomes a formula, tables readers can filter."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import teller.excel
from teller.excel import (
    Chart,
    Column,
    Field,
    Table,
    file_sha256,
    is_formula_like,
    money,
    new_workbook,
    safe_text,
    save,
    write_key_values,
    write_table,
)

INJECTIONS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "#N/A",
]

COLUMNS = [
    Column("Name"),
    Column("Amount", "money"),
    Column("Count", "int"),
    Column("Paid on", "date"),
    Column("Posted", "datetime"),
    Column("Rate", "percent"),
]


def _sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        }


@pytest.fixture(params=[False, True], ids=["normal", "write_only"])
def write_only(request: pytest.FixtureRequest) -> bool:
    """Both workbook modes: every table must come out the same either way."""
    return bool(request.param)


def test_exported_names() -> None:
    assert teller.excel.__all__ == [
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


def test_table_values_come_back_typed_and_formatted(tmp_path: Path, write_only: bool) -> None:
    wb = new_workbook(write_only=write_only)
    posted = datetime(2024, 1, 31, 22, 15, 5, tzinfo=timezone(timedelta(hours=8)))
    rows = [
        ["Zhang San", Decimal("512.69"), 3, date(2024, 1, 31), posted, Decimal("0.95")],
        ["Li Si", Decimal("1E+3"), 0, None, None, Decimal("1")],
    ]
    write_table(wb, "Lines", COLUMNS, rows)
    path = save(wb, tmp_path / "t.xlsx")

    ws = load_workbook(path)["Lines"]
    assert [c.value for c in ws[1]] == [c.title for c in COLUMNS]
    assert ws["A1"].style == "Teller Header"
    name, amount, count, paid_on, posted_cell, rate = ws[2]
    assert name.value == "Zhang San"
    assert Decimal(str(amount.value)) == Decimal("512.69")
    assert amount.number_format == "#,##0.00"
    assert count.value == 3
    assert paid_on.value == datetime(2024, 1, 31) and paid_on.number_format == "yyyy-mm-dd"
    # Excel has no time zones: aware datetimes are written as UTC wall time.
    assert posted_cell.value == datetime(2024, 1, 31, 14, 15, 5)
    assert posted_cell.number_format == "yyyy-mm-dd hh:mm:ss"
    assert rate.value == pytest.approx(0.95) and rate.number_format == "0.00%"
    assert Decimal(str(ws["B3"].value)) == Decimal("1000.00")
    assert ws["D3"].value is None
    assert ws.max_row == 3


def test_money_is_written_as_exact_decimal_text(tmp_path: Path, write_only: bool) -> None:
    # "%.16g" (openpyxl's own number formatting) would write 512.6900000000001.
    wb = new_workbook(write_only=write_only)
    amounts = [Decimal("512.69"), Decimal("78675.74"), Decimal("72908151.74"), Decimal("1.005")]
    write_table(wb, "M", [Column("Amount", "money")], [[a] for a in amounts])
    xml = _sheet_xml(save(wb, tmp_path / "m.xlsx"))["xl/worksheets/sheet1.xml"]
    values = re.findall(r"<v>([^<]*)</v>", xml)
    assert values == ["512.69", "78675.74", "72908151.74", "1.01"]


def test_money_refuses_float() -> None:
    with pytest.raises(TypeError, match="float"):
        money(0.1)
    wb = new_workbook()
    with pytest.raises(TypeError, match="float"):
        write_table(wb, "M", [Column("Amount", "money")], [[12.5]])
    assert money(7) == Decimal("7.00")


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_like_text_stays_plain_text(tmp_path: Path, write_only: bool, text: str) -> None:
    wb = new_workbook(write_only=write_only)
    write_table(wb, "T", [Column("Name"), Column("Note")], [[text, "ok"]])
    path = save(wb, tmp_path / "t.xlsx")

    cell = load_workbook(path)["T"]["A2"]
    assert cell.value == text
    assert cell.data_type == "s"
    xml = _sheet_xml(path)["xl/worksheets/sheet1.xml"]
    assert "<f>" not in xml and "<f " not in xml
    if is_formula_like(text):
        # So it stays text when someone edits the cell in Excel later.
        assert cell.quotePrefix
        assert cell.number_format == "@"


def test_safe_text_drops_what_xml_cannot_carry() -> None:
    assert safe_text("a\x00b\x1fc") == "a\ufffdb\ufffdc"
    assert safe_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert len(safe_text("x" * 40_000)) == 32_767
    assert safe_text(12) == "12"


def test_table_is_frozen_filtered_and_protected(tmp_path: Path, write_only: bool) -> None:
    wb = new_workbook(write_only=write_only)
    rows = [["A very long name that needs a wide column", Decimal("1"), 1, None, None, None]] * 3
    write_table(wb, "T", COLUMNS, rows)
    ws = load_workbook(save(wb, tmp_path / "t.xlsx"))["T"]

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F4"
    assert ws.protection.sheet
    # Filtering and sorting stay allowed: False means "not protected" here.
    assert ws.protection.autoFilter is False and ws.protection.sort is False
    assert ws.protection.password is None
    assert ws.column_dimensions["A"].width > ws.column_dimensions["C"].width
    assert ws.column_dimensions["A"].width <= 60


def test_empty_table_still_has_header_and_filter(tmp_path: Path, write_only: bool) -> None:
    wb = new_workbook(write_only=write_only)
    write_table(wb, "Empty", COLUMNS, [])
    ws = load_workbook(save(wb, tmp_path / "e.xlsx"))["Empty"]
    assert ws.max_row == 1
    assert ws.auto_filter.ref == "A1:F1"


def test_rows_must_fit_the_columns() -> None:
    with pytest.raises(ValueError, match="row 2 has 1 values for 6 columns"):
        write_table(new_workbook(), "T", COLUMNS, [["only a name"]])


def test_fixed_width_wins(tmp_path: Path) -> None:
    wb = new_workbook()
    write_table(wb, "T", [Column("Note", width=42)], [["short"]])
    assert load_workbook(save(wb, tmp_path / "t.xlsx"))["T"].column_dimensions["A"].width == 42


def test_key_values_with_table_and_chart(tmp_path: Path, write_only: bool) -> None:
    wb = new_workbook(write_only=write_only)
    fields = [
        Field("Run id", "r-1"),
        Field("Pay date", date(2024, 1, 31), "date"),
        None,
        Field("Total", Decimal("1234.50"), "money"),
        Field("Rate", Decimal("0.9500"), "percent"),
        Field("Who", "=cmd|' /C calc'!A0"),
    ]
    table = Table(
        [Column("Outcome"), Column("Lines", "int"), Column("Total", "money")],
        [("done", 19, Decimal("100.00")), ("failed_business", 1, Decimal("5.00"))],
    )
    write_key_values(wb, "Summary", fields, table=table, chart=Chart("Lines by outcome", "Lines"))
    path = save(wb, tmp_path / "s.xlsx")

    ws = load_workbook(path)["Summary"]
    assert [ws.cell(row, 1).value for row in range(1, 7)] == [
        "Run id",
        "Pay date",
        None,
        "Total",
        "Rate",
        "Who",
    ]
    assert ws["A1"].style == "Teller Label"
    assert Decimal(str(ws["B4"].value)) == Decimal("1234.50")
    assert ws["B4"].number_format == "#,##0.00"
    assert ws["B6"].value == "=cmd|' /C calc'!A0" and ws["B6"].data_type == "s"
    assert [c.value for c in ws[8]] == ["Outcome", "Lines", "Total"]
    assert [c.value for c in ws[9]][:2] == ["done", 19]
    assert ws.protection.sheet
    with zipfile.ZipFile(path) as archive:
        chart_xml = archive.read("xl/charts/chart1.xml").decode()
    assert "'Summary'!$B$9:$B$10" in chart_xml
    assert "'Summary'!$A$9:$A$10" in chart_xml


def test_chart_needs_its_table() -> None:
    with pytest.raises(ValueError, match="needs the table"):
        write_key_values(new_workbook(), "S", [Field("a", 1, "int")], chart=Chart("c", "Lines"))


def test_save_is_atomic_and_writes_a_manifest(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    wb = new_workbook(write_only=True)
    write_table(wb, "T", [Column("Name")], [["first"]])
    save(wb, target, manifest=True)
    before = target.read_bytes()
    manifest = (tmp_path / "report.xlsx.sha256").read_text("utf-8")
    assert manifest == f"{file_sha256(target)}  report.xlsx\n"

    # A failed save leaves the last good report in place and no temporary file behind.
    broken = new_workbook()
    broken.create_sheet("T")["A1"] = datetime(2024, 1, 1, tzinfo=UTC)  # openpyxl fails on it
    with pytest.raises(TypeError, match="timezones"):
        save(broken, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx", "report.xlsx.sha256"]


def test_new_workbook_has_no_stray_sheet_and_carries_styles() -> None:
    wb = new_workbook()
    assert wb.sheetnames == []
    assert {"Teller Header", "Teller Money", "Teller Date", "Teller Text"} <= set(wb.style_names)
    assert isinstance(wb, Workbook)


# Big enough to cross the write-only threshold; speed is measured in bench/, not asserted here.
BIG_ROWS = 60_000


def _big_rows() -> Iterator[tuple[object, ...]]:
    pay_date = date(2024, 1, 31)
    for i in range(BIG_ROWS):
        yield (
            i + 1,
            f"PAY-2024-01:E{i:06d}",
            f"E{i:06d}",
            f"Employee {i}",
            "****1234",
            Decimal(i % 500_000) / 100,
            "auto_approved",
            "done",
            pay_date,
            "=1+1" if i % 10_000 == 0 else "",
        )


@pytest.mark.timeout(120)
def test_write_only_table_of_many_rows(tmp_path: Path) -> None:
    columns = [
        Column("Seq", "int"),
        Column("Reference"),
        Column("Employee id"),
        Column("Name"),
        Column("Account"),
        Column("Amount", "money"),
        Column("Decision"),
        Column("State"),
        Column("Pay date", "date"),
        Column("Note"),
    ]
    wb = new_workbook(write_only=True)
    write_table(wb, "Big", columns, _big_rows())
    path = save(wb, tmp_path / "big.xlsx")

    xml = _sheet_xml(path)["xl/worksheets/sheet1.xml"]
    assert xml.count("<row ") == BIG_ROWS + 1
    assert f'<row r="{BIG_ROWS + 1}"' in xml
    assert "<f>" not in xml
    ws = load_workbook(path, read_only=True)["Big"]
    first = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    assert first[:4] == (1, "PAY-2024-01:E000000", "E000000", "Employee 0")
    assert first[9] == "=1+1"
    # A read-only worksheet does not parse views or filters: look at the XML.
    assert 'topLeftCell="A2"' in xml and 'state="frozen"' in xml
    assert f'<autoFilter ref="A1:J{BIG_ROWS + 1}"' in xml
