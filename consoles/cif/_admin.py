"""Admin endpoints for tests: health, seeding customers, ending sessions (loopback only)."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from consoles._shared import admin_blueprint, json_value, sessions
from consoles.cif._db import Database, SeedError

__all__ = ["admin"]

admin = admin_blueprint()


@admin.post("/customers")
def upsert_customers() -> ResponseReturnValue:
    customers = json_value("customers")
    if not isinstance(customers, list):
        return jsonify(error="expected {'customers': [...]}"), 400
    database: Database = current_app.extensions["cif.db"]
    try:
        added = database.upsert(customers)
    except SeedError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(added=added)


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every session now, as an idle timeout would."""
    return jsonify(expired=sessions().expire_all())
