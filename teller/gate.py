"""The approval gate: a policy file decides, per item, whether it may pass on its own.

Small, clean items pass (``auto_approved``); the rest wait for a person
(``needs_approval``) with a suggestion, or are refused outright (``rejected``).
Every decision lists the rules that fired and the figures that made them fire.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from teller._errors import ConfigError

__all__ = ["Decision", "FiredRule", "Outcome", "Policy", "decide", "load_policy"]

Outcome = Literal["auto_approved", "needs_approval", "rejected"]


class Policy(BaseModel):
    """The bank's rules for one flow, as written in ``policies/<flow>.toml``."""

    model_config = ConfigDict(extra="forbid")
    auto_limit: Decimal = Decimal("50000.00")
    reject_above: Decimal | None = None

    @field_validator("auto_limit", "reject_above")
    @classmethod
    def _money(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and (value <= 0 or value.as_tuple().exponent < -2):  # type: ignore[operator]
            raise ValueError("must be a positive amount with at most 2 decimal places")
        return value


@dataclass(frozen=True)
class FiredRule:
    rule: str
    detail: str


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    rules: list[FiredRule] = field(default_factory=list)
    suggestion: str | None = None


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None


def load_policy(path: Path) -> Policy:
    """Read a policy file; a bad one is refused naming the file, line and field."""
    if not path.is_file():
        return Policy()
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        raise ConfigError(
            str(path), f"field {key!r}: {first['msg']}", line=_line_of(text, key)
        ) from None


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def decide(policy: Policy, amount: Decimal) -> Decision:
    """Decide one item by its amount against the policy's limits."""
    if policy.reject_above is not None and amount > policy.reject_above:
        rule = FiredRule(
            "reject_above",
            f"{_money(amount)} is above the hard limit {_money(policy.reject_above)}",
        )
        return Decision("rejected", [rule], None)
    if amount > policy.auto_limit:
        over = amount - policy.auto_limit
        rule = FiredRule(
            "auto_limit",
            f"{_money(amount)} is {_money(over)} above the auto-approval limit "
            f"{_money(policy.auto_limit)}",
        )
        suggestion = (
            f"check: {_money(amount)} exceeds the auto-approval limit; approve if the "
            "payroll sign-off covers this amount"
        )
        return Decision("needs_approval", [rule], suggestion)
    return Decision("auto_approved", [], None)
