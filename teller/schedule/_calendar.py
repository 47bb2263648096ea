"""The banking calendar: Chinese public holidays, adjusted working weekends, the bank's closures."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Protocol

import chinese_calendar
from pydantic import BaseModel, ConfigDict, ValidationError

from teller._errors import ConfigError

__all__ = ["BankingCalendar", "Calendar", "EveryDay", "load_calendar"]


class Calendar(Protocol):
    def closed(self, day: date) -> str | None:
        """Why the day is not a working day, or None when it is one."""


class EveryDay:
    """Every day is a working day."""

    def closed(self, day: date) -> str | None:
        return None


class _Closure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    reason: str


class _Closures(BaseModel):
    model_config = ConfigDict(extra="forbid")
    closure: list[_Closure] = []


class BankingCalendar:
    """Working days of a bank in China: the State Council's calendar plus the bank's own closures."""

    def __init__(self, closures: dict[date, str] | None = None) -> None:
        self.closures = dict(closures or {})

    def closed(self, day: date) -> str | None:
        if day in self.closures:
            return f"bank closure: {self.closures[day]}"
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            # the package knows only the years the State Council has published: refuse to guess
            return f"no holiday calendar for {day.year}: update chinesecalendar"
        if working:
            return None
        _, name = chinese_calendar.get_holiday_detail(day)
        return f"public holiday ({name})" if name else "weekend"


def load_calendar(path: Path) -> BankingCalendar:
    """The banking calendar with the closures listed in ``path`` (none if the file is absent)."""
    if not path.is_file():
        return BankingCalendar()
    try:
        data = _Closures.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ConfigError(str(path), f"field {field}: {error['msg']}") from None
    return BankingCalendar({c.date: c.reason for c in data.closure})
