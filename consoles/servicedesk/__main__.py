"""``python -m consoles.servicedesk --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

from consoles._shared import console_parser, serve_options
from consoles.servicedesk.app import DEFAULT_PASSWORD, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = console_parser(
        "servicedesk",
        description="Serve the servicedesk sandbox console.",
        port=8602,
        db_help="SQLite ticket database",
        operator=OPERATOR,
        password=DEFAULT_PASSWORD,
    )
    serve(**serve_options(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
