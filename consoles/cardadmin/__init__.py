"""cardadmin: a sandbox card-administration console (freezes, replacements), served in GBK.

See README.md in this folder for its screens, admin endpoints and tables.
"""

from __future__ import annotations

from consoles.cardadmin.app import DEFAULT_PASSWORD, OPERATOR, create_app, serve

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]
