"""The banking calendar: Chinese public holidays, adjusted working weekends, the bank's closures."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import chinese_calendar
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from teller._errors import ConfigError

__all__ = ["BankYears", "BankingCalendar", "Calendar", "EveryDay", "load_calendar"]


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


class _Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    name: str


class _WorkingDay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    reason: str


class _Closures(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # years the bank enters itself, from the State Council's notice, before chinesecalendar has them
    years: list[int] = []
    closure: list[_Closure] = []
    holiday: list[_Holiday] = []
    working_day: list[_WorkingDay] = []

    @model_validator(mode="after")
    def _in_declared_years(self) -> _Closures:
        for day in [h.date for h in self.holiday] + [w.date for w in self.working_day]:
            if day.year not in self.years:
                raise ValueError(f"{day} is in {day.year}, which years does not list")
        return self


@dataclass(frozen=True)
class BankYears:
    """Public holidays and adjusted working weekends of years the bank entered itself."""

    years: frozenset[int] = frozenset()
    holidays: dict[date, str] = field(default_factory=dict)
    working_days: dict[date, str] = field(default_factory=dict)

    def closed(self, day: date) -> str | None:
        if day in self.working_days:
            return None
        if day in self.holidays:
            return f"public holiday ({self.holidays[day]})"
        return "weekend" if day.weekday() >= 5 else None


class BankingCalendar:
    """Working days of a bank in China: the State Council's calendar plus the bank's own closures."""

    def __init__(
        self, closures: dict[date, str] | None = None, *, entered: BankYears | None = None
    ) -> None:
        self.closures = dict(closures or {})
        self.entered = entered or BankYears()

    def closed(self, day: date) -> str | None:
        if day in self.closures:
            return f"bank closure: {self.closures[day]}"
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year in self.entered.years:
                return self.entered.closed(day)
            # the package knows only the years the State Council has published: refuse to guess
            return (
                f"no holiday calendar for {day.year}: update chinesecalendar, or enter the "
                f"year's holidays in schedules/closures.toml"
            )
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
    entered = BankYears(
        frozenset(data.years),
        {h.date: h.name for h in data.holiday},
        {w.date: w.reason for w in data.working_day},
    )
    return BankingCalendar({c.date: c.reason for c in data.closure}, entered=entered)
