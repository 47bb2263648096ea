"""``teller approvals``: the items the gate held back, and a person's decision on them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typer

from teller.cli._common import ProjectOption, clear_errors, console, money, open_project
from teller.cli._show import items_table
from teller.cli._signin import signed_in
from teller.runs import approve as approve_item
from teller.runs import reject as reject_item
from teller.store import Item, Store

app = typer.Typer(help="Items held by the gate.", no_args_is_help=True)

Items = typer.Argument(None, metavar="ITEM...", help="Item numbers (see `approvals list`).")
RunOption = typer.Option(None, "--run", help="Only this run's items.")
AllOption = typer.Option(False, "--all", help="Every held item (of --run, if given).")
RuleOption = typer.Option(None, "--rule", help="Only held items on which this rule fired.")
YesOption = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


def _held(store: Store, run_id: str | None) -> list[Item]:
    return store.items(run_id, states=["needs_approval"])


def _chosen(
    store: Store, ids: list[int] | None, run_id: str | None, every: bool, rule: str | None
) -> list[Item]:
    if ids:
        chosen = [store.item(i) for i in ids]
    elif every or rule:
        chosen = _held(store, run_id)
    else:
        raise typer.BadParameter("name the items to decide, or choose them with --all or --rule")
    if rule:
        chosen = [i for i in chosen if rule in {r["rule"] for r in i.rules}]
    return chosen


def _confirm(items: list[Item], verb: str, yes: bool) -> None:
    total = sum((i.amount or Decimal(0) for i in items), Decimal(0))
    if not items:
        raise typer.BadParameter("no held items match")
    question = f"{verb} {len(items)} line(s), total {money(total)}?"
    if not yes and not typer.confirm(question):
        raise typer.Abort()


@app.command("list")
def list_held(run_id: str | None = RunOption, project: Path | None = ProjectOption) -> None:
    """Held items with the rules that fired and the gate's suggestion."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "read held items")
        items = _held(store, run_id)
        items_table(items, title=f"{len(items)} item(s) waiting for approval", with_rules=True)


@app.command("show")
def show(
    item_id: int = typer.Argument(..., metavar="ITEM"), project: Path | None = ProjectOption
) -> None:
    """One item: its figures, the rules that fired, the suggestion, and its history."""
    with clear_errors():
        settings, store = open_project(project)
        signed_in(settings, store, "read held items")
        item = store.item(item_id)
        items_table([item], title=f"item {item.id}", with_rules=True)
        for event in store.events(item.run_id, item_id=item.id):
            console.print(
                f"  {event.at:%Y-%m-%d %H:%M:%S} {event.actor}: "
                f"{event.source or ''} -> {event.target} {event.reason}"
            )


@app.command("approve")
def approve(
    ids: list[int] | None = Items,
    reason: str = typer.Option("", help="Why."),
    run_id: str | None = RunOption,
    every: bool = AllOption,
    rule: str | None = RuleOption,
    yes: bool = YesOption,
    project: Path | None = ProjectOption,
) -> None:
    """Approve held items as the signed-in approver (never the batch's maker); they are
    paid when their run is resumed."""
    with clear_errors():
        settings, store = open_project(project)
        by = signed_in(settings, store, "approve", "approver")
        items = _chosen(store, ids, run_id, every, rule)
        _confirm(items, "approve", yes)
        key = settings.key("seal")
        for item in items:
            approve_item(store, item.id, by=by, key=key, reason=reason)
        runs = sorted({i.run_id for i in items})
        console.print(
            f"approved {len(items)} item(s); to pay them: "
            + "; ".join(f"teller resume {r}" for r in runs)
        )


@app.command("reject")
def reject(
    ids: list[int] | None = Items,
    reason: str = typer.Option(..., help="Why (kept in the audit trail)."),
    run_id: str | None = RunOption,
    every: bool = AllOption,
    rule: str | None = RuleOption,
    yes: bool = YesOption,
    project: Path | None = ProjectOption,
) -> None:
    """Reject held items as the signed-in approver; they are never paid."""
    with clear_errors():
        settings, store = open_project(project)
        by = signed_in(settings, store, "reject", "approver")
        items = _chosen(store, ids, run_id, every, rule)
        _confirm(items, "reject", yes)
        key = settings.key("seal")
        for item in items:
            reject_item(store, item.id, by=by, key=key, reason=reason)
        console.print(f"rejected {len(items)} item(s)")
