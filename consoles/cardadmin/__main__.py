"""``python -m consoles.cardadmin --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

from consoles._shared import console_parser, serve_options
from consoles.cardadmin.app import DEFAULT_PASSWORD, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = console_parser(
        "cardadmin",
        description="Serve the cardadmin sandbox console.",
        port=8604,
        db_help="SQLite database file",
        operator=OPERATOR,
        password=DEFAULT_PASSWORD,
    )
    serve(**serve_options(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
