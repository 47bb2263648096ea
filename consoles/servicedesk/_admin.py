"""Admin endpoints for tests and seeding; no login, but from the loopback interface only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from consoles.servicedesk._guard import desk, sessions

__all__ = ["admin"]

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def _loopback_only() -> None:
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)


@admin.get("/health")
def health() -> ResponseReturnValue:
    return jsonify(ok=True)


@admin.post("/tickets")
def add_tickets() -> ResponseReturnValue:
    body: Any = request.get_json(silent=True)
    tickets = body.get("tickets") if isinstance(body, dict) else None
    if not isinstance(tickets, list) or not all(isinstance(t, dict) for t in tickets):
        return jsonify(error="'tickets' must be a list of objects"), 400
    try:
        added = desk().add_tickets(tickets)
    except ValueError as exc:
        return jsonify(error=f"bad ticket: {exc}"), 400
    return jsonify(added=added)


@admin.get("/tickets")
def list_tickets() -> ResponseReturnValue:
    """Every ticket with every field (the two flags as booleans) and its comments."""
    tickets = desk().all_tickets()
    for ticket in tickets:
        ticket["freeze_account"] = bool(ticket["freeze_account"])
        ticket["replacement"] = bool(ticket["replacement"])
    return jsonify(tickets=tickets)


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every agent session now, as an idle timeout would."""
    return jsonify(expired=sessions().expire_all())


@admin.post("/latency")
def set_latency() -> ResponseReturnValue:
    body: Any = request.get_json(silent=True)
    ms = body.get("ms") if isinstance(body, dict) else None
    if not isinstance(ms, int) or isinstance(ms, bool) or ms < 0:
        return jsonify(error="'ms' must be a non-negative integer"), 400
    current_app.extensions["servicedesk.latency_ms"] = ms
    return jsonify(ms=ms)
