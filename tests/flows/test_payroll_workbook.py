"""Reading and validating payroll workbooks: good ones load exactly, bad ones say where."""

from __future__ import annotations

import hashlib
import re
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from teller._errors import InputError, InputProblem
from teller.consolemap import field_rules
from teller.locators import LocatorRepository
from teller.payroll.workbook import PayrollBatch, PayrollLine, load_payroll

from .conftest import PayrollBook

SIMPLIFIED = (
    ["工号", "姓名", "账号", "金额", "备注"],
    ["批次号", "发薪日", "付款账号", "总笔数", "总金额"],
)
TRADITIONAL = (
    ["工號", "姓名", "賬號", "金額", "備注"],
    ["批次號", "發薪日", "付款賬號", "總筆數", "總金額"],
)
FIELDS = ("Batch ID", "Pay Date", "Debit Account", "Line Count", "Control Total")


# the console's own rules (its map's `rules:`), as the payroll flow passes them
COREBANK = field_rules(
    LocatorRepository.load(Path(__file__).parents[2] / "selectors" / "corebank.yaml")
)


def problems_of(path: Path) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        load_payroll(path, rules=COREBANK, console="corebank")
    return caught.value.problems


def only_problem(path: Path) -> InputProblem:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


def lines_with(row: int, column: int, value: Any) -> list[list[Any]]:
    """The good lines, with one cell changed (``row`` counts from the first line, 0)."""
    lines = [list(line) for line in PayrollBook.good_lines]
    lines[row][column] = value
    return lines


# --- good workbooks -------------------------------------------------------------------


def test_a_good_workbook_loads_with_exact_amounts(payroll_book: PayrollBook) -> None:
    path = payroll_book.write()

    batch = load_payroll(path)

    assert batch.file == "payroll.xlsx"
    assert batch.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch.batch_id == "PAY-20261125-01"
    assert batch.pay_date == date(2026, 11, 25)
    assert batch.debit_account == payroll_book.debit_account
    assert batch.line_count == 3
    assert str(batch.control_total) == "22035.06"
    assert [line.row for line in batch.lines] == [2, 3, 4]
    assert [str(line.amount) for line in batch.lines] == ["12500.00", "8300.50", "1234.56"]
    assert all(isinstance(line.amount, Decimal) for line in batch.lines)
    first = batch.lines[0]
    assert (first.employee_id, first.name, first.account_no) == (
        "E00001",
        "张伟",
        "6222020200112233445",
    )
    assert first.memo == "2026-11 工资 Salary"
    assert batch.lines[2].memo == ""
    assert batch.reference(first) == "PAY-20261125-01:E00001"


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
@pytest.mark.parametrize("names", [None, SIMPLIFIED, TRADITIONAL], ids=["en", "zh-hans", "zh-hant"])
def test_xlsx_and_xls_load_alike_with_english_or_chinese_names(
    payroll_book: PayrollBook, suffix: str, names: tuple[list[str], list[str]] | None
) -> None:
    headers, labels = names or (None, list(FIELDS))
    path = payroll_book.write(
        f"payroll.{suffix}", headers=headers, labels=dict(zip(FIELDS, labels, strict=True))
    )

    batch = load_payroll(path)

    assert batch.pay_date == date(2026, 11, 25)
    assert batch.control_total == Decimal("22035.06")
    assert [line.amount for line in batch.lines] == [
        Decimal("12500.00"),
        Decimal("8300.50"),
        Decimal("1234.56"),
    ]
    assert [line.account_no for line in batch.lines] == [row[2] for row in payroll_book.good_lines]
    assert [line.row for line in batch.lines] == [2, 3, 4]


def test_names_are_matched_ignoring_case_spaces_and_a_trailing_dot(
    payroll_book: PayrollBook,
) -> None:
    headers = ["  employee id ", "NAME", "Account No.", "amount", " Memo "]
    labels = {"Batch ID": "batch id", "Pay Date": " PAY DATE ", "Line Count": "Line  Count:"}
    path = payroll_book.write(headers=headers, labels=labels)

    assert load_payroll(path).line_count == 3


def test_a_problem_names_the_column_as_the_file_heads_it(payroll_book: PayrollBook) -> None:
    headers = ["工号", "姓名", "Account No.", "金额", "备注"]
    path = payroll_book.write(headers=headers, lines=lines_with(1, 3, "abc"))

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Payroll", 3, "金额")


def test_chinese_sheet_names_are_accepted_and_named_as_written(payroll_book: PayrollBook) -> None:
    good = payroll_book.write(names=("批次", "工资"))
    bad = payroll_book.write("bad.xlsx", names=("批次", "工资"), lines=lines_with(0, 1, ""))

    assert load_payroll(good).line_count == 3
    assert only_problem(bad).sheet == "工资"


