"""spapay: a sandbox single-page payables app (JSON over fetch) with its own SQLite ledger.

See README.md in this folder for its screens, API, admin endpoints and ledger.
"""

from __future__ import annotations

from consoles.spapay.app import DEFAULT_PASSWORD, OPERATOR, create_app, serve

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]
