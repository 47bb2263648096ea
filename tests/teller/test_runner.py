"""The runner keeps the effect protocol: no item twice, none lost, none without the gate.

A scripted flow stands in for a console here (a fake, not a patch): it records what it
"paid" in its own ledger, so the tests check that ledger, not the runner's word. It also
writes down, in ``violations``, every call that breaks the protocol. A raise would not
do: the runner takes any unknown exception for an in-doubt attempt and looks it up, so
a tripwire that raises is swallowed and the test stays green.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext

from teller import (
    ConfigError,
    ConsoleError,
    InDoubt,
    PaymentRefused,
    ReferenceAlreadyUsed,
    SessionExpired,
)
from teller.clearance import Clearance
from teller.flow import Batch, Flow, FlowEnv
from teller.gate import Gate, Policy
from teller.runner import Runner
from teller.runs import start_run
from teller.settings import Settings
from teller.store import Item, NewItem, Run, Store
from tests.conftest import AUDIT_KEY

# Outcomes after which the attempt may have reached the console: only a lookup may follow.
_UNCLEAR = frozenset({"paid-then-lost", "lost-before-commit", "reference-used", "crash-after-pay"})


class ScriptedFlow(Flow):
    """Each key has a script of outcomes, one per attempt; ``ledger`` is the fake console.

    ``calls`` and ``lookups`` count what the runner asked, per key; ``violations`` holds
    every process call the effect protocol forbids, whatever the runner made of it.
    """

    name = "scripted"

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        self.scripts = scripts
        self.ledger: dict[str, str] = {}
        self.payments: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.lookups: Counter[str] = Counter()
        self.violations: list[str] = []
        self.unsettled: set[str] = set()  # last attempt unclear, no lookup since
        self.shown: dict[str, str] = {}  # keys the runner was shown paid, with the receipt
        self.last_attempt: dict[str, int] = {}
        self.reopened = 0

    def load(self, path: Path) -> Batch:
        items = [
            NewItem(seq=n, key=key, amount=Decimal("60000.00") if "big" in key else Decimal("10"))
            for n, key in enumerate(self.scripts, start=1)
        ]
        return Batch("B1", str(path), "0" * 64, items)

    def left_in_flight(self, store: Store, item: Item, *, paid: str | None = None) -> None:
        """A runner died mid-attempt on ``item``: ``paid`` is the receipt if it reached us."""
        store.move(item.id, "in_flight", actor="dead-runner", attempts=item.attempts + 1)
        self.unsettled.add(item.key)
        if paid is not None:
            self.ledger[item.key] = paid

    async def open(self, context: BrowserContext, env: FlowEnv) -> Any:
        return await context.new_page()

    async def reopen(self, session: Any, env: FlowEnv) -> None:
        self.reopened += 1

    def _violate(self, what: str) -> None:
        self.violations.append(what)

    def _pay(self, key: str) -> str:
        if self.payments[key]:
            self._violate(f"{key}: paid a second time")
        self.payments[key] += 1
        self.ledger[key] = f"TX-{key}"
        return self.ledger[key]

    def _check_turn(self, item: Item, env: FlowEnv) -> None:
        """What must hold whenever the console is asked to pay, by the store's own record."""
        key, stored = item.key, env.store.item(item.id)
        if stored.state != "in_flight":
            self._violate(f"{key}: processed while the store has it {stored.state}")
        if stored.attempts <= self.last_attempt.get(key, 0):
            self._violate(f"{key}: attempt {stored.attempts} processed twice")
        self.last_attempt[key] = stored.attempts
        run = env.store.run(env.run_id)
        key = env.settings.key("seal")
        why_not = Clearance(env.settings, env.store, self, run, key=key).check(stored).reason
        if why_not is not None:
            self._violate(f"{key}: processed though the gate did not pass it: {why_not}")
        if key in self.unsettled:
            self._violate(f"{key}: retried without a lookup after an unclear attempt")
        if key in self.shown:
            self._violate(f"{key}: processed after the console showed it paid ({self.shown[key]})")

    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        key = item.key
        self.calls[key] += 1
        self._check_turn(item, env)
        if not self.scripts[key]:
            self._violate(f"{key}: process call {self.calls[key]} past the end of its script")
            raise AssertionError(f"{key}: script exhausted")  # the runner may swallow this
        step = self.scripts[key].pop(0)
        if step in _UNCLEAR:
            self.unsettled.add(key)
        if step == "ok":
            self.shown[key] = self._pay(key)
            return self.shown[key]
        if step == "business":
            raise PaymentRefused("fake", "余額不足 Insufficient funds")
        if step == "system":
            raise ConsoleError("fake", "transfer", "HTTP 500")
        if step == "expired":  # the login page, before anything was sent
            raise SessionExpired("fake")
        if step == "paid-then-lost":  # committed, but the confirmation never came
            self._pay(key)
            raise InDoubt("fake", key, "connection dropped after submit")
        if step == "lost-before-commit":
            raise InDoubt("fake", key, "timeout after submit")
        if step == "reference-used":
            raise ReferenceAlreadyUsed("fake", key)
        if step == "crash-after-pay":
            self._pay(key)
            raise RuntimeError("Target page, context or browser has been closed")
        self._violate(f"{key}: unknown step {step!r}")
        raise AssertionError(step)

    async def lookup(self, session: Any, item: Item, env: FlowEnv) -> str | None:
        self.lookups[item.key] += 1
        self.unsettled.discard(item.key)
        found = self.ledger.get(item.key)
        if found is not None:
            self.shown[item.key] = found
        return found

    async def finish(self, session: Any, run: Run, env: FlowEnv) -> Path | None:
        return None


