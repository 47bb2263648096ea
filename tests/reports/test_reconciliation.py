"""The reconciliation workbook: every category of match, the figures, and what must never leak."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import takewhile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from teller.excel import file_sha256
from teller.integrity import ChainHead, public_key, read_manifest
from teller.payroll.report import (
    AuditLine,
    LineOutcome,
    ReconciliationFigures,
    RunInfo,
    StateFigures,
    StatementLine,
    reconcile,
    write_reconciliation,
)

DEBIT = "6222 0000 1111 2222"  # printed with spaces, as consoles do
BATCH = "PAY-2024-01"
INJECTION = '=HYPERLINK("http://x","y")'
SHEETS = [
    "Summary",
    "Lines",
    "Held and rejected",
    "Exceptions",
    "Mismatches",
    "Missing in console",
    "Unexpected in console",
    "Audit",
]

# Full account numbers (16 and 19 digits) that must never appear in the workbook.
ACCOUNTS = {
    "E001": "6222020200110001",
    "E002": "6217000010010000002",
    "E003": "6222020200110003",
    "E004": "6217000010010000004",
    "E005": "6222020200110005",
    "E006": "6217000010010000006",
    "E007": "6222020200110007",
    "E008": "6217000010010000008",
    "E009": "6222020200110009",
    "E010": "6217000010010000010",
}
WRONG_ACCOUNT = "6222020200119999"
STRANGER = "6217000010019999999"
T0 = datetime(2024, 1, 31, 14, 0, tzinfo=UTC)


def _line(n: int, amount: str, state: str = "done", **changes: object) -> LineOutcome:
    employee = f"E{n:03d}"
    line = LineOutcome(
        seq=n,
        reference=f"{BATCH}:{employee}",
        employee_id=employee,
        name=f"Employee {n}",
        account_no=ACCOUNTS[employee],
        amount=Decimal(amount),
        decision="auto_approved",
        state=state,
        decided_by="gate",
        txn_no=f"T{n:03d}" if state == "done" else None,
    )
    return replace(line, **changes)


def _paid(line: LineOutcome, minutes: int, **changes: object) -> StatementLine:
    posting = StatementLine(
        txn_no=line.txn_no or f"X{line.seq:03d}",
        posted_at=T0 + timedelta(minutes=minutes),
        reference=line.reference,
        debit_account=DEBIT,
        credit_account=line.account_no,
        payee_name=line.name,
        amount=line.amount,
    )
    return replace(posting, **changes)


@pytest.fixture
def run() -> RunInfo:
    """The payroll run under reconciliation."""
    return RunInfo(
        run_id="run-7",
        flow="payroll",
        batch_id=BATCH,
        pay_date=date(2024, 1, 31),
        debit_account=DEBIT.replace(" ", ""),
        input_file="/srv/inbox/payroll-2024-01.xlsx",
        input_sha256="ab" * 32,
        submitted_by="ops.wang",
        started_at=T0,
        finished_at=T0 + timedelta(minutes=30),
    )


@pytest.fixture
def lines() -> list[LineOutcome]:
    """Ten lines, one per situation the report must tell apart."""
    return [
        _line(1, "1000.00"),  # matched
        _line(2, "2000.00"),  # done, but missing from the statement
        _line(3, "1500.00"),  # paid a different amount
        _line(4, "1200.00"),  # paid to a different account
        _line(5, "800.00"),  # paid twice
        _line(6, "9000.00", "needs_approval", decision="needs_approval", decided_by=None),
        _line(
            7,
            "700.00",
            "failed_business",
            error=f"account {ACCOUNTS['E007']} is closed",
            evidence="evidence/run-7/E007/screen.png",
        ),
        _line(8, "50000.00", "rejected", decision="rejected", decided_by="gate"),
        _line(9, "900.00", name=INJECTION),  # matched, with a hostile name
        _line(10, "1100.00"),  # matched, but the console's txn no is not the item's
    ]


@pytest.fixture
def statement(lines: list[LineOutcome]) -> list[StatementLine]:
    """The console's statement: this run's postings and some that are not this run's."""
    by_seq = {line.seq: line for line in lines}
    return [
        _paid(by_seq[1], 1),
        _paid(by_seq[3], 3, amount=Decimal("1500.50")),
        _paid(by_seq[4], 4, credit_account=WRONG_ACCOUNT),
        _paid(by_seq[5], 5),
        _paid(by_seq[5], 6, txn_no="T905"),  # the duplicate
        _paid(by_seq[6], 7),  # a held line reached the console
        _paid(by_seq[9], 9),
        _paid(by_seq[10], 10, txn_no="T999"),
        _paid(by_seq[1], 11, reference=f"{BATCH}:E999", credit_account=STRANGER, payee_name="?"),
        # Not this run: another batch from the same account, this batch from another account.
        _paid(by_seq[2], 12, reference="PAY-2023-12:E002", txn_no="OLD1"),
        _paid(by_seq[2], 13, debit_account="6222000033334444", txn_no="OTHER1"),
    ]


