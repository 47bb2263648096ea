"""A flow's promise to its customers, measured: how soon an item must reach a stage
(account loss: a reported card frozen within 30 minutes), and how the flow keeps it.

A flow that makes such a promise offers it through ``Flow.service_level``; the Desk's Home
page shows it (``ServiceLevel.of`` does the sums, the flow says when each case began and
when it reached the stage)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Case", "ServiceLevel"]


@dataclass(frozen=True)
class Case:
    """One case for the promise: when its clock started, when it reached the stage (None:
    not yet), and whether it is closed without reaching it (not waiting any more)."""

    started: datetime
    reached: datetime | None
    closed: bool = False


@dataclass(frozen=True)
class ServiceLevel:
    """The figures of one promise at a moment, all times in one clock."""

    flow: str
    what: str  # the promise in words, e.g. "report to freeze"
    target: timedelta
    waiting: int  # cases not at the stage yet, not closed
    late: int  # of those, past the target already
    oldest: timedelta | None  # how long the oldest waiting case has waited
    handled: int  # cases that reached the stage today
    in_time: int  # of those, within the target

    @classmethod
    def of(
        cls, flow: str, what: str, target: timedelta, cases: Iterable[Case], now: datetime
    ) -> ServiceLevel:
        every = list(cases)
        waits = [now - c.started for c in every if c.reached is None and not c.closed]
        today = [
            (c.started, c.reached) for c in every if c.reached and c.reached.date() == now.date()
        ]
        return cls(
            flow=flow,
            what=what,
            target=target,
            waiting=len(waits),
            late=sum(1 for w in waits if w > target),
            oldest=max(waits) if waits else None,
            handled=len(today),
            in_time=sum(1 for started, reached in today if reached - started <= target),
        )
