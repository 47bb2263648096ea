"""``python -m consoles.coreplus --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

import argparse

import pyotp

from consoles._shared import add_fault_flags, console_parser, fault_options, serve_options
from consoles.coreplus.app import DEFAULT_PASSWORD, DEFAULT_TOTP_SEED, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = console_parser(
        "coreplus",
        description="Serve the coreplus sandbox console.",
        port=8605,
        db_help="SQLite ledger file",
        operator=OPERATOR,
        password=DEFAULT_PASSWORD,
    )
    parser.add_argument(
        "--totp-seed",
        type=_seed,
        default=DEFAULT_TOTP_SEED,
        metavar="BASE32",
        help=f"one-time-code seed of {OPERATOR} (base32; default a fixed demo seed)",
    )
    add_fault_flags(parser)
    parser.add_argument(
        "--allow-reused-references",
        action="store_true",
        help="post a customer ref already used instead of refusing it",
    )
    args = parser.parse_args(argv)
    serve(
        **serve_options(args),
        **fault_options(args),
        totp_seed=args.totp_seed,
        refuse_reused_references=not args.allow_reused_references,
    )


def _seed(text: str) -> str:
    try:
        pyotp.TOTP(text).now()
    except Exception:  # binascii.Error, ValueError, TypeError: all mean "not base32"
        raise argparse.ArgumentTypeError("not a base32 one-time-code seed") from None
    return text


if __name__ == "__main__":
    main()
