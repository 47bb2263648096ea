"""Fault injection's outside: the admin endpoints, the command-line flags, the start settings.

What corebank and coreplus share around :class:`~consoles._shared._faults.Faults`:
``GET/POST /admin/faults`` and ``POST /admin/sessions/expire``, the flags
``--fault-seed --fault-rates --slow-page-seconds``, and the ``Faults`` an app starts with.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from consoles._shared._admin import json_body
from consoles._shared._faults import (
    DEFAULT_SLOW_PAGE_SECONDS,
    MAX_SLOW_PAGE_SECONDS,
    Faults,
    FaultSettingsError,
    parse_rates,
)
from consoles._shared._guard import sessions

__all__ = ["add_fault_endpoints", "add_fault_flags", "fault_options", "start_faults"]


def start_faults(
    *,
    latency_ms: int = 0,
    fault_seed: int | None = None,
    fault_rates: Mapping[str, float] | None = None,
    slow_page_seconds: float = DEFAULT_SLOW_PAGE_SECONDS,
) -> Faults:
    """The faults an app starts with, as ``POST /admin/faults`` would set them.

    Bad values raise ``FaultSettingsError``.
    """
    faults = Faults(latency_ms=latency_ms)
    settings: dict[str, Any] = {"slow_page_seconds": slow_page_seconds}
    if fault_seed is not None:
        settings["seed"] = fault_seed
    if fault_rates is not None:
        settings["rates"] = dict(fault_rates)
    faults.configure(settings)
    return faults


def add_fault_endpoints(admin: Blueprint, *, key: str) -> None:
    """Add ``GET/POST /faults`` and ``POST /sessions/expire`` to ``admin``.

    ``key`` names the app extension holding the console's ``Faults``.
    """

    def faults() -> Faults:
        return current_app.extensions[key]

    def fault_settings() -> ResponseReturnValue:
        """The fault settings and counters of what was injected so far."""
        return jsonify(faults().snapshot())

    def set_faults() -> ResponseReturnValue:
        """Arm one-shot faults, set seeded rates, reset; ``{}`` just reports."""
        current = faults()
        try:
            current.configure(json_body())
        except FaultSettingsError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(current.snapshot())

    def expire_sessions() -> ResponseReturnValue:
        """End every session now, as an idle timeout would."""
        expired = sessions().expire_all()
        faults().count_expiry()
        return jsonify(expired=expired)

    admin.add_url_rule("/faults", "fault_settings", fault_settings, methods=["GET"])
    admin.add_url_rule("/faults", "set_faults", set_faults, methods=["POST"])
    admin.add_url_rule("/sessions/expire", "expire_sessions", expire_sessions, methods=["POST"])


def add_fault_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--fault-seed``, ``--fault-rates`` and ``--slow-page-seconds`` to ``parser``."""
    parser.add_argument(
        "--fault-seed", type=_seed, default=None, help="seed of the fault draws (replay a run)"
    )
    parser.add_argument(
        "--fault-rates",
        type=_rates,
        default=None,
        metavar="KIND=RATE,...",
        help="chance per transfer POST, e.g. 'error_before_post=0.1,drop_after_commit=0.05'",
    )
    parser.add_argument(
        "--slow-page-seconds",
        type=_seconds,
        default=DEFAULT_SLOW_PAGE_SECONDS,
        help=f"how long a slow_page fault sleeps (default {DEFAULT_SLOW_PAGE_SECONDS:g})",
    )


def fault_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of the console's ``serve`` from the fault flags."""
    return {
        "fault_seed": args.fault_seed,
        "fault_rates": args.fault_rates,
        "slow_page_seconds": args.slow_page_seconds,
    }


def _seed(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a non-negative integer: {text!r}")
    return int(text)


def _rates(text: str) -> dict[str, float]:
    try:
        return parse_rates(text)
    except FaultSettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_SLOW_PAGE_SECONDS:
        raise argparse.ArgumentTypeError(f"not a number from 0 to {MAX_SLOW_PAGE_SECONDS:g}")
    return seconds