def test_blank_rows_are_ignored_and_rows_keep_their_excel_numbers(
    payroll_book: PayrollBook,
) -> None:
    sheets = payroll_book.sheets()
    title = ["2026年11月工资表"]
    payroll = sheets["Payroll"]
    sheets["Payroll"] = [
        title,
        [],
        payroll[0],
        payroll[1],
        [None, " "],
        *payroll[2:],
        [],
        [None] * 5,
    ]
    path = payroll_book.write_sheets(sheets)

    batch = load_payroll(path)

    assert [line.row for line in batch.lines] == [4, 6, 7]


def test_the_format_is_read_from_the_bytes_not_the_name(payroll_book: PayrollBook) -> None:
    path = payroll_book.write("payroll.xlsx")
    renamed = path.rename(path.with_suffix(".xls"))

    assert load_payroll(renamed).line_count == 3


@pytest.mark.parametrize(
    ("written", "loaded"),
    [("1,234.50", "1234.50"), (" 3000 ", "3000.00"), ("45,000.1", "45000.10"), (1234.5, "1234.50")],
)
def test_amounts_as_text_or_numbers_are_exact(
    payroll_book: PayrollBook, written: Any, loaded: str
) -> None:
    path = payroll_book.write(lines=lines_with(0, 3, written))

    assert str(load_payroll(path).lines[0].amount) == loaded


@pytest.mark.parametrize(
    ("noise", "loaded"),
    [
        ("0.30000000000000004", "0.30"),
        ("1234.5000000000002", "1234.50"),
        ("8300.499999999999", "8300.50"),
    ],
)
def test_float_noise_in_a_number_cell_reads_as_excel_shows_it(
    payroll_book: PayrollBook, noise: str, loaded: str
) -> None:
    # openpyxl writes clean numbers, so the noise Excel itself writes is put into the XML.
    path = payroll_book.write(lines=lines_with(1, 3, 777.777), batch={"Control Total": "1.00"})
    _replace_in_sheets(path, "<v>777.777</v>", f"<v>{noise}</v>")
    control = Decimal("12500.00") + Decimal(loaded) + Decimal("1234.56")
    _replace_in_sheets(path, ">1.00<", f">{control}<")

    batch = load_payroll(path)

    assert str(batch.lines[1].amount) == loaded
    assert batch.control_total == control


def test_a_number_cell_with_three_decimals_is_not_noise(payroll_book: PayrollBook) -> None:
    path = payroll_book.write(lines=lines_with(1, 3, 1358.016), batch={"Control Total": "1.00"})

    problem = only_problem(path)

    assert (problem.row, problem.column, problem.found) == (3, "Amount", "1358.016")
    assert problem.expected == "an amount with at most 2 decimal places"


# --- bad cells ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected", "found"),
    [
        ("abc", "an amount as a number, e.g. 1234.50", "abc"),
        (12.345, "an amount with at most 2 decimal places", "12.345"),
        ("12.345", "an amount with at most 2 decimal places", "12.345"),
        (Decimal("-100.00"), "an amount greater than zero", "-100"),
        ("-100.00", "an amount greater than zero", "-100.00"),
        (0, "an amount greater than zero", "0"),
        (None, "an amount as a number, e.g. 1234.50", "an empty cell"),
    ],
)
def test_a_bad_amount_is_located_and_explained(
    payroll_book: PayrollBook, amount: Any, expected: str, found: str
) -> None:
    path = payroll_book.write(lines=lines_with(1, 3, amount), batch={"Control Total": "1.00"})

    # The control total cannot be checked against an unreadable amount: one problem only.
    problem = only_problem(path)

    assert problem == InputProblem("payroll.xlsx", "Payroll", 3, "Amount", expected, found)


@pytest.mark.parametrize(
    ("account", "expected", "found"),
    [
        (6.222020200112233e18, "store account numbers as text", "a number"),
        (6222020200112233445, "store account numbers as text", "a number"),
        ("6.22202E+18", "store account numbers as text", "****E+18"),
        ("12345", "an account number of 10 to 19 digits", "****2345"),
        ("6222abc0200112233", "an account number of 10 to 19 digits", "****2233"),
        ("62220202001122334455", "an account number of 10 to 19 digits", "****4455"),
        (None, "an account number of 10 to 19 digits", "an empty cell"),
    ],
)
def test_a_bad_account_number_is_located_and_masked(
    payroll_book: PayrollBook, account: Any, expected: str, found: str
) -> None:
    path = payroll_book.write(lines=lines_with(0, 2, account))

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Payroll", 2, "Account No")
    assert expected in problem.expected
    assert problem.found == found


