"""``python -m consoles.cardadmin --port N --db PATH``: serve the console on 127.0.0.1."""

from __future__ import annotations

import argparse
from pathlib import Path

from consoles.cardadmin.app import DEFAULT_PASSWORD, OPERATOR, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m consoles.cardadmin", description="Serve the cardadmin sandbox console."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8604, help="port (default 8604; 0 = any)")
    parser.add_argument("--db", type=Path, required=True, help="SQLite database file")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help=f"password of {OPERATOR}")
    parser.add_argument("--idle-seconds", type=int, default=300, help="idle session timeout")
    parser.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    args = parser.parse_args(argv)
    serve(
        host=args.host,
        port=args.port,
        db=args.db,
        password=args.password,
        session_idle_seconds=args.idle_seconds,
        latency_ms=args.latency_ms,
    )


if __name__ == "__main__":
    main()
