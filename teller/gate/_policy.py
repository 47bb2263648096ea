"""The bank's rules for one flow, as written in ``policies/<flow>.toml`` and validated.

Every rule but the auto-approval limit lives in its own table; a table that is absent,
or says ``enabled = false``, switches its rule off. ``luhn = true`` (or ``false``) is
short for a table with nothing but ``enabled``. Amounts may be written as strings
(``"50000.00"``) or as TOML numbers; either way they are read as exact decimals.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from teller.gate._model import Action

__all__ = ["Anomaly", "DailyCap", "Duplicates", "Kinds", "Luhn", "PayDate", "Policy", "Watchlist"]

_CENT = Decimal("0.01")
_TOO_MUCH = Decimal("1e15")
_LIMITS = ("auto_limit", "dual_limit", "reject_above")
_SECTIONS = ("pay_date", "daily_cap", "duplicates", "watchlist", "luhn", "anomaly", "kinds")


def _amount(value: Decimal) -> Decimal:
    # bounded first: quantizing a number beyond the decimal context's precision would raise
    if not value.is_finite() or not 0 < value < _TOO_MUCH or value != value.quantize(_CENT):
        raise ValueError("must be a positive amount with at most 2 decimal places")
    return value.quantize(_CENT)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True


class DailyCap(_Rule):
    """At most this much to one beneficiary account per day, across batches."""

    per_beneficiary: Decimal
    action: Action = "hold"

    @field_validator("per_beneficiary")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        return _amount(value)


class Duplicates(_Rule):
    """A payment to the same account of (almost) the same amount in the same period.

    The period ends on the day the gate runs (the posting day) and starts
    ``lookback_days`` before it, or on the first of its month if ``same_month`` and
    that is earlier. Two amounts are "almost the same" when they differ by at most
    ``tolerance`` or by at most ``tolerance_pct`` percent of the larger one.
    """

    lookback_days: int = Field(default=30, ge=0, le=366)
    same_month: bool = False
    tolerance: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e12"))
    tolerance_pct: Decimal = Field(default=Decimal(0), ge=0, le=100)
    action: Action = "hold"

    @field_validator("tolerance")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        if value != value.quantize(_CENT):
            raise ValueError("must be an amount with at most 2 decimal places")
        return value.quantize(_CENT)

    def near(self, amount: Decimal, other: Decimal) -> bool:
        """Whether two amounts are the same payment, within the tolerance."""
        apart = abs(amount - other)
        # multiplied out, not divided: exactly the tolerance away is a duplicate
        return apart <= self.tolerance or apart * 100 <= self.tolerance_pct * max(amount, other)


class PayDate(_Rule):
    """The pay date a workbook writes may be at most so many days before or after today."""

    max_days_before: int = Field(default=3, ge=0, le=366)
    max_days_after: int = Field(default=3, ge=0, le=366)
    action: Action = "hold"


class Watchlist(_Rule):
    """Screening of names (fuzzy) and account numbers (exact) against the bank's list."""

    file: Path = Path("watchlist.csv")
    name_threshold: float = Field(default=90, gt=0, le=100)
    name_action: Action = "hold"
    account_action: Action = "reject"


class Luhn(_Rule):
    """Account numbers must carry a valid Luhn check digit."""

    action: Action = "hold"


class Anomaly(_Rule):
    """Who is paid where: an amount far from the usual, an account new or shared, an id
    that looks like another's, and (if ``new_payee``) a party and account both unknown."""

    max_deviation_pct: Decimal = Field(default=Decimal(50), gt=0)
    last_lines: int = Field(default=6, ge=1, le=120)
    min_history: int = Field(default=3, ge=1)
    new_account: bool = True
    shared_account: bool = True
    lookalike_party: bool = True
    new_payee: bool = False
    action: Action = "hold"

    @model_validator(mode="after")
    def _enough_lines(self) -> Anomaly:
        if self.min_history > self.last_lines:
            raise ValueError(
                f"min_history ({self.min_history}) cannot exceed last_lines ({self.last_lines})"
            )
        return self


class Kinds(_Rule):
    """Items of these kinds always wait for a person, whatever else the rules say."""

    hold: list[str] = Field(min_length=1)
    reason: str = "this kind of item always needs a person's approval"


class Policy(BaseModel):
    """All of a flow's gate rules; the defaults hold every line above 50,000.00, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auto_limit: Decimal = Decimal("50000.00")
    dual_limit: Decimal | None = None
    reject_above: Decimal | None = None
    pay_date: PayDate | None = None
    daily_cap: DailyCap | None = None
    duplicates: Duplicates | None = None
    watchlist: Watchlist | None = None
    luhn: Luhn | None = None
    anomaly: Anomaly | None = None
    kinds: Kinds | None = None

    # the folder of the file this policy was read from: the watchlist path is relative to it
    _directory: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _switches(cls, data: Any) -> Any:
        # ``luhn = true`` is short for ``[luhn]`` with its defaults; ``false`` switches it off
        if isinstance(data, dict):
            data = dict(data)
            for name in _SECTIONS:
                if isinstance(data.get(name), bool):
                    data[name] = {} if data[name] else None
        return data

    @field_validator("auto_limit", "dual_limit", "reject_above")
    @classmethod
    def _limits(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is None:
            return None
        value = _amount(value)
        # each limit must be above the ones before it, or the band between them is empty
        for lower in _LIMITS[: _LIMITS.index(str(info.field_name))]:
            below = info.data.get(lower)
            if below is not None and value <= below:
                raise ValueError(f"must be above {lower} ({below:,.2f})")
        return value

    @property
    def directory(self) -> Path | None:
        """The folder of the policy file, when the policy was read from one."""
        return self._directory
