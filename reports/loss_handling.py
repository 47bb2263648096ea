"""The daily loss-handling workbook of the account-loss flow (賬戶掛失): Summary, Tickets, Exceptions.

It answers the branch manager's questions for one day: how many lost cards were reported,
how many were frozen and closed, how long a card stayed usable after the customer called,
and which tickets a person must now pick up. Outcomes and figures live in
``reports._loss_figures``; this module lays them out with ``teller.excel``.
Times are the consoles' own naive local times (Asia/Shanghai), as the consoles show them.
Cards arrive masked; names, cards and reasons still go through ``mask_text`` so a full card
or ID number passed by mistake never reaches the workbook.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

from reports._loss_figures import (
    LossFigures,
    TicketOutcome,
    local_time,
    loss_figures,
    outcome_of,
    percentile,
    seconds_to_freeze,
    stage_of,
)
from teller import mask_text
from teller.excel import (
    Chart,
    Column,
    Field,
    Table,
    head_fields,
    new_workbook,
    save,
    write_key_values,
    write_table,
)
from teller.integrity import ChainHead

__all__ = [
    "MEDIAN_LABEL",
    "P95_LABEL",
    "LossFigures",
    "TicketOutcome",
    "loss_figures",
    "percentile",
    "seconds_to_freeze",
    "write_loss_report",
]

TIMES_NOTE = (
    "Times are the consoles' own local times (Asia/Shanghai). Cards frozen before the report "
    "are not in the freeze figures."
)
MEDIAN_LABEL = "Median seconds, report to freeze"
P95_LABEL = "95th percentile seconds, report to freeze"
SECONDS_FORMAT = "0.0"

TICKET_COLUMNS = (
    Column("Ticket id"),
    Column("Kind"),
    Column("Channel"),
    Column("Customer"),
    Column("Card"),
    Column("Reported at", "datetime"),
    Column("Verified at", "datetime"),
    Column("Frozen at", "datetime"),
    Column("Frozen by"),
    Column("Freeze ref"),
    Column("Account frozen at", "datetime"),
    Column("Replacement ordered at", "datetime"),
    Column("Replacement ref"),
    Column("Unfrozen at", "datetime"),
    Column("Closed at", "datetime"),
    Column("Seconds to freeze", "int"),
    Column("Stage"),
    Column("State"),
    Column("Reason", width=50),
)

EXCEPTION_COLUMNS = (
    Column("Ticket id"),
    Column("Kind"),
    Column("Channel"),
    Column("Customer"),
    Column("Card"),
    Column("Reported at", "datetime"),
    Column("Issue"),
    Column("Stage"),
    Column("State"),
    Column("Reason", width=50),
    Column("Evidence", width=50),
)

OUTCOME_COLUMNS = (Column("Outcome"), Column("Tickets", "int"))


def write_loss_report(
    path: Path,
    *,
    day: date,
    generated_at: datetime,
    tickets: Sequence[TicketOutcome],
    sources: Sequence[Path] = (),
    head: ChainHead | None = None,
    key: bytes | None = None,
) -> LossFigures:
    """Write the day's loss-handling workbook to ``path`` and return its figures.

    The file is replaced atomically, with a ``<name>.sha256`` manifest beside it that lists
    ``sources`` (what the report was made from) and the report. ``head`` is the audit
    chain's head the report saw (Summary and manifest); ``key`` (the audit key) signs the
    manifest.
    """
    figures = loss_figures(tickets)
    ordered = sorted(tickets, key=lambda t: (local_time(t.reported_at), t.ticket_id))
    wb = new_workbook()
    summary = write_key_values(
        wb,
        "Summary",
        [*_summary_fields(day, generated_at, figures), *head_fields(head)],
        table=Table(OUTCOME_COLUMNS, _outcome_rows(figures)),
        chart=Chart("Tickets by outcome", "Tickets"),
    )
    _put_seconds(summary, MEDIAN_LABEL, figures.median_seconds)
    _put_seconds(summary, P95_LABEL, figures.p95_seconds)
    write_table(wb, "Tickets", TICKET_COLUMNS, (_ticket_row(t) for t in ordered))
    write_table(wb, "Exceptions", EXCEPTION_COLUMNS, _exception_rows(ordered))
    save(wb, Path(path), manifest=True, sources=sources, head=head, key=key)
    return figures


def _summary_fields(day: date, generated_at: datetime, figures: LossFigures) -> list[Field | None]:
    return [
        Field("Day", day, "date"),
        Field("Generated at", local_time(generated_at), "datetime"),
        None,
        Field("Tickets", figures.tickets, "int"),
        Field("Closed", figures.closed, "int"),
        Field("Handed over", figures.handed_over, "int"),
        Field("Failed", figures.failed, "int"),
        Field("Waiting", figures.waiting, "int"),
        None,
        Field("Frozen by Teller", figures.frozen_by_teller, "int"),
        # Left empty here and filled as numbers by _put_seconds: the primitives have no kind
        # for a plain decimal, and "money" would print seconds as an amount.
        Field(MEDIAN_LABEL, None),
        Field(P95_LABEL, None),
        Field("Note", TIMES_NOTE),
    ]


def _put_seconds(ws: Worksheet, label: str, seconds: Decimal | None) -> None:
    row = next(cells for cells in ws.iter_rows(max_col=2) if cells[0].value == label)
    if seconds is not None:
        row[1].value = seconds  # a Decimal: openpyxl writes its exact text as a number
        row[1].number_format = SECONDS_FORMAT


def _outcome_rows(figures: LossFigures) -> list[tuple[object, ...]]:
    return [
        ("closed", figures.closed),
        ("handed over", figures.handed_over),
        ("failed", figures.failed),
        ("waiting", figures.waiting),
    ]


def _frozen_by(ticket: TicketOutcome) -> str | None:
    if ticket.frozen_at is None:
        return None
    return "Teller" if ticket.frozen_by_teller else "before the report"


def _ticket_row(ticket: TicketOutcome) -> tuple[object, ...]:
    return (
        ticket.ticket_id,
        ticket.kind,
        ticket.channel,
        mask_text(ticket.customer),
        mask_text(ticket.card),
        local_time(ticket.reported_at),
        local_time(ticket.verified_at),
        local_time(ticket.frozen_at),
        _frozen_by(ticket),
        ticket.freeze_ref,
        local_time(ticket.account_frozen_at),
        local_time(ticket.replacement_at),
        ticket.replacement_ref,
        local_time(ticket.unfrozen_at),
        local_time(ticket.closed_at),
        seconds_to_freeze(ticket),
        stage_of(ticket),
        ticket.state,
        _masked(ticket.reason),
    )


def _exception_rows(tickets: Sequence[TicketOutcome]) -> Iterator[tuple[object, ...]]:
    for ticket in tickets:
        outcome = outcome_of(ticket)
        if outcome == "closed":
            continue
        yield (
            ticket.ticket_id,
            ticket.kind,
            ticket.channel,
            mask_text(ticket.customer),
            mask_text(ticket.card),
            local_time(ticket.reported_at),
            outcome,
            stage_of(ticket),
            ticket.state,
            _masked(ticket.reason),
            ticket.evidence,
        )


def _masked(text: str | None) -> str | None:
    return None if text is None else mask_text(text)
