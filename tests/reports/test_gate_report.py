"""The gate's part of the reconciliation workbook: rules per line, the rule table, who decided."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

import teller.payroll.report
from teller.payroll.report import (
    FiredRuleView,
    LineOutcome,
    ReconciliationFigures,
    RunInfo,
    StatementLine,
    figures_of,
    reconcile,
    write_reconciliation,
)

BATCH = "PAY-2024-02"
DEBIT = "6222000011112222"
INJECTION = '=HYPERLINK("http://x","y")'
T0 = datetime(2024, 2, 29, 9, 0, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))

AUTO_LIMIT = FiredRuleView(
    "auto_limit", "hold", "62,000.00 is 12,000.00 above the auto-approval limit 50,000.00"
)
NEW_PAYEE = FiredRuleView("new_payee", "hold", "account ****0003 was never paid before")
REJECT_ABOVE = FiredRuleView(
    "reject_above", "reject", "900,000.00 is above the hard limit 500,000.00"
)
DUPLICATE = FiredRuleView("duplicate_payee", "hold", "same account as E002 in this batch")


def _line(n: int, amount: str, decision: str, state: str, **fields: object) -> LineOutcome:
    employee = f"E{n:03d}"
    values: dict[str, object] = {
        "seq": n,
        "reference": f"{BATCH}:{employee}",
        "employee_id": employee,
        "name": f"Employee {n}",
        "account_no": f"621700001001000000{n}",
        "amount": Decimal(amount),
        "decision": decision,
        "state": state,
        "txn_no": f"T{n:03d}" if state == "done" else None,
    }
    return LineOutcome(**(values | fields))  # type: ignore[arg-type]


@pytest.fixture
def run() -> RunInfo:
    """The payroll run whose gate decisions the report explains."""
    return RunInfo(
        run_id="run-9",
        flow="payroll",
        batch_id=BATCH,
        pay_date=date(2024, 2, 29),
        debit_account=DEBIT,
        input_file="payroll-2024-02.xlsx",
        input_sha256="cd" * 32,
        submitted_by="ops.li",
        started_at=T0,
        finished_at=T0 + timedelta(hours=2),
    )


@pytest.fixture
def lines() -> list[LineOutcome]:
    """One line passed by the gate and four it stopped, each stopped for a different reason."""
    return [
        _line(1, "1000.00", "auto_approved", "done", decided_by="gate"),
        # Held above the limit, approved by two people, with a hostile suggestion.
        _line(
            2,
            "62000.00",
            "needs_approval",
            "done",
            rules=(AUTO_LIMIT,),
            suggestion=INJECTION,
            decided_by="alice, bob",
            decided_at=datetime(2024, 2, 29, 18, 5, tzinfo=BEIJING),
            decision_reason="February bonus signed off by HR",
        ),
        # Two rules held it; nobody has decided yet.
        _line(
            3,
            "55000.00",
            "needs_approval",
            "needs_approval",
            rules=(AUTO_LIMIT, NEW_PAYEE),
            suggestion="check: new payee and above the limit",
        ),
        # The gate refused it on its own; the limit rule fired too.
        _line(
            4,
            "900000.00",
            "rejected",
            "rejected",
            rules=(REJECT_ABOVE, AUTO_LIMIT),
            decided_by="gate",
            decided_at=T0,
        ),
        # Held, then rejected by a person whose reason quotes a full account number.
        _line(
            5,
            "3000.00",
            "needs_approval",
            "rejected",
            rules=(DUPLICATE,),
            suggestion="reject: the same account is paid twice in this batch",
            decided_by="carol",
            decided_at=T0 + timedelta(minutes=30),
            decision_reason="same account 6217000010010000002 as E002",
        ),
    ]


@pytest.fixture
def statement(lines: list[LineOutcome]) -> list[StatementLine]:
    """The console paid the two done lines."""
    return [
        StatementLine(
            txn_no=line.txn_no or "",
            posted_at=T0 + timedelta(minutes=line.seq),
            reference=line.reference,
            debit_account=DEBIT,
            credit_account=line.account_no,
            payee_name=line.name,
            amount=line.amount,
        )
        for line in lines
        if line.state == "done"
    ]


EXPECTED_BY_RULE = {
    "auto_limit": (3, 0),  # lines 2, 3 and 4: the rule's own action is what it counts as
    "duplicate_payee": (1, 0),  # held by the gate, though a person later rejected it
    "new_payee": (1, 0),
    "reject_above": (0, 1),
}


@pytest.fixture(params=[False, True], ids=["normal", "write_only"])
def report(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    run: RunInfo,
    lines: list[LineOutcome],
    statement: list[StatementLine],
) -> tuple[Path, ReconciliationFigures]:
    """The workbook, written in both modes, and the figures the writer returned."""
    path = tmp_path / "reconciliation.xlsx"
    return path, write_reconciliation(path, run, lines, statement, write_only=request.param)


def _table(ws: Worksheet) -> list[dict[str, object]]:
    header, *rows = ws.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_public_names() -> None:
    assert teller.payroll.report.__all__ == [
        "AuditLine",
        "FiredRuleView",
        "LineOutcome",
        "Reconciliation",
        "ReconciliationFigures",
        "RuleAction",
        "RunInfo",
        "StateFigures",
        "StatementLine",
        "figures_of",
        "reconcile",
        "write_reconciliation",
    ]


def test_a_rule_with_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="'flag'"):
        FiredRuleView("auto_limit", "flag", "")  # type: ignore[arg-type]


def test_figures_count_lines_per_rule_most_first(
    run: RunInfo, lines: list[LineOutcome], statement: list[StatementLine]
) -> None:
    figures = figures_of(reconcile(run, lines, statement))
    assert figures.by_rule == EXPECTED_BY_RULE
    assert list(figures.by_rule) == ["auto_limit", "duplicate_payee", "new_payee", "reject_above"]
    assert figures.auto_approved == 1


def test_a_rule_named_twice_on_a_line_counts_once(run: RunInfo) -> None:
    line = _line(1, "10.00", "needs_approval", "needs_approval", rules=(AUTO_LIMIT, AUTO_LIMIT))
    assert figures_of(reconcile(run, [line], [])).by_rule == {"auto_limit": (1, 0)}


def test_summary_table_of_rules(report: tuple[Path, ReconciliationFigures]) -> None:
    path, figures = report
    assert figures.by_rule == EXPECTED_BY_RULE
    ws = load_workbook(path)["Summary"]
    caption = _row_of(ws, "Held or rejected by rule")
    header = [cell.value for cell in ws[caption + 1]][:3]
    assert header == ["Rule", "Held", "Rejected"]
    assert ws.cell(caption + 1, 1).style == ws.cell(_row_of(ws, "Outcome"), 1).style
    rows = list(ws.iter_rows(min_row=caption + 2, max_col=3, values_only=True))
    assert rows == [(rule, *counts) for rule, counts in EXPECTED_BY_RULE.items()]
    # The table sits clear of the outcome chart (7.5 cm, about 15 rows).
    chart_top = ws._charts[0].anchor._from.row + 1
    assert caption > chart_top + 15


def test_held_and_rejected_sheet(
    report: tuple[Path, ReconciliationFigures], lines: list[LineOutcome]
) -> None:
    path, _ = report
    wb = load_workbook(path)
    assert wb.sheetnames[:4] == ["Summary", "Lines", "Held and rejected", "Exceptions"]
    ws = wb["Held and rejected"]
    rows = {row["Employee id"]: row for row in _table(ws)}
    assert list(rows) == ["E002", "E003", "E004", "E005"]  # the auto-approved line is not here

    approved = rows["E002"]
    assert approved["Seq"] == 2 and approved["Reference"] == f"{BATCH}:E002"
    assert approved["Name"] == "Employee 2" and approved["Account"] == "****0002"
    assert Decimal(str(approved["Amount"])) == Decimal("62000")
    assert (approved["Decision"], approved["Final state"]) == ("needs_approval", "done")
    assert approved["Rules"] == "auto_limit" and approved["Details"] == AUTO_LIMIT.detail
    assert approved["Decided by"] == "alice, bob"
    assert approved["Decided at (UTC)"] == datetime(2024, 2, 29, 10, 5)  # 18:05 in Beijing
    assert approved["Reason"] == "February bonus signed off by HR"

    two_rules = rows["E003"]
    assert two_rules["Rules"] == "auto_limit, new_payee"
    assert two_rules["Details"] == f"{AUTO_LIMIT.detail}; {NEW_PAYEE.detail}"
    assert two_rules["Decided by"] is None and two_rules["Decided at (UTC)"] is None
    assert two_rules["Reason"] is None and two_rules["Final state"] == "needs_approval"

    refused = rows["E004"]
    assert (refused["Decision"], refused["Final state"]) == ("rejected", "rejected")
    assert refused["Rules"] == "reject_above, auto_limit"
    assert refused["Suggestion"] is None
    assert (refused["Decided by"], refused["Decided at (UTC)"]) == (
        "gate",
        datetime(2024, 2, 29, 9),
    )

    by_person = rows["E005"]
    assert (by_person["Decision"], by_person["Final state"]) == ("needs_approval", "rejected")
    assert by_person["Decided by"] == "carol"
    assert by_person["Reason"] == "same account ****0002 as E002"


def test_hostile_suggestion_lands_as_text(report: tuple[Path, ReconciliationFigures]) -> None:
    path, _ = report
    ws = load_workbook(path)["Held and rejected"]
    titles = [cell.value for cell in ws[1]]
    cell = ws.cell(2, titles.index("Suggestion") + 1)
    assert cell.value == INJECTION and cell.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in archive.read(name).decode() for name in sheets)


def test_held_sheet_is_formatted_like_the_others(
    report: tuple[Path, ReconciliationFigures],
) -> None:
    path, _ = report
    ws = load_workbook(path)["Held and rejected"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:N5"
    assert ws.protection.sheet
    assert ws["F2"].number_format == "#,##0.00"
    assert ws["L2"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_no_full_account_number_anywhere(
    report: tuple[Path, ReconciliationFigures], lines: list[LineOutcome]
) -> None:
    path, _ = report
    with zipfile.ZipFile(path) as archive:
        text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    assert [line.account_no for line in lines if line.account_no in text] == []
    assert DEBIT not in text


def _row_of(ws: Worksheet, label: str) -> int:
    return next(r[0].row for r in ws.iter_rows(max_col=1) if r[0].value == label)
