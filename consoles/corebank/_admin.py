"""Admin endpoints for tests and benchmarks: seeding, health, latency and fault injection.

They need no login but answer requests from the loopback interface only.
"""

from __future__ import annotations

from decimal import InvalidOperation

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue

from consoles._shared import add_fault_endpoints, admin_blueprint, apply_latency, json_body

__all__ = ["admin"]

admin = admin_blueprint()
add_fault_endpoints(admin, key="corebank.faults")


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
