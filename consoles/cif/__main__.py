"""``python -m consoles.cif --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

from consoles._shared import console_parser, serve_options
from consoles.cif.app import DEFAULT_PASSWORD, DEFAULT_PORT, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = console_parser(
        "cif",
        description="Serve the cif (customer information) console.",
        port=DEFAULT_PORT,
        db_help="SQLite database file",
        operator=OPERATOR,
        password=DEFAULT_PASSWORD,
    )
    serve(**serve_options(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
