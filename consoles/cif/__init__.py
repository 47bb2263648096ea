"""cif: a sandbox legacy customer-information console (read-only) with its own SQLite file.

See README.md in this folder for its screens, pop-ups, admin endpoints and tables.
"""

from __future__ import annotations

from consoles.cif.app import DEFAULT_PASSWORD, DEFAULT_PORT, OPERATOR, create_app, serve

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_PORT", "OPERATOR", "create_app", "serve"]