def _work(store: Store, tmp_path: Path, flow: ScriptedFlow, run_id: str | None = None) -> str:
    # the scripted console acts at once: nothing of an attempt can land later (settle 0)
    settings = Settings(
        mode="sandbox",
        project=tmp_path,
        max_attempts=3,
        retry_backoff=0.01,
        contexts=2,
        settle_seconds=0,
    )
    if run_id is None:
        run_id = _start(store, tmp_path, flow)
    asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
    return run_id


def _start(store: Store, tmp_path: Path, flow: ScriptedFlow) -> str:
    batch = flow.load(tmp_path / "in.xlsx")
    return start_run(
        store, flow, batch, Gate(Policy()), submitted_by="maker", key=seal_key(tmp_path)
    )


def seal_key(project: Path) -> bytes:
    """The sandbox project's seal key, made up on first use, as the runner reads it."""
    return Settings(mode="sandbox", project=project).key("seal")


def _states(store: Store, run_id: str) -> dict[str, str]:
    return {i.key: i.state for i in store.items(run_id)}


def _kept(
    flow: ScriptedFlow,
    store: Store,
    run_id: str,
    *,
    calls: dict[str, int],
    attempts: dict[str, int],
    lookups: dict[str, int] | None = None,
) -> None:
    """The protocol held: no violation, the exact calls and attempts, ledger = store."""
    assert flow.violations == []
    assert flow.calls == Counter(calls), "process calls per key"
    assert {i.key: i.attempts for i in store.items(run_id)} == attempts, "the store's attempts"
    if lookups is not None:
        assert flow.lookups == Counter(lookups), "lookups per key"
    # what the console paid is what the store calls done, receipt for receipt
    done = {i.key: i.receipt for i in store.items(run_id) if i.state == "done"}
    assert done == flow.ledger
    assert max(flow.payments.values(), default=1) == 1


def test_outcomes_under_each_kind_of_failure(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow(
        {
            "ok": ["ok"],
            "refused": ["business"],
            "flaky": ["system", "system", "ok"],
            "broken": ["system", "system", "system"],
            "expired": ["expired", "ok"],
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
        "expired": "done",
        "lost-after": "done",
        "lost-before": "done",
        "guard": "done",
        "crash": "done",
        "big": "needs_approval",
    }
    # a business error is tried once; an unclear attempt is looked up, once, and
    # retried only when the console does not have it; the held line is never tried
    tried = {"ok": 1, "refused": 1, "flaky": 3, "broken": 3, "expired": 2, "lost-after": 1}
    tried |= {"lost-before": 2, "guard": 1, "crash": 1}
    looked_up = {"lost-after": 1, "lost-before": 1, "guard": 1, "crash": 1}
    _kept(flow, store, run_id, calls=tried, attempts=tried | {"big": 0}, lookups=looked_up)
    assert flow.reopened == 1  # the expired session was logged into again
    receipts = {i.key: i.receipt for i in store.items(run_id)}
    assert receipts["guard"] == "TX-earlier" and receipts["lost-after"] == "TX-lost-after"


def test_failures_keep_evidence(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"refused": ["business"]})
    run_id = _work(store, tmp_path, flow)
    _kept(flow, store, run_id, calls={"refused": 1}, attempts={"refused": 1})
    item = store.items(run_id)[0]
    assert item.evidence and Path(item.evidence).is_dir()
    saved = {p.name for p in Path(item.evidence).iterdir()}
    assert {"page0.png", "page0.top.html", "trace.zip"} <= saved
    assert "Insufficient funds" in (item.error or "")


class VaultDown(ScriptedFlow):
    """A flow whose secrets cannot be read when a failed attempt's evidence is saved."""

    def secrets(self, env: FlowEnv) -> tuple[str, ...]:
        raise ConfigError("teller.toml", "consoles.x.password: command 'vault' failed (exit 2)")


def test_a_secret_source_down_keeps_no_evidence_but_moves_the_item(
    store: Store, tmp_path: Path
) -> None:
    """Evidence that could not be scrubbed is not kept; the item moves all the same, and
    the worker's trace goes on (the next attempt opens a chunk of its own)."""
    flow = VaultDown({"refused": ["business"], "flaky": ["system", "ok"]})
    run_id = _work(store, tmp_path, flow)
    assert _states(store, run_id) == {"refused": "failed_business", "flaky": "done"}
    assert [i.evidence for i in store.items(run_id)] == [None, None]
    assert not list(tmp_path.glob("var/runs/*/evidence/*"))
    assert flow.violations == []


def test_in_flight_after_a_crash_is_looked_up_not_repaid(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"paid": [], "unpaid": ["ok"]})
    run_id = _start(store, tmp_path, flow)
    paid, unpaid = store.items(run_id)  # a runner died after marking both in flight
    flow.left_in_flight(store, paid, paid="TX-before-crash")
    flow.left_in_flight(store, unpaid)
    _work(store, tmp_path, flow, run_id)
    assert _states(store, run_id) == {"paid": "done", "unpaid": "done"}
    # both looked up first; only the one the console does not have is tried again
    _kept(
        flow,
        store,
        run_id,
        calls={"unpaid": 1},
        attempts={"paid": 1, "unpaid": 2},
        lookups={"paid": 1, "unpaid": 1},
    )
    reasons = [e.reason for e in store.events(run_id, item_id=paid.id) if e.target == "done"]
    assert reasons == ["in doubt; found on the console by its reference"]


