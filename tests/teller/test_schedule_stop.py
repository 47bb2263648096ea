"""``Runner.stop()``: what SIGTERM to the scheduler asks of a run in progress."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from teller.flow import FlowEnv
from teller.gate import Gate, Policy
from teller.runner import Runner
from teller.runs import start_run
from teller.settings import Settings
from teller.store import Item, Store
from tests.teller.test_runner import ScriptedFlow, seal_key


class StoppingFlow(ScriptedFlow):
    """Asks the runner to stop while it works its first item."""

    runner: Runner

    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        self.runner.stop()
        return await super().process(session, item, env)


def test_stop_finishes_the_item_in_hand_and_takes_no_other(store: Store, tmp_path: Path) -> None:
    flow = StoppingFlow({key: ["ok"] for key in ("a", "b", "c", "d")})
    run_id = start_run(
        store,
        flow,
        flow.load(tmp_path / "in.xlsx"),
        Gate(Policy()),
        submitted_by="maker",
        key=seal_key(tmp_path),
    )
    settings = Settings(
        mode="sandbox", project=tmp_path, retry_backoff=0.01, contexts=1, settle_seconds=0
    )
    flow.runner = Runner(settings=settings, store=store, flow=flow)
    asyncio.run(flow.runner.run(run_id))
    items = store.items(run_id)
    assert [i.state for i in items] == ["done", "auto_approved", "auto_approved", "auto_approved"]
    assert flow.payments == {"a": 1}
    assert all(i.lease_owner is None for i in items)
    assert store.run(run_id).status == "waiting"  # a resume pays the rest
