"""Admin endpoints for tests and benchmarks: seeding, health, latency and fault injection.

They need no login but answer requests from the loopback interface only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

__all__ = ["FAULT_KINDS", "Faults", "admin"]

# What can go wrong on the next transfer POSTs, on demand:
#   error_before_post  answer HTTP 500 and post nothing
#   error_after_commit post and commit, then answer HTTP 500
#   drop_after_commit  post and commit, then close the connection without an answer
FAULT_KINDS = ("error_before_post", "error_after_commit", "drop_after_commit")

admin = Blueprint("admin", __name__, url_prefix="/admin")


@dataclass
class Faults:
    """Latency and armed one-shot faults, shared by all request threads."""

    latency_ms: int = 0
    armed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, kind: str) -> bool:
        """Consume one armed fault of ``kind``; True if one was armed."""
        with self._lock:
            if self.armed[kind] > 0:
                self.armed[kind] -= 1
                return True
            return False


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
    current_app.extensions["corebank.faults"].latency_ms = ms
    return jsonify(ms=ms)


@admin.post("/faults")
def arm_faults() -> ResponseReturnValue:
    """Arm one-shot faults, e.g. ``{"drop_after_commit": 1}``; ``{}`` just reports them."""
    body = _json()
    faults: Faults = current_app.extensions["corebank.faults"]
    unknown = sorted(set(body) - set(FAULT_KINDS))
    if unknown:
        return jsonify(error=f"unknown faults {unknown}; known: {list(FAULT_KINDS)}"), 400
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in body.values()):
        return jsonify(error="fault counts must be non-negative integers"), 400
    with faults._lock:
        faults.armed.update(body)
        return jsonify(armed=dict(faults.armed))


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every teller session now, as an idle timeout would."""
    return jsonify(expired=current_app.extensions["corebank.sessions"].expire_all())
