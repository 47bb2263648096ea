"""``python -m consoles.corebank --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

from consoles._shared import add_fault_flags, console_parser, fault_options, serve_options
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
    add_fault_flags(parser)
    parser.add_argument(
        "--allow-reused-references",
        action="store_true",
        help="post a reference already used instead of refusing it (a console without that guard)",
    )
    args = parser.parse_args(argv)
    serve(
        **serve_options(args),
        **fault_options(args),
        refuse_reused_references=not args.allow_reused_references,
    )


if __name__ == "__main__":
    main()
