"""``teller audit ...`` and ``teller report verify``: what an auditor checks months later."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from teller._errors import ConfigError
from teller.cli._common import ProjectOption, clear_errors, console, err, open_project
from teller.cli._signin import signed_in
from teller.integrity import (
    ChainHead,
    anchor,
    public_key,
    read_anchors,
    read_manifest,
)
from teller.settings import find_project, load_settings

audit_app = typer.Typer(help="The keyed, anchored audit trail.", no_args_is_help=True)
report_app = typer.Typer(help="Reports and their signed manifests.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    anchors: list[Path] = typer.Option(
        [], "--anchors", help="An anchor file (teller audit anchor); repeat for more."
    ),
    reports: list[Path] = typer.Option(
        [], "--report", help="A report (its signed manifest names the head it saw); repeat."
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Walk the whole trail with the audit key; check it against every anchor and report
    given, and each item's moves against the state machine and the items table."""
    with clear_errors():
        settings, store = open_project(project)
        try:
            signed_in(settings, store, "verify the audit trail")
            key = settings.key("audit")
            heads: list[tuple[str, ChainHead]] = []
            refused: list[str] = []
            for file in anchors:
                for anchor in read_anchors(file, key):
                    if anchor.problem is not None or anchor.head is None:
                        refused.append(f"{anchor.where}: {anchor.problem}")
                    else:
                        heads.append((f"anchor {anchor.where} ({anchor.at})", anchor.head))
            for report in reports:
                manifest = read_manifest(report, trusted=public_key(key))
                changed = [c for c in manifest.checks if not c.ok]
                if not manifest.signed:
                    refused.append(f"{manifest.path}: {manifest.problem}")
                elif changed:
                    refused.append(f"{manifest.path}: {', '.join(map(str, changed))}")
                elif manifest.head is None:
                    refused.append(f"{manifest.path}: names no audit head (an older report)")
                else:
                    heads.append((f"report {report.name}", manifest.head))
            verdict = store.check_trail(heads)
        finally:
            store.close()
    keyed = (
        "no record is keyed (a store never written with the audit key, or a trail rewritten "
        "without it: check it against an anchor)"
        if verdict.keyed_from is None
        else f"keyed from record {verdict.keyed_from}"
        + (" (records before it: unkeyed SHA-256, sealed by it)" if verdict.keyed_from > 1 else "")
    )
    console.print(
        f"{verdict.records} record(s), {keyed}; {verdict.heads} head(s) from outside the "
        f"database checked; {verdict.items} item(s) checked against the state machine"
    )
    for line in refused:
        err.print(f"[red]not trusted[/red] {line}")
    for problem in verdict.problems:
        err.print(f"[red]{problem}[/red]")
    if verdict.problems or refused:
        err.print(
            f"[red]audit trail does not prove itself[/red]: {len(verdict.problems)} problem(s), "
            f"{len(refused)} anchor line(s) or report(s) not trusted; the chain is sound up "
            f"to record {verdict.sound}"
        )
        raise typer.Exit(1)
    console.print("audit trail sound: each record keyed to the one before, every head found")


@audit_app.command("anchor")
def audit_anchor(
    file: Path | None = typer.Option(
        None, "--file", help="The append-only anchor file (default: [audit] anchors)."
    ),
    to_syslog: bool | None = typer.Option(
        None, "--syslog/--no-syslog", help="Also send the line to syslog (default: [audit] syslog)."
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Append the chain's head, signed, to a file kept outside the database (and syslog)."""
    with clear_errors():
        settings, store = open_project(project)
        try:
            signed_in(settings, store, "anchor the audit trail")
            target = file or settings.anchor_file
            send = settings.audit.syslog if to_syslog is None else to_syslog
            if target is None and not send:
                raise ConfigError(
                    str(settings.settings_file),
                    "audit.anchors: not set; give --file or --syslog",
                )
            line = anchor(settings.key("audit"), store.audit_head(check=True), target, send)
        finally:
            store.close()
    console.print(f"anchored: {line}" + (f" (in {target})" if target else " (syslog)"))


@audit_app.command("public-key")
def audit_public_key(project: Path | None = ProjectOption) -> None:
    """The public key that checks report manifests (hand it to auditors: it signs nothing)."""
    with clear_errors():
        settings = load_settings(project)
        console.print(public_key(settings.key("audit")))


@audit_app.command("show")
def audit_show(
    run_id: str | None = typer.Option(None, "--run", help="Only this run's records."),
    last: int = typer.Option(50, help="How many of the latest records."),
    project: Path | None = ProjectOption,
) -> None:
    """The latest audit records (time UTC, actor, item, what, detail, MAC)."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "read the audit trail")
        records = store.audit_records(run_id=run_id)[-last:]
        store.close()
    table = Table(title="audit trail" + (f" of run {run_id}" if run_id else ""))
    for column in ("seq", "at (UTC)", "actor", "run", "item", "what", "detail", "MAC"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for r in records:
        table.add_row(
            str(r.seq), r.at[:19], r.actor, r.run_id, r.item_key, r.what, r.detail, r.hash[:12]
        )
    console.print(table)


@report_app.command("verify")
def report_verify(
    path: Path = typer.Argument(..., metavar="PATH", help="A report, or its .sha256 manifest."),
    key: str | None = typer.Option(
        None, "--public-key", help="The bank's public key (teller audit public-key), hex."
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Check a report, what it was made from, and the manifest's signature."""
    with clear_errors():
        trusted = key or _project_public_key(project)
        manifest = read_manifest(path, trusted=trusted)
    for check in manifest.checks:
        console.print(str(check))
    if manifest.head is not None:
        console.print(f"audit head the report saw: {manifest.head}")
    bad = [c for c in manifest.checks if not c.ok]
    if bad:
        err.print(
            f"[red]{len(bad)} of {len(manifest.checks)} file(s) differ from the manifest[/red]"
        )
    if not manifest.signed:
        err.print(f"[red]manifest signature: {manifest.problem}[/red]")
    if not manifest.ok:
        raise typer.Exit(1)
    console.print(f"all {len(manifest.checks)} file(s) match the manifest, signed by {trusted}")


def _project_public_key(project: Path | None) -> str:
    """The bank's public key from the project's audit key, when run in the project."""
    try:
        find_project(project)
    except ConfigError as exc:
        raise ConfigError(
            "--public-key",
            f"not given, and no project to take the audit key from ({exc}): give the "
            "bank's public key (teller audit public-key)",
        ) from None
    return public_key(load_settings(project).key("audit"))
