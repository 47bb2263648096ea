"""What every command shares: the project's settings and store, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from teller._errors import InputError, TellerError
from teller.logs import configure
from teller.settings import Settings, load_settings
from teller.store import Store, open_store

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ProjectOption = typer.Option(None, "--project", help="Project folder (holds teller.toml).")


def open_project(project: Path | None, **overrides: object) -> tuple[Settings, Store]:
    settings = load_settings(project, **overrides)
    configure(level=settings.log_level)
    # console secrets are read when a bot logs in, and registered with the masking then
    return settings, open_store(settings)


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn Teller's errors into a plain message and exit code 2, without a traceback."""
    try:
        yield
    except InputError as exc:
        done = "paid" if exc.moves_money else "done"
        err.print(f"[red]{exc}[/red]\nNothing was {done}: the whole batch is rejected.")
        raise typer.Exit(2) from None
    except TellerError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def money(value: object) -> str:
    return "" if value is None else f"{value:,.2f}"