def test_approved_items_are_paid_on_resume(store: Store, tmp_path: Path) -> None:
    from teller.people import Person
    from teller.runs import approve

    flow = ScriptedFlow({"big": ["ok"]})
    run_id = _work(store, tmp_path, flow)
    _kept(flow, store, run_id, calls={}, attempts={"big": 0})
    checker = Person(1, "checker", frozenset({"approver"}), "s1")
    approve(store, store.items(run_id)[0].id, by=checker, key=seal_key(tmp_path))
    _work(store, tmp_path, flow, run_id)
    assert _states(store, run_id) == {"big": "done"}
    _kept(flow, store, run_id, calls={"big": 1}, attempts={"big": 1}, lookups={})


def test_two_runners_on_one_run_never_take_the_same_item(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({f"k{n}": ["ok"] for n in range(12)})
    run_id = _start(store, tmp_path, flow)
    settings = Settings(
        mode="sandbox", project=tmp_path, retry_backoff=0.01, contexts=2, settle_seconds=0
    )

    async def both() -> None:
        await asyncio.gather(
            Runner(settings=settings, store=store, flow=flow).run(run_id),
            Runner(settings=settings, store=store, flow=flow).run(run_id),
        )

    asyncio.run(both())
    assert set(_states(store, run_id).values()) == {"done"}
    once = {key: 1 for key in flow.scripts}
    _kept(flow, store, run_id, calls=once, attempts=once, lookups={})


def test_an_expired_lease_of_a_vanished_runner_is_taken_over(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"held": ["ok"]})
    run_id = _start(store, tmp_path, flow)
    (item,) = store.items(run_id)
    flow.left_in_flight(store, item)  # by another machine, which then vanished
    assert store.claim(item.id, "far-host:1:abc-0", seconds=-1)  # its lease has run out
    _work(store, tmp_path, flow, run_id)
    assert _states(store, run_id) == {"held": "done"}
    # in doubt until the console says it does not have it; then paid, once
    _kept(flow, store, run_id, calls={"held": 1}, attempts={"held": 2}, lookups={"held": 1})


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
    store = SlowDisk(f"sqlite:///{tmp_path / 'teller.db'}", audit_key=AUDIT_KEY)
    flow = BeatingFlow({f"K{n}": ["ok"] for n in range(4)})
    # the runner's loop is measured, not this test process's collector: deep in a long
    # session a full collection of the suite's garbage stopped the loop for 0.9 s once
    gc.collect()
    gc.disable()
    try:
        run_id = _work(store, tmp_path, flow)
    finally:
        gc.enable()
    assert set(_states(store, run_id).values()) == {"done"}
    once = {key: 1 for key in flow.scripts}
    _kept(flow, store, run_id, calls=once, attempts=once, lookups={})
    gaps = [later - earlier for earlier, later in zip(flow.beats, flow.beats[1:], strict=False)]
    # 8 moves of 0.2 s (in_flight and done of 4 items) went by, yet the loop beat on
    assert flow.beats[-1] - flow.beats[0] > 1.0
    assert max(gaps) < 0.15, max(gaps)
    store.close()


class InOrder(ScriptedFlow):
    """A form-filling flow: its items must run in order on one page."""

    sequential = True

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        super().__init__(scripts)
        self.sessions: set[int] = set()
        self.order: list[str] = []

    async def process(self, session: Any, item: Item, env: FlowEnv) -> str:
        self.sessions.add(id(session))
        self.order.append(item.key)
        return await super().process(session, item, env)


def test_a_sequential_flow_runs_in_order_on_one_page(store: Store, tmp_path: Path) -> None:
    keys = [f"k{n:02d}" for n in range(8)]
    flow = InOrder({key: ["ok"] for key in keys})
    run_id = _work(store, tmp_path, flow)  # two contexts configured
    assert flow.order == keys
    assert len(flow.sessions) == 1
    _kept(flow, store, run_id, calls=dict.fromkeys(keys, 1), attempts=dict.fromkeys(keys, 1))
