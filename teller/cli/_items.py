"""``teller items``: settle what the runner left for a person, send failed items back."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from teller import settle
from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._signin import signed_in
from teller.store import Item

app = typer.Typer(help="Items left for a person: settle or retry them.", no_args_is_help=True)

Reason = typer.Option("", "--reason", help="What was checked (kept in the audit trail).")


@app.command("settle")
def settle_item(
    item_id: int = typer.Argument(..., metavar="ITEM"),
    paid: str | None = typer.Option(
        None, "--paid", metavar="RECEIPT", help="The console shows it paid, with this receipt."
    ),
    not_paid: bool = typer.Option(False, "--not-paid", help="The console shows no payment."),
    reason: str = Reason,
    project: Path | None = ProjectOption,
) -> None:
    """Settle a needs_review item after checking the console yourself."""
    if (paid is None) == (not not_paid):
        raise typer.BadParameter("give exactly one of --paid RECEIPT or --not-paid")
    with clear_errors():
        settings, store = open_project(project)
        by = signed_in(settings, store, "settle items", "approver")
        if paid is not None:
            item = settle.settle_paid(store, item_id, receipt=paid, by=by, reason=reason)
            console.print(f"item {item.id} ({item.key}) settled: paid as {item.receipt}")
        else:
            item = settle.settle_not_paid(store, item_id, by=by, reason=reason)
            console.print(
                f"item {item.id} ({item.key}) settled: not paid; "
                f"`teller resume {item.run_id}` retries it"
            )


@app.command("retry")
def retry_items(
    item_id: int | None = typer.Argument(None, metavar="ITEM"),
    run_id: str | None = typer.Option(None, "--run", help="Every item of this run in --state."),
    state: Literal["failed_system"] = typer.Option(
        "failed_system", "--state", help="Which items of --run (only failed_system)."
    ),
    reason: str = Reason,
    project: Path | None = ProjectOption,
) -> None:
    """Send failed_system items back: each is looked up on the console before a new attempt."""
    if (item_id is None) == (run_id is None):
        raise typer.BadParameter("give either ITEM or --run RUN")
    with clear_errors():
        settings, store = open_project(project)
        by = signed_in(settings, store, "send items back", "approver")
        if item_id is not None:
            items: list[Item] = [store.item(item_id)]
        else:
            store.run(str(run_id))  # RunNotFound, not "no items", for a mistyped run
            items = store.items(run_id, states=[state])
        if not items:
            raise typer.BadParameter(f"run {run_id} has no {state} items")
        sent = [settle.retry(store, item.id, by=by, reason=reason) for item in items]
        runs = sorted({i.run_id for i in sent})
        console.print(
            f"sent back {len(sent)} item(s); to look them up and retry them: "
            + "; ".join(f"teller resume {r}" for r in runs)
        )
