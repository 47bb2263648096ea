"""``python -m consoles.corebank --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

import argparse

from consoles._shared import console_parser, serve_options
from consoles.corebank._faults import (
    DEFAULT_SLOW_PAGE_SECONDS,
    MAX_SLOW_PAGE_SECONDS,
    FaultSettingsError,
    parse_rates,
)
from consoles.corebank.app import DEFAULT_PASSWORD, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = console_parser(
        "corebank",
        description="Serve the corebank sandbox console.",
        port=8601,
        db_help="SQLite ledger file",
        operator=OPERATOR,
        password=DEFAULT_PASSWORD,
    )
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
    parser.add_argument(
        "--allow-reused-references",
        action="store_true",
        help="post a reference already used instead of refusing it (a console without that guard)",
    )
    args = parser.parse_args(argv)
    serve(
        **serve_options(args),
        fault_seed=args.fault_seed,
        fault_rates=args.fault_rates,
        slow_page_seconds=args.slow_page_seconds,
        refuse_reused_references=not args.allow_reused_references,
    )


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


if __name__ == "__main__":
    main()
