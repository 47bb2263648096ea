"""Late defaults: what the app is told to put into a payment form, a moment too late.

The form asks ``GET /api/defaults`` when it opens and again when the payee account is
typed (the payee's own defaults). Each answer comes after a seeded random delay
(``min_ms``..``max_ms``) and says whether the app overwrites the memo and the amount the
user may already have typed (``overwrite``, at ``overwrite_rate``) and whether it redraws
the amount field as a new element (``redraw``, at ``redraw_rate``). The counters say how
often each happened, so a test can show the trait fired.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Defaults", "DefaultsSettingsError", "Drawn"]

_SETTINGS = frozenset({"seed", "overwrite_rate", "redraw_rate", "min_ms", "max_ms"})


class DefaultsSettingsError(ValueError):
    """Settings of the late defaults the console refuses; nothing was applied."""


@dataclass(frozen=True)
class Drawn:
    """One answer: after how long, what it holds, and what the app does with it."""

    delay: float
    memo: str
    amount: str
    overwrite: bool
    redraw: bool

    def answer(self) -> dict[str, Any]:
        return {
            "memo": self.memo,
            "amount": self.amount,
            "overwrite": self.overwrite,
            "redraw": ["amount"] if self.redraw else [],
        }


@dataclass
class Defaults:
    """The seeded draws of late defaults, shared by every request thread."""

    seed: int = 1
    overwrite_rate: float = 0.5
    redraw_rate: float = 0.5
    min_ms: int = 300
    max_ms: int = 800
    counts: dict[str, int] = field(
        default_factory=lambda: {"served": 0, "overwrote": 0, "redrew": 0}
    )
    _random: random.Random = field(default_factory=lambda: random.Random(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, settings: Mapping[str, Any]) -> None:
        """Change the draws (all or none); a new seed restarts them and the counters."""
        unknown = sorted(set(settings) - _SETTINGS)
        if unknown:
            raise DefaultsSettingsError(f"unknown settings {unknown}; known: {sorted(_SETTINGS)}")
        merged = {**self.snapshot(), **settings}
        rates = (merged["overwrite_rate"], merged["redraw_rate"])
        if not all(isinstance(r, int | float) and 0 <= r <= 1 for r in rates):
            raise DefaultsSettingsError("rates are numbers from 0 to 1")
        low, high = merged["min_ms"], merged["max_ms"]
        if not all(isinstance(v, int) for v in (low, high)) or not 0 <= low <= high <= 10_000:
            raise DefaultsSettingsError("need integers 0 <= min_ms <= max_ms <= 10000")
        if not isinstance(merged["seed"], int) or merged["seed"] < 0:
            raise DefaultsSettingsError("'seed' must be a non-negative integer")
        with self._lock:
            self.overwrite_rate, self.redraw_rate = float(rates[0]), float(rates[1])
            self.min_ms, self.max_ms = low, high
            if "seed" in settings:
                self.seed, self._random = merged["seed"], random.Random(merged["seed"])
                self.counts = dict.fromkeys(self.counts, 0)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seed": self.seed,
                "overwrite_rate": self.overwrite_rate,
                "redraw_rate": self.redraw_rate,
                "min_ms": self.min_ms,
                "max_ms": self.max_ms,
                "counts": dict(self.counts),
            }

    def draw(self) -> Drawn:
        """The next answer (one draw sequence for every thread, under the lock)."""
        with self._lock:
            rng = self._random
            drawn = Drawn(
                delay=rng.randint(self.min_ms, self.max_ms) / 1000,
                memo=rng.choice(("Supplier payment", "Payables run", "供应商付款")),
                amount=f"{rng.randint(100, 999_999) / 100:.2f}",
                overwrite=rng.random() < self.overwrite_rate,
                redraw=rng.random() < self.redraw_rate,
            )
            self.counts["served"] += 1
            self.counts["overwrote"] += drawn.overwrite
            self.counts["redrew"] += drawn.redraw
            return drawn
