"""The command line every console shares: ``--host --port --db --password --idle-seconds --latency-ms``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["console_parser", "serve_options"]


def console_parser(
    name: str, *, description: str, port: int, db_help: str, operator: str, password: str
) -> argparse.ArgumentParser:
    """The parser of ``python -m consoles.<name>`` with the options every console takes."""
    parser = argparse.ArgumentParser(prog=f"python -m consoles.{name}", description=description)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"port (default {port}; 0 = any)")
    parser.add_argument("--db", type=Path, required=True, help=db_help)
    parser.add_argument("--password", default=password, help=f"password of {operator}")
    parser.add_argument("--idle-seconds", type=int, default=300, help="idle session timeout")
    parser.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    return parser


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of the console's ``serve`` from the shared options."""
    return {
        "host": args.host,
        "port": args.port,
        "db": args.db,
        "password": args.password,
        "session_idle_seconds": args.idle_seconds,
        "latency_ms": args.latency_ms,
    }
