"""Admin endpoints for tests and benchmarks: accounts, latency, faults, late defaults, sessions.

They need no login but answer requests from the loopback interface only (README.md).
"""

from __future__ import annotations

from decimal import InvalidOperation

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from consoles._shared import admin_blueprint, apply_latency, json_body, sessions
from consoles.spapay._defaults import Defaults, DefaultsSettingsError
from consoles.spapay._faults import Faults, FaultSettingsError

__all__ = ["admin"]

admin = admin_blueprint()


@admin.post("/accounts")
def upsert_accounts() -> ResponseReturnValue:
    accounts = json_body().get("accounts")
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        return jsonify(error="'accounts' must be a list of objects"), 400
    try:
        count = current_app.extensions["spapay.ledger"].upsert_accounts(accounts)
    except (KeyError, ValueError, InvalidOperation) as exc:
        return jsonify(error=f"bad account: {exc!r}"), 400
    return jsonify(upserted=count)


@admin.post("/latency")
def set_latency() -> ResponseReturnValue:
    return apply_latency(json_body().get("ms"))


@admin.get("/faults")
def fault_settings() -> ResponseReturnValue:
    return jsonify(_faults().snapshot())


@admin.post("/faults")
def set_faults() -> ResponseReturnValue:
    """Arm faults and pauses, set seeded rates, release held requests, reset (README.md)."""
    try:
        _faults().configure(json_body())
    except FaultSettingsError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(_faults().snapshot())


@admin.get("/defaults")
def defaults_settings() -> ResponseReturnValue:
    return jsonify(_defaults().snapshot())


@admin.post("/defaults")
def set_defaults() -> ResponseReturnValue:
    """Change the late defaults' seed, rates and delays; answers as GET."""
    try:
        _defaults().configure(json_body())
    except DefaultsSettingsError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(_defaults().snapshot())


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every session now, as an idle timeout would."""
    expired = sessions().expire_all()
    _faults().count_expiry()
    return jsonify(expired=expired)


def _faults() -> Faults:
    return current_app.extensions["spapay.faults"]


def _defaults() -> Defaults:
    return current_app.extensions["spapay.defaults"]
