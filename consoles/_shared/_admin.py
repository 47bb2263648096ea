"""The admin blueprint's shared part: loopback only, health, JSON bodies and latency."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue

from consoles._shared._guard import site

__all__ = ["admin_blueprint", "json_body", "json_value", "apply_latency"]


def admin_blueprint() -> Blueprint:
    """A new ``/admin`` blueprint answering the loopback interface only, with ``GET /health``.

    Its endpoints need no login; the console adds its own (seeding, faults, ...).
    """
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    admin.before_request(_loopback_only)
    admin.add_url_rule("/health", "health", _health, methods=["GET"])
    return admin


def _loopback_only() -> None:
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)


def _health() -> ResponseReturnValue:
    return jsonify(ok=True)


def json_body() -> dict[str, Any]:
    """The request's JSON object; anything else aborts with 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "expected a JSON object")
    return body


def json_value(key: str) -> Any:
    """``key`` of the request's JSON object; None if absent or the body is not an object."""
    body: Any = request.get_json(silent=True)
    return body.get(key) if isinstance(body, dict) else None


def apply_latency(ms: Any) -> ResponseReturnValue:
    """Set the added latency per request to ``ms``, if a non-negative integer (else 400)."""
    if not isinstance(ms, int) or isinstance(ms, bool) or ms < 0:
        return jsonify(error="'ms' must be a non-negative integer"), 400
    site().latency.latency_ms = ms
    return jsonify(ms=ms)
