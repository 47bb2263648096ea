"""The reconciliation workbook's sheets "Lines" and "Exceptions", and links to evidence folders.

"Lines" holds every input line with what the statement says about it; "Exceptions" every line
or statement posting someone has to look at, with the evidence folder one click away.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePath
from urllib.parse import quote

from teller import mask_account, mask_text
from teller.excel import Column, Link
from teller.payroll._reconcile import LineMatch, LineOutcome, Reconciliation, Unexpected

__all__ = [
    "EXCEPTION_COLUMNS",
    "LINE_COLUMNS",
    "evidence_link",
    "exception_rows",
    "line_row",
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


def evidence_link(evidence: str | None, folder: Path) -> Link | None:
    """Link to an evidence folder from a report in ``folder``; the text is the path as recorded.

    The target is a relative ``file:`` link, so the link still works when the run's folder
    (report and evidence together) is copied elsewhere for the auditor. A relative ``evidence``
    is taken to be relative to the report's folder already.
    """
    if not evidence:
        return None
    path = PurePath(evidence)
    if path.is_absolute():
        path = PurePath(os.path.relpath(path, Path(folder).absolute()))
    return Link(evidence, "file:" + quote(path.as_posix()))


def line_row(match: LineMatch) -> tuple[object, ...]:
    """The row of sheet "Lines" for one line."""
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


def exception_rows(result: Reconciliation, folder: Path) -> Iterator[tuple[object, ...]]:
    """The rows of sheet "Exceptions": lines not cleanly paid, then unexplained postings."""
    for match in result.matches:
        if match.status == "matched" and match.txn_agrees:
            continue
        yield _line_exception(match, folder)
    for unexpected in result.unexpected:
        yield _statement_exception(unexpected, folder)


def _line_exception(match: LineMatch, folder: Path) -> tuple[object, ...]:
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
        evidence_link(line.evidence, folder),
    )


def _statement_exception(unexpected: Unexpected, folder: Path) -> tuple[object, ...]:
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
        evidence_link(line.evidence, folder) if line else None,
    )


def _decided(line: LineOutcome) -> str:
    if line.state in ("rejected", "needs_approval") and line.decided_by:
        return f"decided by {line.decided_by}"
    return ""
