"""coreplus: a sandbox core-banking console of another vendor, with its own SQLite ledger.

See README.md in this folder for its screens, refusals, admin endpoints and ledger tables.
"""

from __future__ import annotations

from consoles._shared import FAULT_KINDS, FaultSettingsError
from consoles.coreplus.app import (
    DEFAULT_PASSWORD,
    DEFAULT_TOTP_SEED,
    OPERATOR,
    create_app,
    serve,
)

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_TOTP_SEED",
    "FAULT_KINDS",
    "OPERATOR",
    "FaultSettingsError",
    "create_app",
    "serve",
]
