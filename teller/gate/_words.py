"""How the gate writes figures: for a person in ``detail``, plainly in ``figures``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from teller._masking import mask_account
from teller.gate._model import FiredRule

__all__ = ["Hit", "figure", "masked", "money", "percent"]

_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Hit:
    """A fired rule and what it would tell a checker to do, verb first."""

    fired: FiredRule
    suggestion: str


def money(value: Decimal) -> str:
    """An amount for a person: ``12,400.00``."""
    return f"{value:,.2f}"


def figure(value: Decimal) -> str:
    """An amount for a machine: ``12400.00``."""
    return f"{value:.2f}"


def percent(value: Decimal | float) -> str:
    """A percentage to one decimal, without a trailing ``.0``: ``2.1``, ``90``."""
    text = f"{Decimal(str(value)).quantize(_TENTH):f}"
    return text.removesuffix(".0")


def masked(account: str) -> str:
    """An account number as it may be shown or logged: ``****1234``."""
    return mask_account(account)
