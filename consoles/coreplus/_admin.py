"""Admin endpoints for tests and benchmarks: seeding, health, latency, faults, sessions, clock.

They need no login but answer requests from the loopback interface only.
"""

from __future__ import annotations

from decimal import InvalidOperation

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from consoles._shared import add_fault_endpoints, admin_blueprint, apply_latency, json_body
from consoles.coreplus._clock import Clock, parse_utc, utc_text

__all__ = ["admin"]

admin = admin_blueprint()
add_fault_endpoints(admin, key="coreplus.faults")


@admin.post("/accounts")
def upsert_accounts() -> ResponseReturnValue:
    """Upsert accounts; ``"debit": true`` marks the operator's own debit accounts."""
    accounts = json_body().get("accounts")
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        return jsonify(error="'accounts' must be a list of objects"), 400
    try:
        count = current_app.extensions["coreplus.ledger"].upsert_accounts(accounts)
    except (KeyError, ValueError, InvalidOperation) as exc:
        return jsonify(error=f"bad account: {exc!r}"), 400
    return jsonify(upserted=count)


@admin.post("/latency")
def set_latency() -> ResponseReturnValue:
    return apply_latency(json_body().get("ms"))


@admin.route("/clock", methods=["GET", "POST"])
def console_clock() -> ResponseReturnValue:
    """The console's time (UTC); ``{"utc": "2026-03-01T15:59:58Z"}`` moves it, ``null`` resets."""
    clock: Clock = current_app.extensions["coreplus.clock"]
    if request.method == "POST":
        body = json_body()
        if "utc" not in body:
            return jsonify(error="expected {'utc': '2026-03-01T15:59:58Z'} or {'utc': null}"), 400
        try:
            clock.set(None if body["utc"] is None else parse_utc(str(body["utc"])))
        except ValueError as exc:
            return jsonify(error=str(exc)), 400
    return jsonify(utc=utc_text(clock.now()))
