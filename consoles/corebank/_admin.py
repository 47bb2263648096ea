"""Admin endpoints for tests and benchmarks: seeding, health, latency and fault injection.

They need no login but answer requests from the loopback interface only.
"""

from __future__ import annotations

from decimal import InvalidOperation

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from consoles._shared import admin_blueprint, apply_latency, json_body, sessions
from consoles.corebank._faults import Faults, FaultSettingsError

__all__ = ["admin"]

admin = admin_blueprint()


@admin.post("/accounts")
def upsert_accounts() -> ResponseReturnValue:
    accounts = json_body().get("accounts")
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        return jsonify(error="'accounts' must be a list of objects"), 400
    try:
        count = current_app.extensions["corebank.ledger"].upsert_accounts(accounts)
    except (KeyError, ValueError, InvalidOperation) as exc:
        return jsonify(error=f"bad account: {exc!r}"), 400
    return jsonify(upserted=count)


@admin.post("/latency")
def set_latency() -> ResponseReturnValue:
    return apply_latency(json_body().get("ms"))


@admin.get("/faults")
def fault_settings() -> ResponseReturnValue:
    """The fault settings and counters of what was injected so far."""
    return jsonify(_faults().snapshot())


@admin.post("/faults")
def set_faults() -> ResponseReturnValue:
    """Arm one-shot faults, set seeded rates, reset; ``{}`` just reports (see README.md)."""
    faults = _faults()
    try:
        faults.configure(json_body())
    except FaultSettingsError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(faults.snapshot())


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every teller session now, as an idle timeout would."""
    expired = sessions().expire_all()
    _faults().count_expiry()
    return jsonify(expired=expired)


def _faults() -> Faults:
    return current_app.extensions["corebank.faults"]