EXPECTED = ReconciliationFigures(
    lines=10,
    lines_total=Decimal("68200.00"),
    by_state=(
        StateFigures("done", 7, Decimal("8500.00")),
        StateFigures("failed_business", 1, Decimal("700.00")),
        StateFigures("needs_approval", 1, Decimal("9000.00")),
        StateFigures("rejected", 1, Decimal("50000.00")),
    ),
    auto_approved=8,
    automation_rate=Decimal("0.8000"),
    matched=4,
    missing=1,
    mismatched=2,
    txn_differs=1,
    unexpected=3,
    unexpected_total=Decimal("10800.00"),
    paid_count=9,
    paid_total=Decimal("17300.50"),
)


@pytest.fixture
def report(
    tmp_path: Path, run: RunInfo, lines: list[LineOutcome], statement: list[StatementLine]
) -> tuple[Path, ReconciliationFigures]:
    """The workbook written for the run, and the figures the writer returned."""
    path = tmp_path / "reconciliation.xlsx"
    return path, write_reconciliation(path, run, lines, statement)


def _d(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _by_label(ws: Worksheet) -> dict[str, object]:
    return {row[0]: row[1] for row in ws.iter_rows(max_col=2, values_only=True) if row[0]}


def _table(ws: Worksheet) -> list[dict[str, object]]:
    header, *rows = ws.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_each_line_gets_its_match_status(
    run: RunInfo, lines: list[LineOutcome], statement: list[StatementLine]
) -> None:
    result = reconcile(run, lines, statement)
    statuses = {match.line.employee_id: match.status for match in result.matches}
    assert statuses == {
        "E001": "matched",
        "E002": "missing",
        "E003": "mismatched",
        "E004": "mismatched",
        "E005": "matched",
        "E006": "paid_unexpectedly",
        "E007": "not_paid",
        "E008": "not_paid",
        "E009": "matched",
        "E010": "matched",
    }
    notes = {match.line.employee_id: match.note for match in result.matches}
    assert notes["E003"] == "amount 1,500.50 paid, 1,500.00 expected"
    assert notes["E004"] == "paid to ****9999, expected ****0004"
    assert notes["E010"] == "console txn T999, item recorded T010"
    agrees = {match.line.employee_id: match.txn_agrees for match in result.matches}
    assert agrees["E001"] is True and agrees["E010"] is False and agrees["E002"] is None


def test_unexpected_payments_and_why(
    run: RunInfo, lines: list[LineOutcome], statement: list[StatementLine]
) -> None:
    result = reconcile(run, lines, statement)
    found = [(u.posting.txn_no, u.posting.reference, u.reason) for u in result.unexpected]
    assert found == [
        ("T905", f"{BATCH}:E005", "duplicate"),  # the item's own T005 is the one matched
        ("X006", f"{BATCH}:E006", "line_not_done"),
        ("T001", f"{BATCH}:E999", "unknown_reference"),
    ]
    # Other batches and other debit accounts are not this run's business.
    assert {p.txn_no for p in result.postings}.isdisjoint({"OLD1", "OTHER1"})


def test_duplicate_keeps_the_posting_the_item_recorded(run: RunInfo) -> None:
    line = _line(1, "10.00")
    early = _paid(line, 1, txn_no="T-EARLY")
    own = _paid(line, 2)
    result = reconcile(run, [line], [early, own])
    assert result.matches[0].posting == own and result.matches[0].status == "matched"
    assert [u.posting.txn_no for u in result.unexpected] == ["T-EARLY"]


def test_writer_returns_the_figures(report: tuple[Path, ReconciliationFigures]) -> None:
    _, figures = report
    assert figures == EXPECTED
    assert figures.state("done").count == 7
    assert figures.state("needs_review") == StateFigures("needs_review", 0, Decimal("0.00"))
    # Every posting is either paired with a done line or unexpected.
    assert figures.paid_count == figures.matched + figures.mismatched + figures.unexpected


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write_only"])
def test_summary_sheet(
    tmp_path: Path,
    run: RunInfo,
    lines: list[LineOutcome],
    statement: list[StatementLine],
    write_only: bool,
) -> None:
    path = tmp_path / "r.xlsx"
    write_reconciliation(path, run, lines, statement, write_only=write_only)
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    ws = wb["Summary"]
    summary = _by_label(ws)
    assert summary["Run id"] == "run-7"
    assert summary["Batch"] == BATCH
    assert summary["Pay date"] == datetime(2024, 1, 31)
    assert summary["Debit account"] == "****2222"
    assert summary["Input file"] == "payroll-2024-01.xlsx"
    assert summary["Input SHA-256"] == "ab" * 32
    assert summary["Started (UTC)"] == datetime(2024, 1, 31, 14, 0)
    assert summary["Lines"] == 10
    assert _d(summary["Lines total"]) == EXPECTED.lines_total
    assert Decimal(str(summary["Automation rate"])) == Decimal("0.8")
    assert (summary["Matched"], summary["Missing"], summary["Mismatched"]) == (4, 1, 2)
    assert summary["Unexpected payments"] == 3
    assert _d(summary["Unexpected total"]) == Decimal("10800.00")
    assert _d(summary["Paid total per statement"]) == Decimal("17300.50")
    rate_row = next(r for r in ws.iter_rows(max_col=2) if r[0].value == "Automation rate")
    assert rate_row[1].number_format == "0.00%"

    header = next(r[0].row for r in ws.iter_rows(max_col=1) if r[0].value == "Outcome")
    assert [c.value for c in ws[header]][:3] == ["Outcome", "Lines", "Total"]
    # The outcome table ends at the first blank row: the rule table sits further down.
    rows = ws.iter_rows(min_row=header + 1, max_col=3, values_only=True)
    outcomes = {row[0]: (row[1], _d(row[2])) for row in takewhile(lambda row: row[0], rows)}
    assert outcomes == {f.state: (f.count, f.total) for f in EXPECTED.by_state}
    assert len(ws._charts) == 1  # the bar chart of lines by outcome


def test_lines_sheet(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    ws = load_workbook(path)["Lines"]
    rows = {row["Employee id"]: row for row in _table(ws)}
    assert len(rows) == 10
    assert [row["Seq"] for row in _table(ws)] == list(range(1, 11))
    e003 = rows["E003"]
    assert e003["Account"] == "****0003"
    assert _d(e003["Amount"]) == Decimal("1500.00")
    assert _d(e003["Statement amount"]) == Decimal("1500.50")
    assert e003["Match"] == "mismatched"
    assert rows["E002"]["Statement amount"] is None and rows["E002"]["Match"] == "missing"
    assert rows["E008"]["Decision"] == "rejected" and rows["E008"]["Match"] == "not_paid"
    assert rows["E010"]["Console txn no"] == "T010"
    assert rows["E010"]["Statement txn no"] == "T999"
    assert ws["F2"].number_format == "#,##0.00"


def test_exceptions_sheet(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    rows = _table(load_workbook(path)["Exceptions"])
    issues = [(row["Source"], row["Reference"], row["Issue"]) for row in rows]
    assert issues == [
        ("line", f"{BATCH}:E002", "missing"),
        ("line", f"{BATCH}:E003", "mismatched"),
        ("line", f"{BATCH}:E004", "mismatched"),
        ("line", f"{BATCH}:E006", "paid_unexpectedly"),
        ("line", f"{BATCH}:E007", "failed_business"),
        ("line", f"{BATCH}:E008", "rejected"),
        ("line", f"{BATCH}:E010", "txn_differs"),
        ("statement", f"{BATCH}:E005", "unexpected: duplicate"),
        ("statement", f"{BATCH}:E006", "unexpected: line_not_done"),
        ("statement", f"{BATCH}:E999", "unexpected: unknown_reference"),
    ]
    failed = next(row for row in rows if row["Issue"] == "failed_business")
    assert failed["Detail"] == "account ****0007 is closed"
    assert failed["Evidence"] == "evidence/run-7/E007/screen.png"
    assert [row["Evidence"] for row in rows if row["Evidence"]] == [failed["Evidence"]]
    stranger = rows[-1]
    assert stranger["Account"] == "****9999" and _d(stranger["Amount"]) == Decimal("1000.00")


def test_hostile_names_land_as_plain_text(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    ws = load_workbook(path)["Lines"]
    cell = next(row[3] for row in ws.iter_rows(min_row=2) if row[2].value == "E009")
    assert cell.value == INJECTION
    assert cell.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert not re.search(r"<f[ >]", xml), name


def test_no_full_account_number_anywhere(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    numbers = [*ACCOUNTS.values(), WRONG_ACCOUNT, STRANGER, DEBIT.replace(" ", ""), DEBIT]
    with zipfile.ZipFile(path) as archive:
        text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    leaked = [number for number in numbers if number in text]
    assert leaked == []
    assert not re.search(r"\d{12,}", text.replace("ab" * 32, ""))


def test_sheets_are_frozen_filtered_and_protected(
    report: tuple[Path, ReconciliationFigures],
) -> None:
    path, _ = report
    wb = load_workbook(path)
    tables = {
        "Lines": "N11",
        "Held and rejected": "N3",
        "Exceptions": "L11",
        "Mismatches": "N4",
        "Missing in console": "J2",
        "Unexpected in console": "J4",
        "Audit": "G1",
    }
    for title, last in tables.items():
        ws = wb[title]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{last}"
    assert all(ws.protection.sheet for ws in wb.worksheets)


def test_manifest_matches_the_report(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    manifest = path.with_name(path.name + ".sha256").read_text("utf-8")
    assert manifest == f"{file_sha256(path)}  {path.name}\n"


def test_empty_run(tmp_path: Path, run: RunInfo) -> None:
    figures = write_reconciliation(tmp_path / "empty.xlsx", run, [], [])
    assert figures.lines == 0 and figures.automation_rate == Decimal("0.0000")
    wb = load_workbook(tmp_path / "empty.xlsx")
    assert wb["Lines"].max_row == 1 and wb["Exceptions"].max_row == 1
    assert wb["Held and rejected"].max_row == 1 and figures.by_rule == {}
    assert all(wb[title].max_row == 1 for title in SHEETS[4:])
    assert _by_label(wb["Summary"])["Audit entries"] == 0


# --- The sheets of disagreement, evidence links, the audit trail, and hostile text everywhere.

AUDIT = [
    AuditLine(1, T0, "ops.wang", "run-7", "submitted", "payroll-2024-01.xlsx", "cd" * 32),
    AuditLine(
        2,
        datetime(2024, 1, 31, 22, 5, tzinfo=timezone(timedelta(hours=8))),
        "runner",
        f"{BATCH}:E007",
        "failed_business",
        f"account {ACCOUNTS['E007']} is closed",
        "ef" * 32,
    ),
]


def test_mismatches_sheet_shows_both_sides(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    rows = {row["Employee id"]: row for row in _table(load_workbook(path)["Mismatches"])}
    assert list(rows) == ["E003", "E004", "E010"]
    amount, account, txn = rows["E003"], rows["E004"], rows["E010"]
    assert amount["Differs in"] == "amount" and amount["Name"] == "Employee 3"
    assert (_d(amount["Teller amount"]), _d(amount["Statement amount"])) == (
        Decimal("1500.00"),
        Decimal("1500.50"),
    )
    assert amount["Note"] == "amount 1,500.50 paid, 1,500.00 expected"
    assert account["Differs in"] == "account"
    assert (account["Teller account"], account["Statement account"]) == ("****0004", "****9999")
    assert txn["Differs in"] == "txn no"
    assert (txn["Teller txn no"], txn["Statement txn no"]) == ("T010", "T999")
    assert txn["Posted at (UTC)"] == datetime(2024, 1, 31, 14, 10)


def test_missing_in_console_sheet(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    rows = _table(load_workbook(path)["Missing in console"])
    assert [(row["Reference"], row["Account"], _d(row["Amount"])) for row in rows] == [
        (f"{BATCH}:E002", "****0002", Decimal("2000.00"))
    ]
    assert rows[0]["Teller txn no"] == "T002" and rows[0]["Note"] == "done but not on the statement"


def test_unexpected_in_console_sheet(report: tuple[Path, ReconciliationFigures]) -> None:
    path, figures = report
    rows = _table(load_workbook(path)["Unexpected in console"])
    found = [(row["Txn no"], row["Reference"], row["Reason"], row["Line seq"]) for row in rows]
    assert found == [
        ("T905", f"{BATCH}:E005", "duplicate", 5),
        ("X006", f"{BATCH}:E006", "line_not_done", 6),
        ("T001", f"{BATCH}:E999", "unknown_reference", None),
    ]
    assert rows[-1]["Credit account"] == "****9999" and rows[-1]["Payee name"] == "?"
    assert sum(_d(row["Amount"]) for row in rows) == figures.unexpected_total


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write_only"])
def test_evidence_is_a_relative_file_link(
    tmp_path: Path,
    run: RunInfo,
    lines: list[LineOutcome],
    statement: list[StatementLine],
    write_only: bool,
) -> None:
    # As the runner records it: an absolute folder under the run's folder, beside the report.
    folder = tmp_path / "run-7" / "evidence" / "00002-a1"
    lines[1] = replace(lines[1], evidence=str(folder))
    path = tmp_path / "run-7" / "reconciliation.xlsx"
    path.parent.mkdir()
    write_reconciliation(path, run, lines, statement, write_only=write_only)
    wb = load_workbook(path)
    for title in ("Exceptions", "Missing in console"):
        ws = wb[title]
        column = [cell.value for cell in ws[1]].index("Evidence")
        links = {row[column].value: row[column].hyperlink for row in ws.iter_rows(min_row=2)}
        assert links[str(folder)] is not None, title
        assert links[str(folder)].target == "file:evidence/00002-a1"
        assert wb[title].cell(2, column + 1).font.underline == "single"
    exceptions = {row["Employee id"]: row for row in _table(wb["Exceptions"])}
    assert exceptions["E007"]["Evidence"] == "evidence/run-7/E007/screen.png"
    cell = next(row[11] for row in wb["Exceptions"].iter_rows(min_row=2) if row[3].value == "E007")
    assert cell.hyperlink.target == "file:evidence/run-7/E007/screen.png"
    assert cell.data_type == "s"


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write_only"])
def test_audit_sheet_one_row_per_entry(
    tmp_path: Path,
    run: RunInfo,
    lines: list[LineOutcome],
    statement: list[StatementLine],
    write_only: bool,
) -> None:
    path = tmp_path / "r.xlsx"
    write_reconciliation(path, run, lines, statement, audit=AUDIT, write_only=write_only)
    wb = load_workbook(path)
    rows = list(wb["Audit"].iter_rows(values_only=True))
    assert rows == [
        ("Seq", "At (UTC)", "Actor", "Item", "What", "Detail", "Hash"),
        (1, datetime(2024, 1, 31, 14), "ops.wang", "run-7", "submitted", "payroll-2024-01.xlsx")
        + ("cd" * 32,),
        (2, datetime(2024, 1, 31, 14, 5), "runner", f"{BATCH}:E007", "failed_business")
        + ("account ****0007 is closed", "ef" * 32),
    ]
    assert wb["Audit"]["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    summary = _by_label(wb["Summary"])
    assert summary["Audit entries"] == 2 and summary["Last audit hash"] == "ef" * 32


def test_manifest_lists_the_sources_then_the_report(
    tmp_path: Path, run: RunInfo, lines: list[LineOutcome], statement: list[StatementLine]
) -> None:
    source = tmp_path / "payroll-2024-01.xlsx"
    source.write_bytes(b"input")
    path = tmp_path / "r.xlsx"
    write_reconciliation(path, run, lines, statement, sources=[source])
    manifest = path.with_name("r.xlsx.sha256").read_text("utf-8")
    assert manifest == f"{file_sha256(source)}  {source.name}\n{file_sha256(path)}  r.xlsx\n"


@pytest.mark.parametrize("write_only", [False, True], ids=["normal", "write_only"])
def test_hostile_text_is_plain_text_in_every_sheet(
    tmp_path: Path,
    run: RunInfo,
    lines: list[LineOutcome],
    statement: list[StatementLine],
    write_only: bool,
) -> None:
    hostile = [replace(line, name=INJECTION, evidence=INJECTION) for line in lines]
    paid = [replace(posting, payee_name=INJECTION) for posting in statement]
    audit = [replace(entry, detail=INJECTION, actor="@admin") for entry in AUDIT]
    path = tmp_path / "r.xlsx"
    write_reconciliation(path, run, hostile, paid, audit=audit, write_only=write_only)
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    name_columns = {"Name", "Payee name", "Payee on statement", "Detail", "Actor", "Evidence"}
    for ws in wb.worksheets:
        titles = [cell.value for cell in ws[1]]
        hostile_cells = [
            row[index]
            for row in ws.iter_rows(min_row=2)
            for index, title in enumerate(titles)
            if title in name_columns and row[index].value in (INJECTION, "@admin")
        ]
        assert ws.title == "Summary" or hostile_cells, ws.title  # names reach every table
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in hostile_cells)
        formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], ws.title
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", archive.read(name).decode()), name


def test_the_report_names_the_audit_head_it_saw_and_its_manifest_is_signed(
    tmp_path: Path, run: RunInfo, lines: list[LineOutcome], statement: list[StatementLine]
) -> None:
    path = tmp_path / "r.xlsx"
    head = ChainHead(1042, "9f" * 32)
    key = b"report-test-audit-key-0123456789"
    write_reconciliation(path, run, lines, statement, head=head, key=key)
    summary = _by_label(load_workbook(path)["Summary"])
    assert summary["Audit head seen (record)"] == 1042 and summary["Audit head MAC"] == "9f" * 32
    manifest = read_manifest(path, trusted=public_key(key))
    assert manifest.ok and manifest.head == head
    assert f"# audit-head 1042 {'9f' * 32}\n" in path.with_name("r.xlsx.sha256").read_text()