@pytest.mark.parametrize(
    ("account", "loaded"),
    [(1234567890, "1234567890"), ("6222 0202 0011 2233 445", "6222020200112233445")],
)
def test_a_short_number_cell_or_grouped_digits_are_a_good_account(
    payroll_book: PayrollBook, account: Any, loaded: str
) -> None:
    path = payroll_book.write(lines=lines_with(0, 2, account))

    assert load_payroll(path).lines[0].account_no == loaded


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (0, " ", "an employee ID"),
        (1, None, "the employee's name"),
        (4, "x" * 41, "a memo of at most 40 characters, as the corebank console accepts"),
    ],
)
def test_required_text_and_memo_length(
    payroll_book: PayrollBook, column: int, value: Any, expected: str
) -> None:
    path = payroll_book.write(lines=lines_with(2, column, value))

    problem = only_problem(path)

    assert (problem.row, problem.column, problem.expected) == (
        4,
        payroll_book.headers[column],
        expected,
    )


def test_a_memo_of_forty_characters_or_no_memo_column_is_fine(payroll_book: PayrollBook) -> None:
    forty = payroll_book.write(lines=lines_with(0, 4, "备" * 40))
    no_memo = payroll_book.write(
        "no-memo.xlsx",
        headers=payroll_book.headers[:4],
        lines=[r[:4] for r in payroll_book.good_lines],
    )

    assert load_payroll(forty).lines[0].memo == "备" * 40
    assert [line.memo for line in load_payroll(no_memo).lines] == ["", "", ""]


@pytest.mark.parametrize(
    ("field", "value", "row", "expected"),
    [
        ("Batch ID", "PAY 2026/11", 1, "a batch ID of 1 to 24 letters, digits, '-' or '_'"),
        ("Batch ID", "P" * 25, 1, "a batch ID of 1 to 24 letters, digits, '-' or '_'"),
        ("Pay Date", "25/11/2026", 2, "a date: a date cell, or text such as 2026-11-25"),
        ("Pay Date", "2026-02-30", 2, "a date: a date cell, or text such as 2026-11-25"),
        ("Pay Date", 46351, 2, "a date: a date cell, or text such as 2026-11-25"),
        ("Debit Account", "12345678", 3, "an account number of 10 to 19 digits"),
        ("Line Count", "three", 4, "a whole number of lines, at least 1"),
        ("Control Total", "lots", 5, "an amount as a number, e.g. 1234.50"),
    ],
)
def test_a_bad_batch_field_is_located_in_column_b(
    payroll_book: PayrollBook, field: str, value: Any, row: int, expected: str
) -> None:
    path = payroll_book.write(batch={field: value})

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column, problem.expected) == (
        "Batch",
        row,
        "B",
        expected,
    )


@pytest.mark.parametrize("value", ["2026-11-25", " 2026-11-25 ", datetime(2026, 11, 25)])
def test_a_pay_date_may_be_iso_text_or_a_date_cell(payroll_book: PayrollBook, value: Any) -> None:
    assert load_payroll(payroll_book.write(batch={"Pay Date": value})).pay_date == date(
        2026, 11, 25
    )


def test_a_debit_account_is_masked_in_a_problem(payroll_book: PayrollBook) -> None:
    path = payroll_book.write(batch={"Debit Account": "62220202009988776650123"})

    assert only_problem(path).found == "****0123"


# --- structure ------------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nope.xlsx")

    assert problem == InputProblem(
        "nope.xlsx", None, None, None, "a payroll workbook (.xlsx or .xls)", "no such file"
    )


def test_a_folder_is_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / "folder.xlsx").mkdir()

    assert only_problem(tmp_path / "folder.xlsx").found == "a folder"


