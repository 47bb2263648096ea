"""The console's clock: UTC for the ledger, Asia/Shanghai for every screen and file.

The ledger stores times in UTC; the teller sees local time, and "a day" (inquiry,
statement, the day in a transaction number) is a local day. The admin endpoint
``/admin/clock`` may move the clock (tests of a day's edges); one-time codes never
follow it, they use the real time as the robot's authenticator does.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["LOCAL", "Clock", "day_bounds", "local_text", "parse_utc", "utc_text"]

LOCAL = ZoneInfo("Asia/Shanghai")


class Clock:
    """The time now, possibly moved by an offset (shared by the request threads)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The console's time now, in UTC, to the second."""
        with self._lock:
            offset = self._offset
        return (datetime.now(UTC) + offset).replace(microsecond=0)

    def set(self, moment: datetime | None) -> None:
        """Make the console's time ``moment`` now, running on from there; None: the real time."""
        with self._lock:
            self._offset = timedelta(0) if moment is None else moment - datetime.now(UTC)


def utc_text(moment: datetime) -> str:
    """How the ledger writes a time: ``2026-03-01T15:59:58Z`` (sorts as it runs)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """A time as the ledger (or ``/admin/clock``) writes it, ``...Z`` or with an offset."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"a time with its zone is needed, e.g. 2026-03-01T15:59:58Z: {text!r}")
    return moment.astimezone(UTC)


def local_text(moment: datetime | str) -> str:
    """A time as the teller sees it: local, ``2026/03/01 23:59:58``."""
    if isinstance(moment, str):
        moment = parse_utc(moment)
    return moment.astimezone(LOCAL).strftime("%Y/%m/%d %H:%M:%S")


def day_bounds(day: date) -> tuple[str, str]:
    """The local ``day`` as a half-open range of ledger (UTC) times: [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    return utc_text(start), utc_text(start + timedelta(days=1))
