"""The sandbox's commands, added to ``teller`` by its ``teller.commands`` entry point:
``teller demo`` and ``teller sample``."""

from __future__ import annotations

from pathlib import Path

import typer

from sandbox.demo import demo
from sandbox.samples import Sampled, Seeded
from teller._errors import ConfigError
from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.flow import load_flow


def register(app: typer.Typer) -> None:
    """Add the sandbox's commands to the ``teller`` command line."""
    app.command("demo")(demo)
    app.command("sample")(sample)


def sample(
    flow_name: str = typer.Argument(..., metavar="FLOW", help="e.g. payroll, account-loss"),
    lines: int = typer.Option(200, help="Number of lines (tickets, for account-loss)."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Workbook to write (.xlsx or .xls), for payroll."
    ),
    over_limit: int = typer.Option(0, help="Lines above the auto-approval limit."),
    refused: int = typer.Option(
        0, help="Lines the console will refuse (closed or unknown account)."
    ),
    seed: int = typer.Option(0, help="Seed, for a reproducible sample."),
    no_console: bool = typer.Option(
        False, "--no-console", help="Do not open the accounts on the sandbox console."
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Make sample work: a payroll workbook (and its accounts on the sandbox console), or
    loss tickets on the account-loss sandbox consoles."""
    with clear_errors():
        settings, _ = open_project(project)
        flow = load_flow(flow_name, settings=settings)
        if flow.takes_intake or not no_console:  # it writes to a console: sandbox only
            settings.refuse_in_production(
                f"teller sample {flow_name} (it opens accounts or "
                "files tickets on the console; --no-console does not)"
            )
        if isinstance(flow, Seeded):  # its work waits in a console's queue: put it there
            urls = {name: settings.console(name).base_url for name in flow.sandbox}
            console.print(flow.seed_sandbox(urls, items=lines, seed=seed))
            return
        if not isinstance(flow, Sampled):
            raise ConfigError("command line", f"flow {flow_name!r} makes no sample work")
        if out is None:
            raise ConfigError("command line", f"flow {flow_name!r} needs --out FILE")
        if not no_console and flow.console is None:
            raise ConfigError("command line", f"flow {flow_name!r} works on no console")
        url = None if no_console else settings.console(str(flow.console)).base_url
        made = flow.sample(
            out,
            lines=lines,
            console_url=url,
            seed=seed,
            over_limit=over_limit,
            refused=refused,
        )
        console.print(
            f"wrote {made.path}: batch {made.batch_id}, {lines} lines"
            + ("" if no_console else f"; {len(made.accounts)} accounts opened at {url}")
        )
