"""The reconciliation workbook of a payment run, one sheet per question an auditor asks.

Was every approved line paid exactly once, to the right account, for the right amount, and
was nothing else paid? ("Summary", "Lines", "Exceptions", then "Mismatches", "Missing in
console" and "Unexpected in console" with both sides' values.) For every line the approval
gate stopped: which rules fired, what the gate suggested, who decided, when and why ("Held
and rejected"). And who did what to which item, in a hash chain ("Audit").
Matching lives in ``teller.payroll._reconcile``; each ``_recon_*`` module and
``teller.payroll._gate_sheet`` lays out its sheets with ``teller.excel``.
Full account numbers never reach the workbook: accounts are masked to their last four digits
and free text (names, errors, the gate's details and suggestions, approvers' reasons) has long
numbers masked too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath

from teller import mask_account
from teller.excel import (
    AUDIT_COLUMNS,
    AUDIT_SHEET,
    LARGE_TABLE_ROWS,
    AuditLine,
    Chart,
    Column,
    Field,
    Table,
    audit_rows,
    head_fields,
    new_workbook,
    save,
    write_key_values,
    write_table,
)
from teller.integrity import ChainHead
from teller.payroll._gate_sheet import append_rule_table, write_held_sheet
from teller.payroll._recon_console import (
    MISMATCH_COLUMNS,
    MISMATCH_SHEET,
    MISSING_COLUMNS,
    MISSING_SHEET,
    UNEXPECTED_COLUMNS,
    UNEXPECTED_SHEET,
    mismatch_rows,
    missing_rows,
    unexpected_rows,
)
from teller.payroll._recon_lines import EXCEPTION_COLUMNS, LINE_COLUMNS, exception_rows, line_row
from teller.payroll._reconcile import (
    FiredRuleView,
    LineOutcome,
    Reconciliation,
    ReconciliationFigures,
    RuleAction,
    RunInfo,
    StateFigures,
    StatementLine,
    figures_of,
    reconcile,
)

__all__ = [
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

OUTCOME_COLUMNS = (Column("Outcome"), Column("Lines", "int"), Column("Total", "money"))


def write_reconciliation(
    path: Path,
    run: RunInfo,
    lines: Sequence[LineOutcome],
    statement: Sequence[StatementLine],
    *,
    audit: Sequence[AuditLine] = (),
    sources: Sequence[Path] = (),
    write_only: bool | None = None,
    head: ChainHead | None = None,
    key: bytes | None = None,
    policy_sha256: str = "",
    policy_changed: str = "",
) -> ReconciliationFigures:
    """Reconcile ``lines`` with ``statement``, write the workbook to ``path``, return its figures.

    ``audit`` is the run's audit trail, written to sheet "Audit" as given. The file is replaced
    atomically, with a ``<name>.sha256`` manifest beside it listing ``sources`` (the input
    file, the statements) and the report. ``head`` is the audit chain's head the report saw,
    shown in the Summary and named in the manifest; ``key`` (the audit key) signs the
    manifest. Large runs are streamed (``write_only``), decided by their size unless the
    caller says. ``policy_sha256`` is the policy the run was gated under;
    ``policy_changed``, when the policy file changed before the run was paid, how.
    """
    path = Path(path)
    folder = path.parent
    result = reconcile(run, lines, statement)
    figures = figures_of(result)
    if write_only is None:
        write_only = len(lines) + len(statement) + len(audit) > LARGE_TABLE_ROWS
    wb = new_workbook(write_only=write_only)
    # A write-only workbook takes its sheets in order, each once: this order is the tab order.
    summary = write_key_values(
        wb,
        "Summary",
        _summary_fields(run, figures, audit, head, policy_sha256, policy_changed),
        table=Table(OUTCOME_COLUMNS, [_outcome_row(f) for f in figures.by_state]),
        chart=Chart("Lines by outcome", "Lines"),
    )
    append_rule_table(summary, figures.by_rule)
    write_table(wb, "Lines", LINE_COLUMNS, (line_row(match) for match in result.matches))
    write_held_sheet(wb, [match.line for match in result.matches])
    write_table(wb, "Exceptions", EXCEPTION_COLUMNS, exception_rows(result, folder))
    write_table(wb, MISMATCH_SHEET, MISMATCH_COLUMNS, mismatch_rows(result))
    write_table(wb, MISSING_SHEET, MISSING_COLUMNS, missing_rows(result, folder))
    write_table(wb, UNEXPECTED_SHEET, UNEXPECTED_COLUMNS, unexpected_rows(result))
    write_table(wb, AUDIT_SHEET, AUDIT_COLUMNS, audit_rows(audit))
    save(wb, path, manifest=True, sources=sources, head=head, key=key)
    return figures


def _summary_fields(
    run: RunInfo,
    figures: ReconciliationFigures,
    audit: Sequence[AuditLine],
    head: ChainHead | None,
    policy_sha256: str = "",
    policy_changed: str = "",
) -> list[Field | None]:
    policy: list[Field | None] = []
    if policy_sha256:
        policy.append(Field("Policy SHA-256 (gated under)", policy_sha256))
    if policy_changed:  # each line was held by the stricter of the recorded and the new one
        policy.append(Field("Policy", f"paid under a changed policy: {policy_changed}"))
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
        *policy,
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
        None,
        Field("Audit entries", len(audit), "int"),
        # The last link of the hash chain vouches for every entry before it.
        Field("Last audit hash", audit[-1].hash if audit else None),
        *head_fields(head),
    ]


def _outcome_row(figures: StateFigures) -> tuple[object, ...]:
    return (figures.state, figures.count, figures.total)
