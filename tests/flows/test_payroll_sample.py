"""The sample payroll workbook: realistic, deterministic, and loadable as it was written."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import openpyxl
import pytest
import xlrd

from flows._payroll_sample import Sample, SampleAccount, register_accounts, write_sample
from teller._errors import ConsoleError
from teller.payroll.workbook import PayrollBatch, load_payroll

PAY_DATE = date(2026, 11, 25)
LIMIT = Decimal("50000.00")


def luhn_valid(number: str) -> bool:
    """The Luhn check, written out again here so the sample's own cannot vouch for itself."""
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def write_and_load(
    folder: Path, fmt: Literal["xlsx", "xls"] = "xlsx", **options: Any
) -> tuple[Sample, PayrollBatch]:
    options = {
        "lines": 40,
        "seed": 7,
        "over_limit": 3,
        "refused": 5,
        "pay_date": PAY_DATE,
    } | options
    sample = write_sample(folder / f"sample.{fmt}", fmt=fmt, **options)
    return sample, load_payroll(sample.path)


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_the_sample_round_trips_with_its_counts_and_total(
    tmp_path: Path, fmt: Literal["xlsx", "xls"]
) -> None:
    sample, batch = write_and_load(tmp_path, fmt)

    assert batch.batch_id == sample.batch_id == "PAY-20261125-0007"
    assert batch.pay_date == PAY_DATE
    assert batch.debit_account == sample.debit_account
    assert batch.line_count == len(batch.lines) == 40
    assert batch.control_total == sum(line.amount for line in batch.lines)
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in batch.lines)
    assert {line.memo for line in batch.lines} == {"2026-11 工资 Salary"}


def test_over_limit_and_normal_lines_fall_in_their_ranges(tmp_path: Path) -> None:
    sample, batch = write_and_load(tmp_path)

    over = [line.amount for line in batch.lines if line.amount > LIMIT]
    normal = [line.amount for line in batch.lines if line.amount <= LIMIT]
    assert len(over) == sample.over_limit == 3
    assert all(Decimal("50000.01") <= amount <= Decimal("120000.00") for amount in over)
    assert all(Decimal("3000.00") <= amount <= Decimal("45000.00") for amount in normal)


def test_refused_lines_go_half_to_closed_and_half_to_missing_accounts(tmp_path: Path) -> None:
    sample, batch = write_and_load(tmp_path)
    known = {account.account_no: account for account in sample.accounts}

    closed = [
        line
        for line in batch.lines
        if line.account_no in known and known[line.account_no].status == "closed"
    ]
    missing = [line for line in batch.lines if line.account_no not in known]

    assert sample.refused == 5
    assert (len(closed), len(missing)) == (3, 2)
    over = {line.row for line in batch.lines if line.amount > LIMIT}
    assert not over & {line.row for line in closed + missing}  # each line fails one way only
    assert {a.status for a in sample.accounts} == {"open", "closed"}


def test_the_debit_account_can_pay_the_whole_batch(tmp_path: Path) -> None:
    sample, batch = write_and_load(tmp_path)

    company = next(a for a in sample.accounts if a.account_no == sample.debit_account)

    assert company.status == "open"
    assert company.balance >= batch.control_total
    assert sample.accounts[0] == company


def test_accounts_names_and_ids_look_real(tmp_path: Path) -> None:
    sample, batch = write_and_load(tmp_path, lines=300, over_limit=0, refused=0)
    numbers = [batch.debit_account, *(line.account_no for line in batch.lines)]

    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert len(number) in (16, 19)
        assert number.startswith("62")
        assert luhn_valid(number), number
    assert all(re.fullmatch(r"E\d{5}", line.employee_id) for line in batch.lines)
    assert len({line.employee_id for line in batch.lines}) == 300
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", line.name) for line in batch.lines)
    assert len({line.name for line in batch.lines}) > 200


def test_the_xlsx_stores_accounts_as_text_and_money_as_formatted_numbers(tmp_path: Path) -> None:
    sample, _ = write_and_load(tmp_path)

    book = openpyxl.load_workbook(sample.path)
    batch, table = book["Batch"], book["Payroll"]

    assert [batch.cell(row, 1).value for row in range(1, 6)] == [
        "Batch ID",
        "Pay Date",
        "Debit Account",
        "Line Count",
        "Control Total",
    ]
    assert batch["B3"].data_type == "s"
    assert batch["B5"].data_type == "n" and batch["B5"].number_format == "#,##0.00"
    assert [cell.value for cell in table[1]] == [
        "Employee ID",
        "Name",
        "Account No",
        "Amount",
        "Memo",
    ]
    for row in table.iter_rows(min_row=2):
        assert row[2].data_type == "s"
        assert row[3].data_type == "n" and row[3].number_format == "#,##0.00"


