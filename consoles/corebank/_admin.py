"""Admin endpoints for tests and benchmarks: seeding, health, latency and fault injection.

They need no login but answer requests from the loopback interface only.
"""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from consoles.corebank._faults import Faults, FaultSettingsError

__all__ = ["admin"]

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.before_request
def _loopback_only() -> None:
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "expected a JSON object")
    return body


@admin.get("/health")
def health() -> ResponseReturnValue:
    return jsonify(ok=True)


@admin.post("/accounts")
def upsert_accounts() -> ResponseReturnValue:
    accounts = _json().get("accounts")
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        return jsonify(error="'accounts' must be a list of objects"), 400
    try:
        count = current_app.extensions["corebank.ledger"].upsert_accounts(accounts)
    except (KeyError, ValueError, InvalidOperation) as exc:
        return jsonify(error=f"bad account: {exc!r}"), 400
    return jsonify(upserted=count)


@admin.post("/latency")
def set_latency() -> ResponseReturnValue:
    ms = _json().get("ms")
    if not isinstance(ms, int) or isinstance(ms, bool) or ms < 0:
        return jsonify(error="'ms' must be a non-negative integer"), 400
    _faults().latency_ms = ms
    return jsonify(ms=ms)


@admin.get("/faults")
def fault_settings() -> ResponseReturnValue:
    """The fault settings and counters of what was injected so far."""
    return jsonify(_faults().snapshot())


@admin.post("/faults")
def set_faults() -> ResponseReturnValue:
    """Arm one-shot faults, set seeded rates, reset; ``{}`` just reports (see README.md)."""
    faults = _faults()
    try:
        faults.configure(_json())
    except FaultSettingsError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(faults.snapshot())


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every teller session now, as an idle timeout would."""
    expired = current_app.extensions["corebank.sessions"].expire_all()
    _faults().count_expiry()
    return jsonify(expired=expired)


def _faults() -> Faults:
    return current_app.extensions["corebank.faults"]
