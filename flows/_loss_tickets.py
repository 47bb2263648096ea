"""The intake file of the account-loss flow: the tickets taken from the servicedesk queue.

Intake writes what the queue showed, before anything is done, as JSON in
``var/intake/account-loss/``; ``load`` reads it back through the same checks as any input,
so a run can be replayed from its file and an auditor sees exactly what was taken.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from teller import InputError, InputProblem
from teller.settings import InputLimits

__all__ = ["IntakeFile", "TicketLine", "read_intake", "write_intake"]

Kind = Literal["loss", "unfreeze"]
Channel = Literal["phone", "branch", "app", "web"]


class TicketLine(BaseModel):
    """One ticket as the queue listed it (the detail page is read when it is worked)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ticket_id: str = Field(pattern=r"^[A-Z]{2}-[0-9A-Za-z-]{1,40}$")
    kind: Kind
    reported_at: datetime
    channel: Channel
    customer_name: str = Field(min_length=1, max_length=100)


class IntakeFile(BaseModel):
    """What one intake took: from which console, when, and the tickets."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    taken_at: datetime
    tickets: list[TicketLine]

    @property
    def batch_id(self) -> str:
        return f"sweep-{self.taken_at:%Y%m%dT%H%M%S%f}"


def write_intake(folder: Path, intake: IntakeFile) -> Path:
    """Write the intake file (never over an earlier one) and return its path."""
    path = folder / f"{intake.batch_id}.json"
    text = json.dumps(intake.model_dump(mode="json"), ensure_ascii=False, indent=1)
    with path.open("x", encoding="utf-8") as out:
        out.write(text + "\n")
    return path


def read_intake(path: Path, *, limits: InputLimits | None = None) -> tuple[IntakeFile, str]:
    """Read and check an intake file; the file and its SHA-256. InputError names each problem.

    Read once, under the size cap: the SHA-256 is of the bytes that are parsed.
    """
    limits = limits or InputLimits()
    try:
        with path.open("rb") as file:
            raw = file.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise InputError([_problem(path, f"a readable file ({exc.strerror})")]) from None
    if len(raw) > limits.max_file_bytes:
        expected = f"a file of at most {limits.max_file_mb:g} MB (the input cap max_file_mb)"
        raise InputError([_problem(path, expected, found="a larger file")])
    try:
        intake = IntakeFile.model_validate_json(raw)
    except ValidationError as exc:
        raise InputError([_located(path, e) for e in exc.errors()]) from None
    counts = Counter(t.ticket_id for t in intake.tickets)
    twice = [ticket_id for ticket_id, n in counts.items() if n > 1]
    if twice:
        raise InputError([_problem(path, "each ticket once", found=t) for t in twice])
    return intake, hashlib.sha256(raw).hexdigest()


def _problem(
    path: Path,
    expected: str,
    *,
    row: int | None = None,
    column: str | None = None,
    found: str | None = None,
) -> InputProblem:
    # JSON has no sheets: the row is the ticket's position in "tickets", from 1
    return InputProblem(path.name, None, row, column, expected, found)


def _located(path: Path, error: Any) -> InputProblem:
    where = [str(p) for p in error.get("loc", ())]
    row = int(where[1]) + 1 if len(where) > 1 and where[0] == "tickets" else None
    column = ".".join(where[2:] if row is not None else where) or None
    found = error.get("input")
    shown = None if found is None or isinstance(found, dict | list) else str(found)[:60]
    message = str(error.get("msg", "a valid value"))
    return _problem(path, message[0].lower() + message[1:], row=row, column=column, found=shown)
