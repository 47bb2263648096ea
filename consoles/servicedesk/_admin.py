"""Admin endpoints for tests and seeding; no login, but from the loopback interface only."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from consoles._shared import admin_blueprint, apply_latency, json_value, sessions
from consoles.servicedesk._pages import desk

__all__ = ["admin"]

admin = admin_blueprint()


@admin.post("/tickets")
def add_tickets() -> ResponseReturnValue:
    tickets = json_value("tickets")
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
    return apply_latency(json_value("ms"))
