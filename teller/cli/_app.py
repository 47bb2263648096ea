"""The ``teller`` commands: run, resume, runs, approvals, audit, report, consoles, sample, demo."""

from __future__ import annotations

from pathlib import Path

import typer

from teller._errors import ConfigError, InputError
from teller.cli import _approvals, _audit, _demo, _items, _schedule, _users
from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._execute import execute
from teller.cli._show import items_table, run_summary, runs_table, stages_table
from teller.cli._signin import signed_in
from teller.flow import console_entry, load_flow
from teller.intake import take
from teller.runs import gate_for, gate_lines, submit

app = typer.Typer(
    help="Teller: RPA for bank back-office work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
runs_app = typer.Typer(help="Runs and their items.", no_args_is_help=True)
consoles_app = typer.Typer(help="Sandbox legacy consoles.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(_approvals.app, name="approvals")
app.add_typer(_items.app, name="items")
app.add_typer(consoles_app, name="consoles")
app.add_typer(_schedule.schedule_app, name="schedule")
app.add_typer(_schedule.scheduler_app, name="scheduler")
app.add_typer(_audit.audit_app, name="audit")
app.add_typer(_audit.report_app, name="report")
app.add_typer(_users.app, name="users")
app.command("demo")(_demo.demo)
app.command("login")(_users.login)
app.command("logout")(_users.logout)
app.command("whoami")(_users.whoami)


def main() -> None:
    app()


@app.command("run")
def run_flow(
    flow_name: str = typer.Argument(..., metavar="FLOW", help="e.g. payroll"),
    input_file: Path | None = typer.Option(
        None,
        "--input",
        "-i",
        help="The input file; flows that take work from a console's queue fetch it if absent.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Validate and show the gate's decisions; pay nothing."
    ),
    contexts: int | None = typer.Option(None, help="Concurrent browser contexts."),
    project: Path | None = ProjectOption,
) -> None:
    """Load an input file, put it through the gate, and carry out what passed.

    The signed-in operator is the batch's maker: they may not approve its lines."""
    with clear_errors():
        settings, store = open_project(project)
        maker = signed_in(settings, store, "submit work", "operator")
        flow = load_flow(flow_name, settings=settings)
        if input_file is None:
            if not flow.takes_intake:
                raise ConfigError("command line", f"flow {flow_name!r} needs --input FILE")
            input_file = take(settings, store, flow)
            if input_file is None:
                console.print(f"{flow_name}: no new work on the console; nothing to run.")
                return
        try:
            batch = flow.load(input_file)
        except InputError as exc:
            exc.moves_money = flow.moves_money
            raise
        if dry_run:
            gate = gate_for(settings, store, flow)
            decisions = gate.decide(gate_lines(flow, batch))
            held = [
                (i, d)
                for i, d in zip(batch.items, decisions, strict=True)
                if d.outcome != "auto_approved"
            ]
            console.print(
                f"{input_file.name}: batch {batch.batch_id}, {len(batch.items)} items, "
                f"valid. Gate: {len(batch.items) - len(held)} would pass on their own."
            )
            for item, decision in held:
                console.print(
                    f"  {item.key}: {decision.outcome}: "
                    + "; ".join(r.detail for r in decision.rules)
                    + (f" -> {decision.suggestion}" if decision.suggestion else "")
                )
            done = "paid" if flow.moves_money else "done"
            console.print(f"dry run: nothing was recorded and nothing was {done}.")
            return
        run_id = submit(settings, store, flow, batch, submitted_by=maker.username)
        execute(settings, store, flow, run_id, contexts, by=maker)


@app.command("resume")
def resume(
    run_id: str = typer.Argument(..., metavar="RUN"),
    contexts: int | None = typer.Option(None, help="Concurrent browser contexts."),
    project: Path | None = ProjectOption,
) -> None:
    """Carry on with a run: approved items, retries, and anything left in doubt by a crash."""
    with clear_errors():
        settings, store = open_project(project)
        operator = signed_in(settings, store, "resume runs", "operator")
        run = store.run(run_id)
        flow = load_flow(run.flow, settings=settings, run=run)
        execute(settings, store, flow, run_id, contexts, by=operator)


@runs_app.command("list")
def runs_list(project: Path | None = ProjectOption) -> None:
    """The latest runs."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "read runs")
        runs_table(store.runs())


@runs_app.command("show")
def runs_show(
    run_id: str = typer.Argument(..., metavar="RUN"),
    every: bool = typer.Option(False, "--all", help="List every item, not only exceptions."),
    project: Path | None = ProjectOption,
) -> None:
    """A run's figures, its exceptions with their evidence, and its latest events."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "read runs")
        run = store.run(run_id)
        run_summary(store, run)
        items = store.items(run_id)
        shown = items if every else [i for i in items if i.state != "done"]
        if shown:
            items_table(shown, title="items" if every else "items not done")
        stages_table(store, run)
        for event in store.events(run_id)[-10:]:
            console.print(
                f"  {event.at:%H:%M:%S} {event.actor}: "
                f"{event.source or ''} -> {event.target} {event.reason}"
            )


@consoles_app.command("serve")
def consoles_serve(
    name: str = typer.Argument(..., help="e.g. corebank"),
    port: int | None = typer.Option(None, help="Port (default: from teller.toml)."),
    db: Path | None = typer.Option(None, help="Ledger file (default: from teller.toml)."),
    host: str = typer.Option("127.0.0.1", help="Bind address (loopback only)."),
    project: Path | None = ProjectOption,
) -> None:
    """Serve a sandbox console until interrupted."""
    with clear_errors():
        settings, _ = open_project(project)
        settings.refuse_in_production("teller consoles serve (a sandbox console)")
        configured = settings.console(name)
        serve = console_entry(name)
        port = port or int(configured.base_url.rsplit(":", 1)[1].split("/")[0])
        db = db or settings.project / (configured.db or Path(f"var/{name}.db"))
        db.parent.mkdir(parents=True, exist_ok=True)
        console.print(f"{name} on http://{host}:{port}/ (ledger {db})")
        options = {"password": settings.console_password(name)}
        seed = settings.console_totp_seed(name)
        if seed is not None:  # a console asking for one-time codes gets the robot's seed
            options["totp_seed"] = seed
        serve(host=host, port=port, db=db, **options)


@app.command("sample")
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
        if flow.takes_intake:  # its work waits in a console's queue: put it there
            urls = {name: settings.console(name).base_url for name in flow.sandbox}
            console.print(flow.seed_sandbox(urls, items=lines, seed=seed))
            return
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
