"""A 100,000-line run: its reconciliation report is streamed, and its figures read back whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import teller.payroll.report
from teller.payroll.report import AuditLine, LineOutcome, RunInfo, StatementLine
from teller.payroll.report import write_reconciliation as write_report

LINES = 100_000
BATCH = "PAY-2025-06"
DEBIT = "6222000011112222"
T0 = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)


def _lines() -> list[LineOutcome]:
    # Every 1,000th line is held for approval; the rest are paid.
    return [
        LineOutcome(
            seq=n,
            reference=f"{BATCH}:E{n:06d}",
            employee_id=f"E{n:06d}",
            name=f"Employee {n}",
            account_no=f"6217{n:012d}",
            amount=Decimal(1000 + n % 5000) + Decimal("0.25"),
            decision="needs_approval" if n % 1000 == 0 else "auto_approved",
            state="needs_approval" if n % 1000 == 0 else "done",
            txn_no=None if n % 1000 == 0 else f"T{n:06d}",
        )
        for n in range(1, LINES + 1)
    ]


def _statement(lines: list[LineOutcome]) -> Iterator[StatementLine]:
    for line in lines:
        # Every 10,000th paid line is missing from the statement.
        if line.state == "done" and line.seq % 10_000 != 1:
            yield StatementLine(
                txn_no=line.txn_no or "",
                posted_at=T0 + timedelta(seconds=line.seq),
                reference=line.reference,
                debit_account=DEBIT,
                credit_account=line.account_no,
                payee_name=line.name,
                amount=line.amount,
            )


@pytest.fixture
def run() -> RunInfo:
    """A month's payroll of one hundred thousand lines."""
    return RunInfo(
        run_id="run-big",
        flow="payroll",
        batch_id=BATCH,
        pay_date=date(2025, 6, 30),
        debit_account=DEBIT,
        input_file="payroll-2025-06.xlsx",
        input_sha256="ab" * 32,
        submitted_by="ops.wang",
        started_at=T0,
        finished_at=T0 + timedelta(hours=3),
    )


@pytest.mark.timeout(120)
def test_a_large_run_is_streamed_and_complete(
    tmp_path: Path, run: RunInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[bool] = []
    real = teller.payroll.report.new_workbook

    def spy(*, write_only: bool = False) -> Workbook:
        modes.append(write_only)
        return real(write_only=write_only)

    # A spy, not a fake: the report is written for real, the test only notes how.
    monkeypatch.setattr(teller.payroll.report, "new_workbook", spy)
    lines = _lines()
    statement = list(_statement(lines))
    # One audit entry per ten lines keeps the test's time on the lines, which are the point.
    audit = [
        AuditLine(n, T0, "runner", line.reference, "done", "paid", f"{n:064x}")
        for n, line in enumerate(lines[::10], start=1)
    ]
    path = tmp_path / "big.xlsx"
    figures = write_report(path, run, lines, statement, audit=audit)
    assert modes == [True]
    assert (figures.lines, figures.missing, figures.matched) == (LINES, 10, 99_890)
    assert figures.state("needs_approval").count == 100

    wb = load_workbook(path, read_only=True)
    rows: dict[str, int] = {}
    last: dict[str, tuple[object, ...]] = {}
    for ws in wb.worksheets:  # each sheet read once: a read-only sheet is parsed per pass
        rows[ws.title] = -1  # the header
        for row in ws.iter_rows(values_only=True):
            rows[ws.title] += 1
            last[ws.title] = row
    assert rows["Lines"] == LINES and rows["Audit"] == LINES // 10
    assert rows["Held and rejected"] == 100 and rows["Missing in console"] == 10
    assert rows["Exceptions"] == 110 and rows["Mismatches"] == rows["Unexpected in console"] == 0
    summary = {
        row[0]: row[1] for row in wb["Summary"].iter_rows(max_col=2, values_only=True) if row[0]
    }
    assert summary["Lines"] == LINES and summary["Matched"] == 99_890
    assert last["Lines"][:3] == (LINES, f"{BATCH}:E{LINES:06d}", f"E{LINES:06d}")
    assert Decimal(str(summary["Lines total"])) == figures.lines_total
    wb.close()
