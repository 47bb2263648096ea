"""Reports open in LibreOffice: each converts to a PDF, hostile text, links and protection included.

LibreOffice is part of the test environment (the Makefile installs it): without it these
tests fail rather than skip, so a missing office suite cannot pass unnoticed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.loss_handling import TicketOutcome, write_loss_report
from teller.payroll.report import (
    AuditLine,
    FiredRuleView,
    LineOutcome,
    RunInfo,
    StatementLine,
    write_reconciliation,
)

INJECTION = '=HYPERLINK("http://x","y")'
BATCH = "PAY-2024-03"
DEBIT = "6222000011112222"
T0 = datetime(2024, 3, 29, 9, 0, tzinfo=UTC)
CONVERT_TIMEOUT = 120  # seconds: a cold LibreOffice profile takes a while on a busy machine
MIN_PDF_BYTES = 2_000


def _to_pdf(report: Path, tmp_path: Path) -> Path:
    soffice = shutil.which("soffice")
    assert soffice is not None, "LibreOffice (soffice) is not installed: run the Makefile's setup"
    # A private profile per test: a shared one is locked by any other running soffice.
    profile = tmp_path / "lo-profile"
    outdir = tmp_path / "pdf"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(report),
        ],
        check=True,
        capture_output=True,
        timeout=CONVERT_TIMEOUT,
    )
    pdf = outdir / f"{report.stem}.pdf"
    assert pdf.is_file(), f"soffice wrote no {pdf.name}"
    return pdf


def _assert_is_pdf_of(pdf: Path, report: Path) -> None:
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > MIN_PDF_BYTES
    # Every sheet prints at least one page: fewer pages means a sheet went missing.
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert pages >= len(load_workbook(report).sheetnames)


def _line(n: int, amount: str, decision: str, state: str, **fields: object) -> LineOutcome:
    line = LineOutcome(
        seq=n,
        reference=f"{BATCH}:E{n:03d}",
        employee_id=f"E{n:03d}",
        name=f"Employee {n}",
        account_no=f"62170000100100{n:05d}",
        amount=Decimal(amount),
        decision=decision,
        state=state,
        txn_no=f"T{n:03d}" if state == "done" else None,
    )
    return replace(line, **fields)  # type: ignore[arg-type]


@pytest.mark.timeout(CONVERT_TIMEOUT + 30)
def test_reconciliation_report_converts_to_pdf(tmp_path: Path) -> None:
    run = RunInfo(
        run_id="run-lo",
        flow="payroll",
        batch_id=BATCH,
        pay_date=date(2024, 3, 29),
        debit_account=DEBIT,
        input_file="payroll-2024-03.xlsx",
        input_sha256="ab" * 32,
        submitted_by="ops.wang",
        started_at=T0,
        finished_at=T0 + timedelta(hours=1),
    )
    limit = FiredRuleView("auto_limit", "hold", "62,000.00 is above the limit 50,000.00")
    lines = [
        _line(1, "1000.00", "auto_approved", "done", name=INJECTION),
        _line(2, "62000.00", "needs_approval", "done", rules=(limit,), decided_by="alice, bob"),
        _line(3, "55000.00", "needs_approval", "needs_approval", rules=(limit,)),
        _line(4, "700.00", "auto_approved", "failed_business", evidence="evidence/00004-a1"),
        _line(5, "800.00", "auto_approved", "done"),  # missing from the statement
    ]
    statement = [
        StatementLine(
            txn_no=line.txn_no or "",
            posted_at=T0 + timedelta(minutes=line.seq),
            reference=line.reference,
            debit_account=DEBIT,
            credit_account=line.account_no,
            payee_name=line.name,
            amount=line.amount + (Decimal("0.50") if line.seq == 2 else 0),
        )
        for line in lines[:2]
    ]
    audit = [
        AuditLine(1, T0, "ops.wang", "run-lo", "submitted", INJECTION, "cd" * 32),
        AuditLine(2, T0, "runner", f"{BATCH}:E004", "failed_business", "closed", "ef" * 32),
    ]
    report = tmp_path / "reconciliation.xlsx"
    write_reconciliation(report, run, lines, statement, audit=audit)
    _assert_is_pdf_of(_to_pdf(report, tmp_path), report)


@pytest.mark.timeout(CONVERT_TIMEOUT + 30)
def test_loss_report_converts_to_pdf(tmp_path: Path) -> None:
    reported = datetime(2026, 11, 28, 9, 0)
    tickets = [
        TicketOutcome(
            ticket_id=f"LR-20261128-{n:04d}",
            kind="loss",
            channel="phone",
            customer=INJECTION if n == 1 else f"客户{n}",
            card=f"****{1000 + n}",
            state="done" if n < 3 else "failed_business",
            reported_at=reported + timedelta(minutes=10 * n),
            verified_at=reported + timedelta(minutes=10 * n, seconds=30),
            frozen_at=reported + timedelta(minutes=10 * n, seconds=90),
            frozen_by_teller=True,
            freeze_ref=f"FRZ-{n:04d}",
            account_frozen_at=None,
            replacement_at=None,
            replacement_ref=None,
            unfrozen_at=None,
            closed_at=reported + timedelta(minutes=10 * n + 3) if n < 3 else None,
            handed_over=n == 3,
            reason="card system refused" if n == 3 else None,
            evidence="evidence/LR-20261128-0003/attempt-1" if n == 3 else None,
        )
        for n in (1, 2, 3)
    ]
    report = tmp_path / "loss-2026-11-28.xlsx"
    write_loss_report(
        report, day=date(2026, 11, 28), generated_at=datetime(2026, 11, 28, 18), tickets=tickets
    )
    _assert_is_pdf_of(_to_pdf(report, tmp_path), report)
