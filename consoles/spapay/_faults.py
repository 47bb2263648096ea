"""Fault injection on the two steps of a payment, and pauses that hold a step's answer.

Faults act on the **submit** step (``POST /api/drafts/<id>/submit``) with a valid
session and token; each submit is one turn:

* ``error_before_submit``: HTTP 500, nothing posted;
* ``error_after_commit``: posted and committed, then HTTP 500;
* ``drop_after_commit``: posted and committed, then the connection closed unanswered.

Each kind is armed as a count of one-shot faults, or drawn at a seeded rate per submit
(``random.Random(seed)``, one draw per submit under the lock, walking the kinds in the
order above), so a seed replays a run. Pauses hold a step so a test can kill a runner
at a known moment: ``pause_after_draft`` holds the answer of a saved draft (committed),
``pause_before_submit`` holds a submit before it is looked at; each held request waits
until ``release`` (or ``pause_seconds``), then goes on as if nothing happened.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAULT_KINDS", "PAUSES", "FaultSettingsError", "Faults"]

FAULT_KINDS = ("error_before_submit", "error_after_commit", "drop_after_commit")
PAUSES = ("pause_after_draft", "pause_before_submit")
_ARMABLE = (*FAULT_KINDS, *PAUSES)
_SETTINGS = frozenset({*_ARMABLE, "seed", "rates", "release", "reset", "pause_seconds"})


class FaultSettingsError(ValueError):
    """Fault settings the console refuses; nothing of them was applied."""


@dataclass
class Faults:
    """Latency, faults and pauses, shared by every request thread."""

    latency_ms: int = 0
    pause_seconds: float = 60.0
    armed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_ARMABLE, 0))
    rates: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0.0))
    seed: int | None = None
    draws: int = 0
    injected: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((*_ARMABLE, "sessions_expired"), 0)
    )
    paused: int = 0
    _random: random.Random | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)

    def configure(self, settings: Mapping[str, Any]) -> None:
        """Apply admin or command-line settings, all or none (FaultSettingsError)."""
        checked = _checked(settings)
        with self._lock:
            if checked.get("reset"):
                self.armed = dict.fromkeys(_ARMABLE, 0)
                self.rates = dict.fromkeys(FAULT_KINDS, 0.0)
                self.seed, self.draws, self._random = None, 0, None
                self.injected = dict.fromkeys(self.injected, 0)
            for kind in _ARMABLE:
                if kind in checked:
                    self.armed[kind] = checked[kind]
            if "seed" in checked:
                self.seed, self.draws = checked["seed"], 0
                self._random = random.Random(self.seed)
            if "rates" in checked:
                self.rates = {k: float(checked["rates"].get(k, 0.0)) for k in FAULT_KINDS}
                if self._random is None:
                    self.seed, self._random = 0, random.Random(0)
            if "pause_seconds" in checked:
                self.pause_seconds = float(checked["pause_seconds"])
            if checked.get("release") or checked.get("reset"):
                # every request held now goes on; later ones wait on a fresh event
                self._release, released = threading.Event(), self._release
                released.set()

    def snapshot(self) -> dict[str, Any]:
        """Settings, counters of what was injected, and how many requests are held now."""
        with self._lock:
            return {
                "armed": dict(self.armed),
                "rates": dict(self.rates),
                "seed": self.seed,
                "draws": self.draws,
                "pause_seconds": self.pause_seconds,
                "latency_ms": self.latency_ms,
                "injected": dict(self.injected),
                "paused": self.paused,
            }

    def plan_submit(self) -> str | None:
        """This submit's fault (armed first, else the seeded draw), counted if before."""
        with self._lock:
            drawn = None
            if self._random is not None and any(self.rates.values()):
                self.draws += 1
                number, bound = self._random.random(), 0.0
                for kind in FAULT_KINDS:
                    bound += self.rates[kind]
                    if number < bound:
                        drawn = kind
                        break
            armed = next((k for k in FAULT_KINDS if self.armed[k] > 0), None)
            if armed is not None:
                self.armed[armed] -= 1
                drawn = armed
            if drawn is not None:
                self.injected[drawn] += 1
            return drawn

    def hold(self, pause: str) -> bool:
        """Hold this request if ``pause`` is armed (until released); whether it was held."""
        with self._lock:
            if self.armed[pause] <= 0:
                return False
            self.armed[pause] -= 1
            self.injected[pause] += 1
            self.paused += 1
            release, seconds = self._release, self.pause_seconds
        release.wait(seconds)
        with self._lock:
            self.paused -= 1
        return True

    def count_expiry(self) -> None:
        with self._lock:
            self.injected["sessions_expired"] += 1

    def stop(self) -> None:
        """Release every held request for good: the server is shutting down."""
        with self._lock:
            self.pause_seconds = 0.0
            self._release.set()


def _checked(settings: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(settings) - _SETTINGS)
    if unknown:
        raise FaultSettingsError(f"unknown settings {unknown}; known: {sorted(_SETTINGS)}")
    checked = dict(settings)
    for kind in _ARMABLE:
        if kind in checked and not _count(checked[kind]):
            raise FaultSettingsError(f"{kind!r} (a count) must be a non-negative integer")
    if "seed" in checked and not _count(checked["seed"]):
        raise FaultSettingsError("'seed' must be a non-negative integer")
    rates = checked.get("rates", {})
    if not isinstance(rates, dict) or set(rates) - set(FAULT_KINDS):
        raise FaultSettingsError(f"'rates' must map some of {list(FAULT_KINDS)} to a rate")
    if not all(_number(r) and 0 <= r <= 1 for r in rates.values()) or sum(rates.values()) > 1:
        raise FaultSettingsError("rates are numbers from 0 to 1 that add up to at most 1")
    seconds = checked.get("pause_seconds", 0)
    if not _number(seconds) or not 0 <= seconds <= 600:
        raise FaultSettingsError("'pause_seconds' must be a number from 0 to 600")
    for flag in ("release", "reset"):
        if not isinstance(checked.get(flag, False), bool):
            raise FaultSettingsError(f"{flag!r} must be true or false")
    return checked


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
