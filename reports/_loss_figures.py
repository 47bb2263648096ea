"""What happened to each loss ticket of a day, and the day's figures: outcomes and freeze times.

A ticket's *outcome* puts it in exactly one of four bins, so the counts add up to the tickets:
handed over to a person (whatever its item state), closed (``done``), failed, or still waiting.
Report-to-freeze times are measured only for cards Teller froze itself: a card a clerk froze
before the report came would flatter the figures with a freeze that took no time at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, overload
from zoneinfo import ZoneInfo

__all__ = [
    "CONSOLE_ZONE",
    "FAILED_STATES",
    "LossFigures",
    "Outcome",
    "Stage",
    "TicketOutcome",
    "local_time",
    "loss_figures",
    "outcome_of",
    "percentile",
    "seconds_to_freeze",
    "stage_of",
]

# The consoles write naive local time in Shanghai; the report keeps their clock.
CONSOLE_ZONE = ZoneInfo("Asia/Shanghai")
# rejected is here too: an approver refused the work, so it ends without a close and without
# a hand-over, and must show up somewhere a person will look.
FAILED_STATES = frozenset({"failed_system", "needs_review", "failed_business", "rejected"})
TENTH = Decimal("0.1")

Outcome = Literal["closed", "handed over", "failed", "waiting"]
Stage = Literal[
    "received", "verified", "frozen", "replacement ordered", "unfrozen", "closed", "handed over"
]


@dataclass(frozen=True)
class TicketOutcome:
    """One loss or unfreeze ticket as the flow left it: its stages with the consoles' times."""

    ticket_id: str
    kind: str  # "loss" | "unfreeze"
    channel: str  # "phone" | "branch" | "app" | "web"
    customer: str
    card: str  # already masked, e.g. "****1234" ("" if not known yet)
    state: str  # the Teller item state
    reported_at: datetime  # naive, console local time (Asia/Shanghai), from servicedesk
    verified_at: datetime | None
    frozen_at: datetime | None  # the freeze in force, from cardadmin
    frozen_by_teller: bool  # False when the card was already frozen before Teller came
    freeze_ref: str | None
    account_frozen_at: datetime | None
    replacement_at: datetime | None
    replacement_ref: str | None
    unfrozen_at: datetime | None
    closed_at: datetime | None
    handed_over: bool
    reason: str | None  # why it was handed over or failed (already masked text)
    evidence: str | None  # evidence folder of the last failed attempt, if any


@dataclass(frozen=True)
class LossFigures:
    """The day's counts by outcome and the report-to-freeze times of cards Teller froze."""

    tickets: int
    closed: int
    handed_over: int
    failed: int
    waiting: int
    frozen_by_teller: int
    median_seconds: Decimal | None
    p95_seconds: Decimal | None


@overload
def local_time(value: datetime) -> datetime: ...
@overload
def local_time(value: None) -> None: ...
def local_time(value: datetime | None) -> datetime | None:
    """Return ``value`` as naive console local time; an aware value is converted, not relabelled."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(CONSOLE_ZONE).replace(tzinfo=None)


def seconds_to_freeze(ticket: TicketOutcome) -> int | None:
    """Return whole seconds from report to freeze, or None when Teller did not freeze the card.

    Only a loss ticket whose card Teller froze has such a time; fractions of a second are
    dropped (the consoles record whole seconds anyway).
    """
    if ticket.kind != "loss" or not ticket.frozen_by_teller:
        return None
    frozen_at, reported_at = local_time(ticket.frozen_at), local_time(ticket.reported_at)
    if frozen_at is None or reported_at is None:
        return None
    # Integer division of timedeltas is exact; total_seconds() would go through a float.
    return (frozen_at - reported_at) // timedelta(seconds=1)


def percentile(values: Sequence[int], pct: int) -> Decimal | None:
    """Return the ``pct``-th percentile of ``values``, exact, to 0.1; None when there are none.

    The method is numpy's default ("linear"): sort the values, take the rank
    ``(n - 1) * pct / 100``, and interpolate linearly between the values at the floor and
    the ceiling of that rank. With integer inputs the result has at most two decimals, so
    the Decimal arithmetic is exact; it is then rounded half up to one decimal.
    The median is ``percentile(values, 50)``.

        >>> percentile([10, 20, 30, 40], 95)
        Decimal('38.5')
    """
    if not 0 <= pct <= 100:
        raise ValueError(f"a percentile lies between 0 and 100, not {pct}")
    if not values:
        return None
    ordered = sorted(values)
    below, rest = divmod((len(ordered) - 1) * pct, 100)
    low = Decimal(ordered[below])
    if rest == 0:
        return low.quantize(TENTH)
    high = Decimal(ordered[below + 1])
    value = low + (high - low) * Decimal(rest) / Decimal(100)
    return value.quantize(TENTH, ROUND_HALF_UP)


def outcome_of(ticket: TicketOutcome) -> Outcome:
    """Return the bin a ticket counts in: handed over, closed, failed or waiting."""
    if ticket.handed_over:
        return "handed over"
    if ticket.state == "done":
        return "closed"
    if ticket.state in FAILED_STATES:
        return "failed"
    return "waiting"


def stage_of(ticket: TicketOutcome) -> Stage:
    """Return the furthest stage the ticket reached, a hand-over counting as the furthest."""
    if ticket.handed_over:
        return "handed over"
    if ticket.closed_at is not None:
        return "closed"
    if ticket.unfrozen_at is not None:
        return "unfrozen"
    if ticket.replacement_at is not None:
        return "replacement ordered"
    if ticket.frozen_at is not None or ticket.account_frozen_at is not None:
        return "frozen"
    if ticket.verified_at is not None:
        return "verified"
    return "received"


def loss_figures(tickets: Sequence[TicketOutcome]) -> LossFigures:
    """Count the tickets by outcome and measure report-to-freeze times over Teller's freezes."""
    outcomes = [outcome_of(ticket) for ticket in tickets]
    measured = [s for s in map(seconds_to_freeze, tickets) if s is not None]
    return LossFigures(
        tickets=len(tickets),
        closed=outcomes.count("closed"),
        handed_over=outcomes.count("handed over"),
        failed=outcomes.count("failed"),
        waiting=outcomes.count("waiting"),
        frozen_by_teller=len(measured),
        median_seconds=percentile(measured, 50),
        p95_seconds=percentile(measured, 95),
    )
