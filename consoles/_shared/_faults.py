"""Fault injection on a console's transfer POST: one-shot faults, seeded rates, session expiry.

Shared by the core-banking consoles (corebank, coreplus); each keeps one ``Faults`` for
its app. Every transfer POST with a valid form token is one *turn*:

1. ``plan()`` before anything is checked: when rates are set, one number is drawn
   from ``random.Random(seed)`` (one sequence for all threads, drawn under the
   lock) and walks the rates in ``FAULT_KINDS`` order; an armed one-shot fault
   takes precedence over the draw, which is then made all the same and discarded,
   so a given seed and order of POSTs always gives the same faults.
2. ``error_before_post`` answers 500; ``slow_page`` sleeps, then posts normally.
3. ``after_commit()`` once the transfer is committed: ``error_after_commit`` or
   ``drop_after_commit`` if armed or planned, and whether the countdown of
   ``expire_session_after`` has just run out (every session ends, once).
"""

from __future__ import annotations

import math
import random
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_SLOW_PAGE_SECONDS",
    "FAULT_KINDS",
    "INJECTED",
    "MAX_SLOW_PAGE_SECONDS",
    "FaultSettingsError",
    "Faults",
    "parse_rates",
]

# What can go wrong on a transfer POST, in the order a draw walks the rates:
#   error_before_post  answer HTTP 500 and post nothing
#   error_after_commit post and commit, then answer HTTP 500
#   drop_after_commit  post and commit, then close the connection without an answer
#   slow_page          sleep slow_page_seconds, then post and answer normally
FAULT_KINDS = ("error_before_post", "error_after_commit", "drop_after_commit", "slow_page")
_BEFORE_POST = ("error_before_post", "slow_page")
_AFTER_COMMIT = ("error_after_commit", "drop_after_commit")
INJECTED = (*FAULT_KINDS, "sessions_expired")
DEFAULT_SLOW_PAGE_SECONDS = 20.0  # longer than the CoreBank bot's 15-second timeout
MAX_SLOW_PAGE_SECONDS = 600.0
SETTINGS = frozenset(
    {*FAULT_KINDS, "seed", "rates", "slow_page_seconds", "expire_session_after", "reset"}
)


class FaultSettingsError(ValueError):
    """Fault settings the console refuses; nothing of them was applied."""


@dataclass
class Faults:
    """Latency and fault injection, shared by all request threads."""

    latency_ms: int = 0
    armed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0))
    rates: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FAULT_KINDS, 0.0))
    seed: int | None = None
    draws: int = 0
    slow_page_seconds: float = DEFAULT_SLOW_PAGE_SECONDS
    expire_session_after: int | None = None
    injected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INJECTED, 0))
    _random: random.Random | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stopped: bool = False

    def configure(self, settings: Mapping[str, Any]) -> None:
        """Apply admin or command-line settings, all or none (:class:`FaultSettingsError`)."""
        checked = _checked(settings)
        with self._lock:
            if checked.get("reset"):
                self._reset()
            for kind in FAULT_KINDS:
                if kind in checked:
                    self.armed[kind] = checked[kind]
            if "seed" in checked:
                self.seed, self.draws = checked["seed"], 0
                self._random = random.Random(self.seed)
            if "rates" in checked:
                self.rates = {kind: checked["rates"].get(kind, 0.0) for kind in FAULT_KINDS}
                if self._random is None and any(self.rates.values()):
                    # No seed given: draw one and report it, so the run can still be replayed.
                    self.seed, self.draws = secrets.randbelow(2**32), 0
                    self._random = random.Random(self.seed)
            if "slow_page_seconds" in checked:
                self.slow_page_seconds = checked["slow_page_seconds"]
            if "expire_session_after" in checked:
                self.expire_session_after = checked["expire_session_after"]

    def snapshot(self) -> dict[str, Any]:
        """The settings and what was injected so far, as ``GET /admin/faults`` shows them."""
        with self._lock:
            return {
                "seed": self.seed,
                "rates": dict(self.rates),
                "draws": self.draws,
                "armed": dict(self.armed),
                "slow_page_seconds": self.slow_page_seconds,
                "expire_session_after": self.expire_session_after,
                "latency_ms": self.latency_ms,
                "injected": dict(self.injected),
            }

    def plan(self) -> str | None:
        """This transfer POST's fault, decided before it is checked (a before-post one counts)."""
        with self._lock:
            drawn = self._draw()
            if any(self.armed.values()):
                drawn = None  # one-shot faults first: the draw is made all the same
                for kind in _BEFORE_POST:
                    if self.armed[kind] > 0:
                        self.armed[kind] -= 1
                        drawn = kind
                        break
            if drawn in _BEFORE_POST:
                self.injected[drawn] += 1
            return drawn

    def after_commit(self, planned: str | None) -> tuple[str | None, bool]:
        """The fault for a committed transfer, and whether every session is to expire now."""
        with self._lock:
            fault = next((kind for kind in _AFTER_COMMIT if self.armed[kind] > 0), None)
            if fault is not None:
                self.armed[fault] -= 1
            elif planned in _AFTER_COMMIT:
                fault = planned
            if fault is not None:
                self.injected[fault] += 1
            expire = False
            if self.expire_session_after is not None:
                self.expire_session_after -= 1
                if self.expire_session_after <= 0:
                    self.expire_session_after = None
                    self.injected["sessions_expired"] += 1
                    expire = True
            return fault, expire

    def count_expiry(self) -> None:
        """Count an expiry of every session asked for through ``/admin/sessions/expire``."""
        with self._lock:
            self.injected["sessions_expired"] += 1

    def sleep_slow_page(self) -> bool:
        """Sleep ``slow_page_seconds``, cut short by a reset; False if the console is stopping."""
        with self._lock:
            seconds, wake = self.slow_page_seconds, self._wake
        wake.wait(seconds)
        return not self._stopped

    def stop(self) -> None:
        """Wake every sleeping slow page for good: the server is shutting down."""
        with self._lock:
            self._stopped = True
            self._wake.set()

    def _draw(self) -> str | None:
        # Called under the lock: one draw per turn while any rate is set.
        if self._random is None or not any(self.rates.values()):
            return None
        self.draws += 1
        number, bound = self._random.random(), 0.0
        for kind in FAULT_KINDS:
            bound += self.rates[kind]
            if number < bound:
                return kind
        return None

    def _reset(self) -> None:
        # Called under the lock; the latency is the /admin/latency endpoint's business.
        self.armed = dict.fromkeys(FAULT_KINDS, 0)
        self.rates = dict.fromkeys(FAULT_KINDS, 0.0)
        self.seed, self.draws, self._random = None, 0, None
        self.slow_page_seconds = DEFAULT_SLOW_PAGE_SECONDS
        self.expire_session_after = None
        self.injected = dict.fromkeys(INJECTED, 0)
        if not self._stopped:
            # Slow pages asleep now post at once, and later ones sleep on a fresh event.
            self._wake, woken = threading.Event(), self._wake
            woken.set()


