"""Tables and progress for runs, items and approvals (the one module that draws with rich)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from teller._masking import mask_account
from teller.cli._common import console, money
from teller.store import Item, Run, Store


def run_summary(store: Store, run: Run) -> None:
    items = store.items(run.id)
    counts: Counter[str] = Counter()
    totals: dict[str, Decimal] = {}
    for item in items:
        counts[item.state] += 1
        totals[item.state] = totals.get(item.state, Decimal("0")) + (item.amount or 0)
    # a flow that moves no money (its items have no amount) shows no amount column
    pays = any(item.amount is not None for item in items)
    table = Table(title=f"run {run.id}  ({run.flow}, batch {run.batch_id}, {run.status})")
    table.add_column("state")
    table.add_column("items", justify="right")
    if pays:
        table.add_column("amount", justify="right")
    for state, count in sorted(counts.items()):
        table.add_row(state, str(count), *([money(totals[state])] if pays else []))
    total = money(sum(totals.values(), Decimal("0")))
    table.add_row("[b]all[/b]", str(len(items)), *([total] if pays else []))
    console.print(table)
    if run.report_path:
        console.print(f"report: {run.report_path}")


def items_table(items: list[Item], *, title: str, with_rules: bool = False) -> None:
    table = Table(title=title)
    pays = any(item.amount is not None for item in items)  # else no account, no amount
    columns = ("item", "seq", "key", "who", *(("account", "amount") if pays else ()), "state")
    for column in columns:
        table.add_column(column, justify="right" if column in ("amount", "item", "seq") else "left")
    if with_rules:
        table.add_column("rules fired")
        table.add_column("suggestion")
        table.add_column("approvals")
    else:
        table.add_column("receipt / error")
        table.add_column("evidence")
    for item in items:
        row = [
            str(item.id),
            str(item.seq),
            item.key,
            item.label,
            *((mask_account(item.payload.get("account_no")), money(item.amount)) if pays else ()),
            item.state,
        ]
        if with_rules:
            given = ", ".join(a["by"] for a in item.approvals)
            row += [
                "; ".join(f"{r['rule']}: {r['detail']}" for r in item.rules),
                item.suggestion or "",
                f"{len(item.approvals)}/{max(1, item.approvers_needed)} {given}".strip(),
            ]
        else:
            row += [item.receipt or item.error or "", item.evidence or ""]
        table.add_row(*row)
    console.print(table)


def stages_table(store: Store, run: Run) -> bool:
    """Where each case of the run stands, by the stages its items reached; False if none."""
    reached: dict[int, list[str]] = {}
    last: dict[int, str] = {}
    for event in store.stages(run.id):
        if event.item_id is not None:
            reached.setdefault(event.item_id, []).append(event.target)
            last[event.item_id] = str(event.data.get("at") or f"{event.at:%Y-%m-%d %H:%M:%S} UTC")
    if not reached:
        return False
    table = Table(title="cases by stage (console times)")
    for column in ("seq", "key", "state", "stages reached", "last stage at"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for item in store.items(run.id):
        stages = reached.get(item.id, [])
        table.add_row(
            str(item.seq),
            item.key,
            item.state,
            " > ".join(stages) or "(not started)",
            last.get(item.id, ""),
        )
    console.print(table)
    return True


def runs_table(runs: list[Run]) -> None:
    table = Table(title="runs")
    for column in ("run", "flow", "batch", "submitted by", "created (UTC)", "status", "report"):
        table.add_column(column)
    for run in runs:
        table.add_row(
            run.id,
            run.flow,
            run.batch_id,
            run.submitted_by,
            f"{run.created_at:%Y-%m-%d %H:%M:%S}",
            run.status,
            run.report_path or "",
        )
    console.print(table)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[Item], None]]:
    """A progress bar over a run's items; yields the callback the runner calls per item."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda item: progress.advance(task)