def test_the_xls_is_a_real_legacy_workbook_with_the_same_cells(tmp_path: Path) -> None:
    sample, _ = write_and_load(tmp_path, "xls")

    assert sample.path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    book = xlrd.open_workbook(str(sample.path), formatting_info=True)
    table = book.sheet_by_name("Payroll")
    amount = table.cell(1, 3)
    assert table.cell(1, 2).ctype == xlrd.XL_CELL_TEXT
    assert amount.ctype == xlrd.XL_CELL_NUMBER
    assert book.format_map[book.xf_list[amount.xf_index].format_key].format_str == "#,##0.00"
    assert book.sheet_by_name("Batch").cell(1, 1).ctype == xlrd.XL_CELL_DATE


def test_the_same_seed_gives_the_same_sample(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    first = write_and_load(tmp_path / "one")
    second = write_and_load(tmp_path / "two")
    other = write_and_load(tmp_path, seed=8)

    assert first[1].lines == second[1].lines
    assert first[0].accounts == second[0].accounts
    assert first[1].lines != other[1].lines


def test_the_defaults_pay_today_under_a_batch_id_of_today(tmp_path: Path) -> None:
    sample = write_sample(tmp_path / "sample.xlsx", lines=3)
    batch = load_payroll(sample.path)

    assert batch.pay_date == date.today()
    assert sample.batch_id == f"PAY-{date.today():%Y%m%d}-0000"
    assert (sample.over_limit, sample.refused) == (0, 0)


def test_a_given_batch_id_and_a_lower_limit_are_used(tmp_path: Path) -> None:
    limit = Decimal("10000.00")
    sample, batch = write_and_load(
        tmp_path, batch_id="NOV-RUN_2", limit=limit, over_limit=4, refused=0
    )

    assert batch.batch_id == sample.batch_id == "NOV-RUN_2"
    assert sum(1 for line in batch.lines if line.amount > limit) == 4


@pytest.mark.parametrize(
    "options",
    [{"lines": 0}, {"lines": 3, "over_limit": 2, "refused": 2}, {"lines": 3, "refused": -1}],
)
def test_impossible_samples_are_refused(tmp_path: Path, options: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        write_sample(tmp_path / "sample.xlsx", **options)


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_a_two_thousand_line_sample_loads_quickly(
    tmp_path: Path, fmt: Literal["xlsx", "xls"]
) -> None:
    sample = write_sample(tmp_path / f"big.{fmt}", lines=2000, over_limit=20, refused=10, fmt=fmt)

    started = time.perf_counter()
    batch = load_payroll(sample.path)

    assert time.perf_counter() - started < 3.0
    assert batch.line_count == 2000


# --- register_accounts, against a stand-in for the console's admin endpoint ------------


@dataclass
class AdminStub:
    """A local HTTP server that answers POST /admin/accounts as the sandbox console does."""

    url: str
    received: list[tuple[str, Any]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def admin_stub() -> Iterator[AdminStub]:
    """A stand-in admin endpoint on 127.0.0.1, recording every request it gets."""
    stub = AdminStub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stub.received.append((self.path, body))
            answer = json.dumps({"upserted": len(body["accounts"])}).encode()
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_register_accounts_posts_every_account_with_balances_as_text(admin_stub: AdminStub) -> None:
    accounts = [
        SampleAccount("6222020200998877665", "华信科技有限公司", Decimal("1000000.00"), "open"),
        SampleAccount("6225880112345678", "李娜", Decimal("0.00"), "closed"),
    ]

    upserted = register_accounts(admin_stub.url, accounts)

    assert upserted == 2
    assert admin_stub.received == [
        (
            "/admin/accounts",
            {
                "accounts": [
                    {
                        "account_no": "6222020200998877665",
                        "name": "华信科技有限公司",
                        "balance": "1000000.00",
                        "status": "open",
                        "debit": True,  # the company's: the operator's debit account
                    },
                    {
                        "account_no": "6225880112345678",
                        "name": "李娜",
                        "balance": "0.00",
                        "status": "closed",
                        "debit": False,
                    },
                ]
            },
        )
    ]


def test_register_accounts_reports_a_failing_console(admin_stub: AdminStub) -> None:
    admin_stub.status = 500

    with pytest.raises(ConsoleError):
        register_accounts(admin_stub.url, [])
