"""corebank: a sandbox legacy core-banking teller console with its own SQLite ledger.

See README.md in this folder for its screens, admin endpoints and ledger tables.
"""

from __future__ import annotations

from consoles.corebank.app import DEFAULT_PASSWORD, OPERATOR, create_app, serve

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]
