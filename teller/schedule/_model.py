"""Schedule files: ``schedules/*.toml``, one schedule each, refused naming file, line and field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from teller._errors import ConfigError
from teller._toml import decode_error_line, key_lines, line_of

__all__ = ["ConsoleQueue", "DropFolder", "Misfire", "Schedule", "load_schedule", "load_schedules"]


class Misfire(BaseModel):
    """What to do with a firing found late: run it once, or skip it (and say so either way)."""

    model_config = ConfigDict(extra="forbid")
    policy: Literal["run_once", "skip"] = "run_once"
    grace: float = Field(default=300.0, ge=0)  # seconds late that still count as on time


class DropFolder(BaseModel):
    """A folder in which each new file starts one run; taken files move to ``taken/``."""

    model_config = ConfigDict(extra="forbid")
    folder: Path


class ConsoleQueue(BaseModel):
    """Work waiting in a console's queue: the flow's intake fetches it at each firing."""

    model_config = ConfigDict(extra="forbid")
    console: str


class Schedule(BaseModel):
    """One schedule: which flow, when, on which calendar, from which input."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    flow: str
    # the maker of every run it starts: a user with the operator role, who may then not
    # approve those runs' lines (checked at each firing: a disabled owner's firing fails)
    owner: str = Field(min_length=2)
    cron: str | None = None  # 5 fields: minute hour day month day-of-week
    interval: int | None = Field(default=None, ge=1)  # seconds, anchored at the Unix epoch
    timezone: str = "Asia/Shanghai"
    calendar: Literal["banking", "every_day"] = "banking"
    input: Path | DropFolder | ConsoleQueue
    misfire: Misfire = Misfire()
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value.split()) != 5:
            raise ValueError("a cron has 5 fields: minute hour day month day-of-week")
        CronTrigger.from_crontab(value)  # raises ValueError on a bad field
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Schedule:
        if (self.cron is None) == (self.interval is None):
            raise ValueError("give exactly one of cron and interval")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def input_path(self, project: Path) -> Path | None:
        """The input file or drop folder; None when the work waits in a console's queue."""
        if isinstance(self.input, ConsoleQueue):
            return None
        target = self.input.folder if isinstance(self.input, DropFolder) else self.input
        return target if target.is_absolute() else project / target


def load_schedules(folder: Path) -> list[Schedule]:
    """Every ``*.toml`` of the folder except ``closures.toml``, sorted by name."""
    files = sorted(p for p in folder.glob("*.toml") if p.name != "closures.toml")
    schedules = [load_schedule(p) for p in files]
    seen: dict[str, Path] = {}
    for path, schedule in zip(files, schedules, strict=True):
        if schedule.name in seen:
            raise ConfigError(
                str(path), f"field name: {schedule.name!r} also in {seen[schedule.name]}"
            )
        seen[schedule.name] = path
    return sorted(schedules, key=lambda s: s.name)


def load_schedule(path: Path) -> Schedule:
    """Read one schedule file; a bad one raises ConfigError with the file, line and field."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            str(path), f"not valid TOML: {exc}", line=decode_error_line(exc)
        ) from None
    try:
        return Schedule.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(str(p) for p in error["loc"] if not str(p).startswith(("Path", "DropFolder")))
        field = ".".join(loc) or "(schedule)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] != "missing" and loc:
            message += f" (found {error['input']!r})"
        raise ConfigError(
            str(path), f"field {field}: {message}", line=line_of(key_lines(text), loc)
        ) from None