@pytest.mark.parametrize("name", ["payroll.xlsx", "payroll.xls"])
def test_a_text_file_renamed_is_not_a_workbook(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Employee ID,Name,Account No,Amount\nE00001,张伟,6222020200112233445,100\n")

    problem = only_problem(path)

    assert (problem.file, problem.sheet, problem.row, problem.column) == (name, None, None, None)
    assert problem.expected == "an Excel workbook (.xlsx or .xls)"
    assert problem.found == "a file that is not a workbook"


def test_a_truncated_xlsx_is_a_damaged_workbook(payroll_book: PayrollBook) -> None:
    path = payroll_book.write()
    path.write_bytes(path.read_bytes()[:2000])

    problem = only_problem(path)

    assert problem.expected == "an Excel workbook (.xlsx or .xls)"
    assert problem.found is not None and problem.found.startswith("a damaged workbook")


def test_a_damaged_xls_is_a_damaged_workbook(payroll_book: PayrollBook) -> None:
    path = payroll_book.write("payroll.xls")
    path.write_bytes(path.read_bytes()[:600])

    found = only_problem(path).found

    assert found is not None and found.startswith("a damaged workbook")


def test_missing_sheets_are_each_named(payroll_book: PayrollBook) -> None:
    path = payroll_book.write_sheets({"Sheet1": [["hello"]]})

    problems = problems_of(path)

    assert [(p.sheet, p.row, p.column, p.expected) for p in problems] == [
        ("Batch", None, None, "a sheet named 'Batch'"),
        ("Payroll", None, None, "a sheet named 'Payroll'"),
    ]
    assert problems[0].found == "sheets 'Sheet1'"


def test_a_missing_sheet_does_not_hide_the_other_sheets_problems(payroll_book: PayrollBook) -> None:
    sheets = payroll_book.sheets(lines=lines_with(0, 3, "abc"))
    del sheets["Batch"]
    path = payroll_book.write_sheets(sheets)

    problems = problems_of(path)

    assert [(p.sheet, p.row, p.column) for p in problems] == [
        ("Batch", None, None),
        ("Payroll", 2, "Amount"),
    ]


def test_a_missing_column(payroll_book: PayrollBook) -> None:
    headers = ["Employee ID", "Name", "Bank", "Amount", "Memo"]
    path = payroll_book.write(headers=headers)

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Payroll", 1, "Account No")
    assert problem.expected == "a column headed 'Account No' (or '账号')"


def test_a_column_twice(payroll_book: PayrollBook) -> None:
    headers = ["Employee ID", "Name", "Account No", "Amount", "金额"]
    path = payroll_book.write(headers=headers)

    problem = only_problem(path)

    assert (problem.row, problem.column, problem.found) == (1, "金额", "D, E")


@pytest.mark.parametrize("field", FIELDS)
def test_a_missing_batch_field(payroll_book: PayrollBook, field: str) -> None:
    path = payroll_book.write(drop=[field])

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Batch", None, "A")
    assert field in problem.expected


def test_a_batch_field_twice(payroll_book: PayrollBook) -> None:
    sheets = payroll_book.sheets()
    sheets["Batch"].append(["Batch ID", "PAY-OTHER"])
    path = payroll_book.write_sheets(sheets)

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column, problem.found) == (
        "Batch",
        6,
        "A",
        "rows 1 and 6",
    )


def test_a_payroll_sheet_with_a_header_but_no_lines(payroll_book: PayrollBook) -> None:
    path = payroll_book.write(lines=[], batch={"Line Count": 3, "Control Total": "100.00"})

    problems = problems_of(path)

    assert [(p.sheet, p.row, p.column, p.found) for p in problems] == [
        ("Payroll", None, None, "none"),
        ("Batch", 4, "B", "3"),
    ]
    assert problems[0].expected == "at least one payroll line under the header row"


def test_an_empty_payroll_sheet(payroll_book: PayrollBook) -> None:
    sheets = payroll_book.sheets()
    sheets["Payroll"] = []
    path = payroll_book.write_sheets(sheets)

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column, problem.found) == (
        "Payroll",
        None,
        None,
        "an empty sheet",
    )


# --- across rows ----------------------------------------------------------------------


def test_a_control_total_off_names_both_figures(payroll_book: PayrollBook) -> None:
    path = payroll_book.write(batch={"Control Total": Decimal("22035.07")})

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Batch", 5, "B")
    assert problem.expected == "the sum of the payroll amounts, 22,035.06"
    assert problem.found == "22,035.07"


def test_a_line_count_off_names_both_figures(payroll_book: PayrollBook) -> None:
    path = payroll_book.write(batch={"Line Count": 4})

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Batch", 4, "B")
    assert problem.expected == "the number of payroll lines, 3"
    assert problem.found == "4"


@pytest.mark.parametrize("again", ["E00001", " e00001 "])
def test_an_employee_twice_names_both_rows(payroll_book: PayrollBook, again: str) -> None:
    path = payroll_book.write(lines=lines_with(2, 0, again))

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Payroll", 4, "Employee ID")
    assert problem.expected == "each employee once"
    assert problem.found is not None and "rows 2 and 4" in problem.found


