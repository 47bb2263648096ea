"""A production payroll run leaves no full account number, ID number or password in any file.

Each line's memo carries a resident ID number ending in X, and one line is refused by the
console, so its failed attempt keeps a screenshot, the frames' HTML and a trace whose form
body holds that line's account and ID. Every file the run wrote (log, evidence, trace
unzipped, statement copy, report and its manifest) is searched for every full number of the
input, in every form (``tests/_leaks.py``). The console's ledger says what was paid.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.payroll import PayrollFlow
from teller.payroll.workbook import load_payroll
from tests._console_server import start_corebank
from tests._leaks import holders
from tests.flows.test_secret_login import production_project, teller_run

pytestmark = pytest.mark.e2e


def _ids(count: int) -> list[str]:
    """Resident ID numbers of 17 digits and a final X (the form the old scrubber missed)."""
    return [f"1101051985{n:04d}{100 + n:03d}X" for n in range(count)]


def _put_ids_in_memos(workbook: Path, ids: list[str]) -> None:
    book = load_workbook(workbook)
    sheet = book["Payroll"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Memo") + 1
    for row, id_number in enumerate(ids, start=2):
        sheet.cell(row=row, column=column, value=f"身份证 {id_number}")
    book.save(workbook)


def test_a_payroll_run_writes_no_full_account_id_or_password(project: Path, tmp_path: Path) -> None:
    password = "Pw" + secrets.token_hex(12)
    with start_corebank(tmp_path, password=password) as server:
        production_project(project, server, '{ env = "COREBANK_PASSWORD" }')
        sample = PayrollFlow().sample(
            tmp_path / "pay.xlsx", lines=4, console_url=server.base_url, seed=21, refused=1
        )
        ids = _ids(4)
        _put_ids_in_memos(sample.path, ids)
        batch = load_payroll(sample.path)

        done = teller_run(project, sample.path, {"COREBANK_PASSWORD": password})

        assert done.returncode == 0, done.stdout + done.stderr
        paid = server.rows(
            "SELECT credit_account, memo FROM transfers WHERE reference LIKE ?",
            (f"{batch.batch_id}:%",),
        )
    assert len(paid) == 3  # one line refused
    assert {memo.split()[-1] for _, memo in paid} < set(ids)  # the IDs reached the console
    var = project / "var"
    assert list(var.glob("runs/*/evidence/*/trace.zip")), "no trace of the refused line"
    assert list(var.glob("runs/*/evidence/*/*.html")), "no evidence HTML"
    assert list(var.glob("runs/*/statement-*.csv")), "no statement copy"
    assert list(var.glob("runs/*/reconciliation-*.xlsx.sha256")), "no manifest"
    accounts = [batch.debit_account, *(line.account_no for line in batch.lines)]
    assert holders(var, [*accounts, *ids, password]) == []
    output = done.stdout + done.stderr
    assert not [n for n in [*accounts, *ids, password] if n in output]
