"""The runner keeps the effect protocol: no item twice, none lost, none without the gate.

A scripted flow stands in for a console here (a fake, not a patch): it records what it
"paid" in its own ledger, so the tests check that ledger, not the runner's word.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext

from teller import ConsoleError, InDoubt, PaymentRefused, ReferenceAlreadyUsed
from teller.flow import Batch, Flow, FlowEnv
from teller.gate import Gate, Policy
from teller.runner import Runner
from teller.runs import start_run
from teller.settings import Settings
from teller.store import Item, NewItem, Run, Store


class ScriptedFlow(Flow):
    """Each key has a script of outcomes, one per attempt; ``ledger`` is the fake console."""

    name = "scripted"

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        self.scripts = scripts
        self.ledger: dict[str, str] = {}
        self.payments: Counter[str] = Counter()
        self.reopened = 0

    def load(self, path: Path) -> Batch:
        items = [
            NewItem(seq=n, key=key, amount=Decimal("60000.00") if "big" in key else Decimal("10"))
            for n, key in enumerate(self.scripts, start=1)
        ]
        return Batch("B1", str(path), "0" * 64, items)

    async def open(self, context: BrowserContext, env: FlowEnv) -> Any:
        return await context.new_page()

    async def reopen(self, session: Any, env: FlowEnv) -> None:
        self.reopened += 1

    def _pay(self, key: str) -> str:
        self.payments[key] += 1
        self.ledger[key] = f"TX-{key}"
        return self.ledger[key]

    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        step = self.scripts[item.key].pop(0)
        if step == "ok":
            return self._pay(item.key)
        if step == "business":
            raise PaymentRefused("fake", "余額不足 Insufficient funds")
        if step == "system":
            raise ConsoleError("fake", "transfer", "HTTP 500")
        if step == "paid-then-lost":  # committed, but the confirmation never came
            self._pay(item.key)
            raise InDoubt("fake", item.key, "connection dropped after submit")
        if step == "lost-before-commit":
            raise InDoubt("fake", item.key, "timeout after submit")
        if step == "reference-used":
            raise ReferenceAlreadyUsed("fake", item.key)
        if step == "crash-after-pay":
            self._pay(item.key)
            raise RuntimeError("Target page, context or browser has been closed")
        raise AssertionError(step)

    async def lookup(self, session: Any, item: Item, env: FlowEnv) -> str | None:
        return self.ledger.get(item.key)

    async def finish(self, session: Any, run: Run, env: FlowEnv) -> Path | None:
        return None


def _work(store: Store, tmp_path: Path, flow: ScriptedFlow, run_id: str | None = None) -> str:
    settings = Settings(project=tmp_path, max_attempts=3, retry_backoff=0.01, contexts=2)
    if run_id is None:
        run_id = start_run(
            store, flow, flow.load(tmp_path / "in.xlsx"), Gate(Policy()), submitted_by="maker"
        )
    asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
    return run_id


def _states(store: Store, run_id: str) -> dict[str, str]:
    return {i.key: i.state for i in store.items(run_id)}


def test_outcomes_under_each_kind_of_failure(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow(
        {
            "ok": ["ok"],
            "refused": ["business"],
            "flaky": ["system", "system", "ok"],
            "broken": ["system", "system", "system"],
            "lost-after": ["paid-then-lost"],
            "lost-before": ["lost-before-commit", "ok"],
            "guard": ["reference-used"],
            "crash": ["crash-after-pay"],
            "big": ["ok"],
        }
    )
    flow.ledger["guard"] = "TX-earlier"  # the console already had this reference
    run_id = _work(store, tmp_path, flow)
    assert _states(store, run_id) == {
        "ok": "done",
        "refused": "failed_business",
        "flaky": "done",
        "broken": "failed_system",
        "lost-after": "done",
        "lost-before": "done",
        "guard": "done",
        "crash": "done",
        "big": "needs_approval",
    }
    # no key paid twice, nothing paid that the gate held back
    assert max(flow.payments.values()) == 1
    assert "big" not in flow.ledger
    assert flow.scripts["refused"] == []  # business errors are tried once only
    receipts = {i.key: i.receipt for i in store.items(run_id)}
    assert receipts["guard"] == "TX-earlier" and receipts["lost-after"] == "TX-lost-after"
    attempts = {i.key: i.attempts for i in store.items(run_id)}
    assert attempts["flaky"] == 3 and attempts["broken"] == 3 and attempts["refused"] == 1


def test_failures_keep_evidence(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"refused": ["business"]})
    run_id = _work(store, tmp_path, flow)
    item = store.items(run_id)[0]
    assert item.evidence and Path(item.evidence).is_dir()
    saved = {p.name for p in Path(item.evidence).iterdir()}
    assert {"page0.png", "page0.top.html", "trace.zip"} <= saved
    assert "Insufficient funds" in (item.error or "")


def test_in_flight_after_a_crash_is_looked_up_not_repaid(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"paid": [], "unpaid": ["ok"]})
    run_id = start_run(
        store, flow, flow.load(tmp_path / "in.xlsx"), Gate(Policy()), submitted_by="maker"
    )
    for item in store.items(run_id):  # a runner died after marking both in flight
        store.move(item.id, "in_flight", actor="dead-runner", attempts=1)
    flow.ledger["paid"] = "TX-before-crash"
    _work(store, tmp_path, flow, run_id)
    assert _states(store, run_id) == {"paid": "done", "unpaid": "done"}
    assert flow.payments == Counter({"unpaid": 1})
    reasons = [e.reason for e in store.events(run_id) if e.target == "done"]
    assert any("found on the console" in r for r in reasons)


def test_approved_items_are_paid_on_resume(store: Store, tmp_path: Path) -> None:
    from teller.runs import approve

    flow = ScriptedFlow({"big": ["ok"]})
    run_id = _work(store, tmp_path, flow)
    assert flow.ledger == {}
    approve(store, store.items(run_id)[0].id, by="checker")
    _work(store, tmp_path, flow, run_id)
    assert _states(store, run_id) == {"big": "done"} and flow.payments["big"] == 1


def test_two_runners_on_one_run_never_take_the_same_item(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({f"k{n}": ["ok"] for n in range(12)})
    run_id = start_run(
        store, flow, flow.load(tmp_path / "in.xlsx"), Gate(Policy()), submitted_by="maker"
    )
    settings = Settings(project=tmp_path, retry_backoff=0.01, contexts=2)

    async def both() -> None:
        await asyncio.gather(
            Runner(settings=settings, store=store, flow=flow).run(run_id),
            Runner(settings=settings, store=store, flow=flow).run(run_id),
        )

    asyncio.run(both())
    assert set(_states(store, run_id).values()) == {"done"}
    assert set(flow.payments.values()) == {1}  # a scripted key paid twice would fail to pop


def test_an_expired_lease_of_a_vanished_runner_is_taken_over(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"held": ["ok"]})
    run_id = start_run(
        store, flow, flow.load(tmp_path / "in.xlsx"), Gate(Policy()), submitted_by="maker"
    )
    item = store.items(run_id)[0]
    store.move(item.id, "in_flight", actor="other-machine", attempts=1)
    assert store.claim(item.id, "far-host:1:abc-0", seconds=-1)  # its lease has run out
    _work(store, tmp_path, flow, run_id)
    assert _states(store, run_id) == {"held": "done"} and flow.payments["held"] == 1


class SlowDisk(Store):
    """A real store on a disk that takes 0.2 s to commit each move."""

    def move(self, *args: Any, **kwargs: Any) -> Item:
        time.sleep(0.2)
        return super().move(*args, **kwargs)


class BeatingFlow(ScriptedFlow):
    """Beats every 10 ms in the runner's event loop while it works: the other contexts' turn."""

    beats: list[float]

    async def open(self, context: BrowserContext, env: FlowEnv) -> Any:
        if not hasattr(self, "beats"):
            self.beats = []
            self._beating = asyncio.ensure_future(self._beat())
        return await super().open(context, env)

    async def _beat(self) -> None:
        while True:
            self.beats.append(time.monotonic())
            await asyncio.sleep(0.01)

    async def finish(self, session: Any, run: Run, env: FlowEnv) -> Path | None:
        self._beating.cancel()
        return None


def test_a_slow_commit_does_not_hold_the_other_contexts(tmp_path: Path) -> None:
    store = SlowDisk(f"sqlite:///{tmp_path / 'teller.db'}")
    flow = BeatingFlow({f"K{n}": ["ok"] for n in range(4)})
    run_id = _work(store, tmp_path, flow)
    assert set(_states(store, run_id).values()) == {"done"} and len(flow.ledger) == 4
    gaps = [later - earlier for earlier, later in zip(flow.beats, flow.beats[1:], strict=False)]
    # 8 moves of 0.2 s (in_flight and done of 4 items) went by, yet the loop beat on
    assert flow.beats[-1] - flow.beats[0] > 1.0
    assert max(gaps) < 0.15, max(gaps)
    store.close()
