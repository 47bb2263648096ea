"""CoreBank: the corebank teller console, wholly by its console map (``selectors/corebank.yaml``).

The map's ``payments:`` says how to sign in, transfer, find a transfer by reference and
fetch the statement; :class:`teller.consolemap.MapBot` does the rest, with the effect
boundary of :class:`teller.pages.PageObject`: before submit a failure is a system error,
after it ``PaymentRefused`` / ``ReferenceAlreadyUsed`` in the console's words, else
``InDoubt``. The class only names the console, for code that builds a bot by its type.
"""

from __future__ import annotations

from teller.consolemap import MapBot
from teller.payments import Posted

__all__ = ["CoreBank", "Transfer"]

Transfer = Posted
"""A transfer as the console records it (an inquiry row, a statement line)."""


class CoreBank(MapBot):
    """One teller session on the corebank console, in one browser page."""

    console = "corebank"
