"""corebank: a sandbox legacy core-banking teller console with its own SQLite ledger.

See README.md in this folder for its screens, admin endpoints and ledger tables.
"""

from __future__ import annotations

from consoles._shared import FAULT_KINDS, FaultSettingsError
from consoles.corebank.app import DEFAULT_PASSWORD, OPERATOR, create_app, serve

__all__ = [
    "DEFAULT_PASSWORD",
    "FAULT_KINDS",
    "OPERATOR",
    "FaultSettingsError",
    "create_app",
    "serve",
]
