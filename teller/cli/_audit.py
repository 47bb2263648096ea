"""``teller audit ...`` and ``teller report verify``: what an auditor checks months later."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from teller.cli._common import ProjectOption, clear_errors, console, err, open_project
from teller.cli._signin import signed_in
from teller.integrity import check_manifest

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
report_app = typer.Typer(help="Reports and their integrity manifests.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(project: Path | None = ProjectOption) -> None:
    """Walk the whole audit trail; name the first record changed, removed or moved."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "verify the audit trail")
        count, problem = store.verify_audit()
        store.close()
    if problem is not None:
        err.print(f"[red]audit trail broken[/red] after {count} sound record(s): {problem}")
        raise typer.Exit(1)
    console.print(f"audit trail sound: {count} record(s), each linked to the one before")


@audit_app.command("show")
def audit_show(
    run_id: str | None = typer.Option(None, "--run", help="Only this run's records."),
    last: int = typer.Option(50, help="How many of the latest records."),
    project: Path | None = ProjectOption,
) -> None:
    """The latest audit records (time UTC, actor, item, what, detail, hash)."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "read the audit trail")
        records = store.audit_records(run_id=run_id)[-last:]
        store.close()
    table = Table(title="audit trail" + (f" of run {run_id}" if run_id else ""))
    for column in ("seq", "at (UTC)", "actor", "run", "item", "what", "detail", "hash"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for r in records:
        table.add_row(
            str(r.seq), r.at[:19], r.actor, r.run_id, r.item_key, r.what, r.detail, r.hash[:12]
        )
    console.print(table)


@report_app.command("verify")
def report_verify(
    path: Path = typer.Argument(..., metavar="PATH", help="A report, or its .sha256 manifest."),
) -> None:
    """Check a report, and what it was made from, against the manifest written beside it."""
    with clear_errors():
        checks = check_manifest(path)
    for check in checks:
        console.print(str(check))
    bad = [c for c in checks if not c.ok]
    if bad:
        err.print(f"[red]{len(bad)} of {len(checks)} file(s) differ from the manifest[/red]")
        raise typer.Exit(1)
    console.print(f"all {len(checks)} file(s) match the manifest")
