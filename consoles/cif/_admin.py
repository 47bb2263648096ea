"""Admin endpoints for tests: health, seeding customers, ending sessions (loopback only)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from consoles.cif._db import Database, SeedError

__all__ = ["admin"]

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def _loopback_only() -> None:
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)


@admin.get("/health")
def health() -> ResponseReturnValue:
    return jsonify(ok=True)


@admin.post("/customers")
def upsert_customers() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    customers = body.get("customers") if isinstance(body, dict) else None
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
    return jsonify(expired=current_app.extensions["cif.sessions"].expire_all())
