"""The reconciliation workbook of a payment run: Summary, Lines, Held and rejected, Exceptions.

It answers the auditor's question for one run: was every approved line paid exactly once, to
the right account, for the right amount, and was nothing else paid? And for every line the
approval gate stopped: which rules fired, what the gate suggested, who decided, when and why.
Matching lives in ``reports._reconcile``, the gate's sheet in ``reports._gate_sheet``; this
module lays the answer out with ``teller.excel``.
Full account numbers never reach the workbook: accounts are masked to their last four digits
and free text (names, errors, the gate's details and suggestions, approvers' reasons) has long
numbers masked too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath

from reports._gate_sheet import append_rule_table, write_held_sheet
from reports._reconcile import (
    FiredRuleView,
    LineMatch,
    LineOutcome,
    Reconciliation,
    ReconciliationFigures,
    RuleAction,
    RunInfo,
    StateFigures,
    StatementLine,
    Unexpected,
    figures_of,
    reconcile,
)
from teller import mask_account, mask_text
from teller.excel import (
    LARGE_TABLE_ROWS,
    Chart,
    Column,
    Field,
    Table,
    new_workbook,
    save,
    write_key_values,
    write_table,
)

__all__ = [
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

LINE_COLUMNS = (
    Column("Seq", "int"),
    Column("Reference"),
    Column("Employee id"),
    Column("Name"),
    Column("Account"),
    Column("Amount", "money"),
    Column("Decision"),
    Column("Decided by"),
    Column("State"),
    Column("Console txn no"),
    Column("Statement txn no"),
    Column("Statement amount", "money"),
    Column("Match"),
    Column("Note", width=50),
)

EXCEPTION_COLUMNS = (
    Column("Source"),
    Column("Seq", "int"),
    Column("Reference"),
    Column("Employee id"),
    Column("Name"),
    Column("Account"),
    Column("Amount", "money"),
    Column("State"),
    Column("Issue"),
    Column("Detail", width=60),
    Column("Txn no"),
    Column("Evidence", width=50),
)

OUTCOME_COLUMNS = (Column("Outcome"), Column("Lines", "int"), Column("Total", "money"))


def write_reconciliation(
    path: Path,
    run: RunInfo,
    lines: Sequence[LineOutcome],
    statement: Sequence[StatementLine],
    *,
    write_only: bool | None = None,
) -> ReconciliationFigures:
    """Reconcile ``lines`` with ``statement``, write the workbook to ``path``, return its figures.

    The file is replaced atomically, with a ``<name>.sha256`` manifest beside it. Large runs
    are streamed (``write_only``), decided by their size unless the caller says.
    """
    result = reconcile(run, lines, statement)
    figures = figures_of(result)
    if write_only is None:
        write_only = len(lines) + len(statement) > LARGE_TABLE_ROWS
    wb = new_workbook(write_only=write_only)
    summary = write_key_values(
        wb,
        "Summary",
        _summary_fields(run, figures),
        table=Table(OUTCOME_COLUMNS, [_outcome_row(f) for f in figures.by_state]),
        chart=Chart("Lines by outcome", "Lines"),
    )
    append_rule_table(summary, figures.by_rule)
    write_table(wb, "Lines", LINE_COLUMNS, (_line_row(match) for match in result.matches))
    write_held_sheet(wb, [match.line for match in result.matches])
    write_table(wb, "Exceptions", EXCEPTION_COLUMNS, _exception_rows(result))
    save(wb, Path(path), manifest=True)
    return figures


def _summary_fields(run: RunInfo, figures: ReconciliationFigures) -> list[Field | None]:
    return [
        Field("Run id", run.run_id),
        Field("Flow", run.flow),
        Field("Batch", run.batch_id),
        Field("Pay date", run.pay_date, "date"),
        Field("Debit account", mask_account(run.debit_account)),
        Field("Input file", PurePath(run.input_file).name),
        Field("Input SHA-256", run.input_sha256),
        Field("Submitted by", run.submitted_by),
        Field("Started (UTC)", run.started_at, "datetime"),
        Field("Finished (UTC)", run.finished_at, "datetime"),
        None,
        Field("Lines", figures.lines, "int"),
        Field("Lines total", figures.lines_total, "money"),
        Field("Auto-approved lines", figures.auto_approved, "int"),
        Field("Automation rate", figures.automation_rate, "percent"),
        None,
        Field("Matched", figures.matched, "int"),
        Field("Missing", figures.missing, "int"),
        Field("Mismatched", figures.mismatched, "int"),
        Field("Txn no differs", figures.txn_differs, "int"),
        Field("Unexpected payments", figures.unexpected, "int"),
        Field("Unexpected total", figures.unexpected_total, "money"),
        Field("Paid per statement", figures.paid_count, "int"),
        Field("Paid total per statement", figures.paid_total, "money"),
    ]


def _outcome_row(figures: StateFigures) -> tuple[object, ...]:
    return (figures.state, figures.count, figures.total)


def _line_row(match: LineMatch) -> tuple[object, ...]:
    line, posting = match.line, match.posting
    return (
        line.seq,
        line.reference,
        line.employee_id,
        mask_text(line.name),
        mask_account(line.account_no),
        line.amount,
        line.decision,
        line.decided_by,
        line.state,
        line.txn_no,
        posting.txn_no if posting else None,
        posting.amount if posting else None,
        match.status,
        mask_text(match.note),
    )


def _exception_rows(result: Reconciliation) -> Iterator[tuple[object, ...]]:
    for match in result.matches:
        if match.status == "matched" and match.txn_agrees:
            continue
        yield _line_exception(match)
    for unexpected in result.unexpected:
        yield _statement_exception(unexpected)


def _line_exception(match: LineMatch) -> tuple[object, ...]:
    line = match.line
    issue = line.state if match.status == "not_paid" else match.status
    if match.status == "matched":
        issue = "txn_differs"
    detail = "; ".join(text for text in (match.note, line.error, _decided(line)) if text)
    return (
        "line",
        line.seq,
        line.reference,
        line.employee_id,
        mask_text(line.name),
        mask_account(line.account_no),
        line.amount,
        line.state,
        issue,
        mask_text(detail),
        match.posting.txn_no if match.posting else line.txn_no,
        line.evidence,
    )


def _statement_exception(unexpected: Unexpected) -> tuple[object, ...]:
    posting, line = unexpected.posting, unexpected.line
    return (
        "statement",
        line.seq if line else None,
        posting.reference,
        line.employee_id if line else None,
        mask_text(posting.payee_name),
        mask_account(posting.credit_account),
        posting.amount,
        line.state if line else None,
        f"unexpected: {unexpected.reason}",
        mask_text(unexpected.note),
        posting.txn_no,
        line.evidence if line else None,
    )


def _decided(line: LineOutcome) -> str:
    if line.state in ("rejected", "needs_approval") and line.decided_by:
        return f"decided by {line.decided_by}"
    return ""
