"""The ``teller`` commands: run, resume, runs, approvals, audit, report, consoles, schedule,
users; and those installed distributions add through ``teller.commands`` entry points (the
sandbox's ``demo`` and ``sample``)."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import typer

from teller._errors import ConfigError, InputError
from teller.cli import _approvals, _audit, _desk, _items, _schedule, _users
from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._execute import execute
from teller.cli._show import items_table, run_summary, runs_table, stages_table
from teller.cli._signin import signed_in
from teller.flow import console_entry, load_flow
from teller.intake import take
from teller.project import init_project
from teller.runs import gate_for, gate_lines, submit
from teller.schedule._queue import QUEUED, TAKEN

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
app.add_typer(_desk.app, name="desk")
app.command("login")(_users.login)
app.command("logout")(_users.logout)
app.command("whoami")(_users.whoami)


def main() -> None:
    # a distribution's own commands: each ``teller.commands`` entry point is ``register(app)``
    for entry in entry_points(group="teller.commands"):
        entry.load()(app)
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


@app.command("init")
def init(
    folder: Path = typer.Argument(..., help="The new project's folder (new or empty)."),
    name: str | None = typer.Option(
        None, help="Its distribution name (default: the folder's name), e.g. acme-payroll."
    ),
    where: str = typer.Option(
        "mybank", "--console", help="The console payroll pays into, e.g. mybank."
    ),
) -> None:
    """Write a bank's own project: bots, flows, selectors, schedules, reports, policies,
    tests, teller.toml and a Makefile (make demo, make test), depending on Teller."""
    with clear_errors():
        name = name or folder.resolve().name.lower()
        written = init_project(folder, name=name, console=where)
        console.print(
            f"wrote {len(written)} files into {folder} ({name}, paying into {where}). Next:\n"
            f"  cd {folder}\n"
            f"  edit selectors/{where}.yaml and teller.toml for your console "
            "(Teller's README, \"Paying into your bank's own console\")\n"
            "  make test"
        )


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
        if store.move_run(run_id, source=QUEUED, target=TAKEN):  # off the Desk's queue
            store.note(run_id, actor=operator.username, what="taken", reason="teller resume")
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
