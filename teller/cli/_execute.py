"""Working a run at the terminal, shared by ``run``, ``resume`` and ``demo``."""

from __future__ import annotations

import asyncio

from loguru import logger

from teller.cli._show import progress_bar, run_summary
from teller.flow import Flow
from teller.logs import add_run_log
from teller.people import Person
from teller.runner import Runner
from teller.settings import Settings
from teller.store import TODO, Store


def execute(
    settings: Settings,
    store: Store,
    flow: Flow,
    run_id: str,
    contexts: int | None = None,
    *,
    by: Person,
) -> None:
    """Work a run with a progress bar, then print its summary; ``by`` is who set it going."""
    store.note(run_id, actor=by.username, what="worked", reason=f"session {by.session}")
    todo = len(store.items(run_id, states=TODO))
    sink = add_run_log(settings.run_folder(run_id) / "run.log.jsonl")
    try:
        with progress_bar(todo, f"{flow.name} {run_id}") as on_item:
            runner = Runner(
                settings=settings, store=store, flow=flow, contexts=contexts, on_item=on_item
            )
            asyncio.run(runner.run(run_id))
    finally:
        logger.remove(sink)
    run_summary(store, store.run(run_id))
