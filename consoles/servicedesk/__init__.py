"""servicedesk: a sandbox queue of loss-report tickets (掛失工單) with its own SQLite file.

See README.md in this folder for its screens, rules, admin endpoints and tables.
"""

from __future__ import annotations

from consoles.servicedesk.app import DEFAULT_PASSWORD, OPERATOR, create_app, serve

__all__ = ["DEFAULT_PASSWORD", "OPERATOR", "create_app", "serve"]
