"""``python -m consoles.spapay --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

from consoles._shared import console_parser, serve_options
from consoles.spapay.app import DEFAULT_PASSWORD, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = console_parser(
        "spapay",
        description="Serve the spapay sandbox console (a single-page payables app).",
        port=8606,
        db_help="SQLite ledger file",
        operator=OPERATOR,
        password=DEFAULT_PASSWORD,
    )
    parser.add_argument(
        "--defaults-seed", type=int, default=1, help="seed of the late defaults (delays, values)"
    )
    parser.add_argument(
        "--allow-reused-references",
        action="store_true",
        help="save and post a reference already used (a console without that guard)",
    )
    args = parser.parse_args(argv)
    serve(
        **serve_options(args),
        defaults_seed=args.defaults_seed,
        refuse_reused_references=not args.allow_reused_references,
    )


if __name__ == "__main__":
    main()
