"""Admin endpoints for seeding and tests: health, cards and accounts, latency, faults, sessions.

They need no login and answer requests from the loopback interface only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import abort, current_app, jsonify
from flask.typing import ResponseReturnValue

from consoles._shared import admin_blueprint, apply_latency, json_body, sessions
from consoles.cardadmin._store import Store

__all__ = ["FAULT_KINDS", "Faults", "admin"]

admin = admin_blueprint()

# One-shot faults on an effect's POST, after its commit:
#   error_after_commit  the effect is committed, the browser gets an HTTP 500
#   drop_after_commit   the effect is committed, the connection is closed without an answer
FAULT_KINDS = ("error_after_commit", "drop_after_commit")


@dataclass
class Faults:
    """Latency and armed one-shot faults, shared by the request threads."""

    latency_ms: int = 0
    armed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> str | None:
        """The armed fault this effect gets, if any (each fires once)."""
        with self._lock:
            for kind in FAULT_KINDS:
                if self.armed[kind] > 0:
                    self.armed[kind] -= 1
                    return kind
        return None


def _list(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        abort(400, f"{key!r} must be a list of objects")
    return value


@admin.post("/cards")
def seed_cards() -> ResponseReturnValue:
    """Upsert ``cards`` and ``accounts``; a card seeded ``frozen_lost`` gets its freeze action."""
    body = json_body()
    cards, accounts = _list(body, "cards"), _list(body, "accounts")
    store: Store = current_app.extensions["cardadmin.store"]
    try:
        added = store.seed(cards, accounts)
    except (KeyError, ValueError) as exc:
        return jsonify(error=f"bad card or account: {exc!r}"), 400
    return jsonify(added=added)


@admin.post("/latency")
def set_latency() -> ResponseReturnValue:
    return apply_latency(json_body().get("ms"))


@admin.post("/faults")
def arm_faults() -> ResponseReturnValue:
    """Arm one-shot faults, e.g. ``{"drop_after_commit": 1}``; ``{}`` just reports."""
    body = json_body()
    unknown = sorted(set(body) - set(FAULT_KINDS))
    counts = {k: v for k, v in body.items() if k in FAULT_KINDS}
    if unknown or not all(type(v) is int and v >= 0 for v in counts.values()):
        return jsonify(error=f"expected counts of {list(FAULT_KINDS)}"), 400
    faults = _faults()
    with faults._lock:
        faults.armed.update(counts)
        return jsonify(armed=dict(faults.armed))


@admin.post("/sessions/expire")
def expire_sessions() -> ResponseReturnValue:
    """End every operator session now, as an idle timeout would."""
    return jsonify(expired=sessions().expire_all())


def _faults() -> Faults:
    return current_app.extensions["cardadmin.faults"]