def test_a_reference_longer_than_the_console_holds(payroll_book: PayrollBook) -> None:
    batch_id = "B" * 24  # "B...B:" leaves 15 characters for the employee ID
    path = payroll_book.write(batch={"Batch ID": batch_id}, lines=lines_with(1, 0, "E" * 16))

    problem = only_problem(path)

    assert (problem.sheet, problem.row, problem.column) == ("Payroll", 3, "Employee ID")
    assert "at most 15 characters" in problem.expected
    assert load_payroll(payroll_book.write("ok.xlsx", batch={"Batch ID": batch_id})).lines


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_every_problem_is_collected_in_one_error(payroll_book: PayrollBook, suffix: str) -> None:
    lines = [
        ["E00001", "张伟", "6222020200112233445", "abc", ""],
        ["E00002", "", "12345", Decimal("-5.00"), "x" * 41],
        ["E00001", "李娜", "6225880112345678", Decimal("100.00"), None],
    ]
    batch = {"Batch ID": "bad id!", "Pay Date": "tomorrow", "Line Count": 2}
    path = payroll_book.write(f"payroll.{suffix}", lines=lines, batch=batch)

    problems = problems_of(path)

    assert [(p.sheet, p.row, p.column) for p in problems] == [
        ("Batch", 1, "B"),
        ("Batch", 2, "B"),
        ("Payroll", 2, "Amount"),
        ("Payroll", 3, "Name"),
        ("Payroll", 3, "Account No"),
        ("Payroll", 3, "Amount"),
        ("Payroll", 3, "Memo"),
        ("Batch", 4, "B"),
        ("Payroll", 4, "Employee ID"),
    ]
    assert all(p.file == f"payroll.{suffix}" for p in problems)


def test_no_full_account_number_reaches_an_error_message(payroll_book: PayrollBook) -> None:
    accounts = ["6222020200112233445", "6217000010002000300", "6225880112345678", "1234567890123"]
    lines = [
        [
            "E00001",
            accounts[0],
            accounts[0] + "x",
            "abc",
            accounts[1],
        ],  # an account in every column
        ["E00002", "王芳", 6.217000010002e18, accounts[2], "x" * 41],
        [accounts[3], "李娜", accounts[3] + "99999999", Decimal("1.005"), None],
        ["E00002", "赵六", "62-2", "1", accounts[2] + " " * 30],
    ]
    path = payroll_book.write(lines=lines, batch={"Debit Account": accounts[0] + "000"})

    with pytest.raises(InputError) as caught:
        load_payroll(path)

    text = "\n".join([str(caught.value), *(repr(p) for p in caught.value.problems)])
    assert len(caught.value.problems) >= 8
    for account in accounts:
        assert account not in text
    assert not re.search(r"\d{10,}", text), text


# --- scale and models -----------------------------------------------------------------


def test_two_thousand_lines_load_quickly(payroll_book: PayrollBook) -> None:
    lines = [
        [f"E{n:05d}", "张伟", f"62220202{n:011d}", Decimal(3000 + n) + Decimal("0.25"), "工资"]
        for n in range(1, 2001)
    ]
    path = payroll_book.write(lines=lines)

    started = time.perf_counter()
    batch = load_payroll(path)
    elapsed = time.perf_counter() - started

    assert batch.line_count == 2000
    assert batch.control_total == sum(Decimal(3000 + n) + Decimal("0.25") for n in range(1, 2001))
    assert elapsed < 2.0


def test_a_batch_that_does_not_add_up_cannot_be_built(payroll_book: PayrollBook) -> None:
    batch = load_payroll(payroll_book.write())
    fields = batch.model_dump()

    with pytest.raises(ValidationError):
        PayrollBatch.model_validate({**fields, "line_count": 4})
    with pytest.raises(ValidationError):
        PayrollBatch.model_validate({**fields, "control_total": Decimal("1.00")})


def test_account_numbers_stay_out_of_reprs(payroll_book: PayrollBook) -> None:
    batch = load_payroll(payroll_book.write())

    assert payroll_book.debit_account not in repr(batch)
    assert "6222020200112233445" not in repr(batch.lines[0])


def test_a_line_validates_raw_cells_on_its_own() -> None:
    line = PayrollLine.model_validate(
        {
            "row": 7,
            "employee_id": 42,
            "name": " 张伟 ",
            "account_no": "6222020200112233445",
            "amount": 100.1,
        }
    )

    assert (line.employee_id, line.name, line.amount, line.memo) == (
        "42",
        "张伟",
        Decimal("100.10"),
        "",
    )


def _replace_in_sheets(path: Path, old: str, new: str) -> None:
    """Rewrite text inside an .xlsx's sheet XML, to store what openpyxl would not write."""
    with zipfile.ZipFile(path) as source:
        parts = {info: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts.items():
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(old.encode(), new.encode())
            target.writestr(info, data)
