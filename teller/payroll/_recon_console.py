"""The sheets where Teller and the console's statement disagree, each side's values side by side.

"Mismatches": paid lines whose statement amount, credit account or txn number is not what
Teller recorded. "Missing in console": lines Teller says were paid that the statement lacks.
"Unexpected in console": statement postings of the run that no item explains.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from teller import mask_account, mask_text
from teller.excel import Column
from teller.payroll._recon_lines import evidence_link
from teller.payroll._reconcile import LineMatch, Reconciliation, Unexpected, same_account

__all__ = [
    "MISMATCH_COLUMNS",
    "MISMATCH_SHEET",
    "MISSING_COLUMNS",
    "MISSING_SHEET",
    "UNEXPECTED_COLUMNS",
    "UNEXPECTED_SHEET",
    "mismatch_rows",
    "missing_rows",
    "unexpected_rows",
]

MISMATCH_SHEET = "Mismatches"
MISSING_SHEET = "Missing in console"
UNEXPECTED_SHEET = "Unexpected in console"

MISMATCH_COLUMNS = (
    Column("Seq", "int"),
    Column("Reference"),
    Column("Employee id"),
    Column("Name"),
    Column("Differs in"),
    Column("Teller amount", "money"),
    Column("Statement amount", "money"),
    Column("Teller account"),
    Column("Statement account"),
    Column("Teller txn no"),
    Column("Statement txn no"),
    Column("Payee on statement"),
    Column("Posted at (UTC)", "datetime"),
    Column("Note", width=50),
)

MISSING_COLUMNS = (
    Column("Seq", "int"),
    Column("Reference"),
    Column("Employee id"),
    Column("Name"),
    Column("Account"),
    Column("Amount", "money"),
    Column("Decided by"),
    Column("Teller txn no"),
    Column("Evidence", width=50),
    Column("Note", width=50),
)

UNEXPECTED_COLUMNS = (
    Column("Txn no"),
    Column("Posted at (UTC)", "datetime"),
    Column("Reference"),
    Column("Payee name"),
    Column("Credit account"),
    Column("Amount", "money"),
    Column("Reason"),
    Column("Line seq", "int"),
    Column("Line state"),
    Column("Note", width=50),
)


def mismatch_rows(result: Reconciliation) -> Iterator[tuple[object, ...]]:
    """One row per paid line whose posting differs in amount, account or txn number."""
    for match in result.matches:
        if match.line.state == "done" and match.posting is not None:
            differs = _differs_in(match)
            if differs:
                yield _mismatch_row(match, differs)


def missing_rows(result: Reconciliation, folder: Path) -> Iterator[tuple[object, ...]]:
    """One row per line Teller paid that is not on the console's statement."""
    for match in result.matches:
        if match.status != "missing":
            continue
        line = match.line
        yield (
            line.seq,
            line.reference,
            line.employee_id,
            mask_text(line.name),
            mask_account(line.account_no),
            line.amount,
            line.decided_by,
            line.txn_no,
            evidence_link(line.evidence, folder),
            mask_text(match.note),
        )


def unexpected_rows(result: Reconciliation) -> Iterator[tuple[object, ...]]:
    """One row per statement posting of the run that no paid line explains."""
    for unexpected in result.unexpected:
        yield _unexpected_row(unexpected)


def _differs_in(match: LineMatch) -> str:
    line, posting = match.line, match.posting
    assert posting is not None  # only paired lines come here
    found = []
    if posting.amount != line.amount:
        found.append("amount")
    if not same_account(posting.credit_account, line.account_no):
        found.append("account")
    if match.txn_agrees is False:
        found.append("txn no")
    return ", ".join(found)


def _mismatch_row(match: LineMatch, differs: str) -> tuple[object, ...]:
    line, posting = match.line, match.posting
    assert posting is not None
    return (
        line.seq,
        line.reference,
        line.employee_id,
        mask_text(line.name),
        differs,
        line.amount,
        posting.amount,
        mask_account(line.account_no),
        mask_account(posting.credit_account),
        line.txn_no,
        posting.txn_no,
        mask_text(posting.payee_name),
        posting.posted_at,
        mask_text(match.note),
    )


def _unexpected_row(unexpected: Unexpected) -> tuple[object, ...]:
    posting, line = unexpected.posting, unexpected.line
    return (
        posting.txn_no,
        posting.posted_at,
        posting.reference,
        mask_text(posting.payee_name),
        mask_account(posting.credit_account),
        posting.amount,
        unexpected.reason,
        line.seq if line else None,
        line.state if line else None,
        mask_text(unexpected.note),
    )