def parse_rates(text: str) -> dict[str, float]:
    """``'error_before_post=0.1,drop_after_commit=0.05'`` as checked rates (the CLI's form)."""
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, sep, value = part.partition("=")
        if not sep:
            raise FaultSettingsError(f"expected kind=rate, got {part!r}")
        try:
            rates[kind.strip()] = float(value)
        except ValueError:
            raise FaultSettingsError(
                f"rate of {kind.strip()!r} is not a number: {value!r}"
            ) from None
    return _checked_rates(rates)


def _checked(settings: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(settings) - SETTINGS)
    if unknown:
        raise FaultSettingsError(f"unknown settings {unknown}; known: {sorted(SETTINGS)}")
    checked = dict(settings)
    for kind in FAULT_KINDS:
        if kind in checked and not _is_int(checked[kind], minimum=0):
            raise FaultSettingsError(f"{kind!r} (one-shot count) must be a non-negative integer")
    if "seed" in checked and not _is_int(checked["seed"], minimum=0):
        raise FaultSettingsError("'seed' must be a non-negative integer")
    if "rates" in checked:
        if not isinstance(checked["rates"], dict):
            raise FaultSettingsError("'rates' must be an object of fault kind -> rate")
        checked["rates"] = _checked_rates(checked["rates"])
    if "slow_page_seconds" in checked:
        seconds = checked["slow_page_seconds"]
        if not _is_number(seconds) or not 0 <= seconds <= MAX_SLOW_PAGE_SECONDS:
            raise FaultSettingsError(
                f"'slow_page_seconds' must be a number from 0 to {MAX_SLOW_PAGE_SECONDS:g}"
            )
        checked["slow_page_seconds"] = float(seconds)
    after = checked.get("expire_session_after")
    if after is not None and not _is_int(after, minimum=1):
        raise FaultSettingsError("'expire_session_after' must be a positive integer or null")
    if not isinstance(checked.get("reset", False), bool):
        raise FaultSettingsError("'reset' must be true or false")
    return checked


def _checked_rates(rates: Mapping[str, Any]) -> dict[str, float]:
    unknown = sorted(set(rates) - set(FAULT_KINDS))
    if unknown:
        raise FaultSettingsError(f"unknown fault kinds {unknown}; known: {list(FAULT_KINDS)}")
    for kind, rate in rates.items():
        if not _is_number(rate) or not 0 <= rate <= 1:
            raise FaultSettingsError(f"rate of {kind!r} must be a number from 0 to 1")
    # One draw decides one fault, so the rates share the unit interval.
    if sum(rates.values()) > 1 + 1e-9:
        raise FaultSettingsError("the rates add up to more than 1")
    return {kind: float(rate) for kind, rate in rates.items()}


def _is_int(value: Any, *, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
