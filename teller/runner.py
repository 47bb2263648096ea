"""The runner: N browser contexts work a run's items under the effect protocol of ARCHITECTURE.md §1.

For each item: durably ``in_flight`` (committed, with the attempt number) before the
console is touched; ``done`` with the console's receipt after it confirms. An item
that may have reached the console (crash, timeout after submit, a refused reused
reference) is ``in_doubt`` and is looked up on the console before anything else; "not
found" is believed once the console's settle time has passed since the attempt began.
Each item is held under a fenced lease that a heartbeat keeps (``teller._hold``): a
worker that lost it moves nothing and pays nothing (``LostLease``), and skips the item.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger
from playwright.async_api import Browser, BrowserContext, async_playwright

from teller import browser as chromium
from teller._errors import (
    BusinessError,
    InDoubt,
    LostLease,
    OtherFigures,
    ReferenceAlreadyUsed,
    SessionExpired,
    TellerError,
    TellerSystemError,
)
from teller._hold import Hold
from teller.clearance import Clearance
from teller.evidence import Tracer, collect
from teller.flow import Flow, FlowEnv, page_options
from teller.settings import Settings
from teller.store import FINAL, TODO, Item, Lease, Store, now

__all__ = ["Runner"]

_T = TypeVar("_T")

# States the runner leaves for a person; reported to on_item like final ones.
_PARKED = frozenset({"needs_review"})
# States from which an attempt may begin (after the check before payment).
_PAYABLE = frozenset({"auto_approved", "approved", "retry_wait"})


@dataclass
class _Worker:
    number: int
    owner: str
    context: BrowserContext
    session: Any
    tracer: Tracer


class Runner:
    """Works one run's to-do items with ``contexts`` concurrent browser contexts."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        flow: Flow,
        contexts: int | None = None,
        actor: str = "runner",
        on_item: Callable[[Item], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.flow = flow
        self.contexts = max(1, contexts or settings.contexts)
        self.actor = actor
        self.on_item = on_item or (lambda item: None)
        self.retry = settings.retry_for(flow.console)
        self.settle = settings.settle_for(flow.console)
        # host:pid:token — the pid lets a resume on this host free a killed runner's leases
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Take no new item: each worker finishes the one in hand, releases it, and stops."""
        self._stopping.set()

    async def run(self, run_id: str) -> Path | None:
        """Work every to-do item of the run, then let the flow finish (reconcile, report)."""
        env = FlowEnv(self.settings, self.store, run_id, self.settings.run_folder(run_id))
        env.folder.mkdir(parents=True, exist_ok=True)
        run = self.store.run(run_id)
        # built once per run: the recorded policy (and the file's, if it changed) and the
        # history of other runs; each payment is checked against it (teller.clearance)
        self._clearance = Clearance(
            self.settings, self.store, self.flow, run, key=self.settings.key("seal")
        )
        self._note_policy(run_id)
        self._reap_dead_leases(run_id)
        todo = [i.id for i in self.store.items(run_id, states=TODO)]
        self.store.update_run(run_id, status="running")
        self.store.note(run_id, actor=self.actor, what="started", reason=f"{len(todo)} items to do")
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="teller-store")
        try:
            with logger.contextualize(run_id=run_id):
                async with async_playwright() as playwright:
                    browser = await chromium.launch(playwright, executable=self.settings.chromium)
                    try:
                        report = await self._work(browser, env, todo)
                    finally:
                        await browser.close()
        finally:
            self._store_thread.shutdown()
        return report

    async def _work(self, browser: Browser, env: FlowEnv, todo: list[int]) -> Path | None:
        # a flow whose items must run in order on one page gets one context
        count = 1 if self.flow.sequential else max(1, min(self.contexts, len(todo)))
        workers = await asyncio.gather(*(self._open_worker(browser, env, n) for n in range(count)))
        queue: asyncio.Queue[int] = asyncio.Queue()
        given = set(todo)
        while todo and not self._stopping.is_set():
            for item_id in todo:
                queue.put_nowait(item_id)
            await asyncio.gather(*(self._drain(w, env, queue) for w in workers))
            # lines a person approved while the run went on, after its list was made: paid
            # now, in this run (each once), not left for a resume nobody asked for
            approved = await self._db(self.store.items, env.run_id, states=["approved"])
            todo = [i.id for i in approved if i.id not in given]
            given.update(todo)
        report = await self.flow.finish(workers[0].session, self.store.run(env.run_id), env)
        left = [i for i in self.store.items(env.run_id) if i.state not in FINAL]
        self.store.update_run(
            env.run_id,
            status="waiting" if left else "finished",
            finished_at=now(),
            report_path=str(report) if report else None,
        )
        self.store.note(
            env.run_id,
            actor=self.actor,
            what="finished",
            reason=f"report {report}; {len(left)} items not final",
        )
        for worker in workers:
            await worker.context.close()
        return report

    def _note_policy(self, run_id: str) -> None:
        """A policy that changed since the run was gated, or a record that cannot be
        trusted, is in the events and the trail (and so in the run's report)."""
        clearance = self._clearance
        if clearance.problem is not None:
            logger.error("run {}: no line is paid: {}", run_id, clearance.problem)
            self.store.note(
                run_id, actor=self.actor, what="policy refused", reason=clearance.problem
            )
        if clearance.changed is not None:
            logger.warning("run {}: the policy changed since it was gated", run_id)
            why = f"{clearance.changed}; each line is held by the stricter of the two"
            self.store.note(run_id, actor=self.actor, what="policy changed", reason=why)

    def _reap_dead_leases(self, run_id: str) -> None:
        """Free leases held by runner processes of this machine that no longer exist.

        A runner killed with SIGKILL cannot release its leases; waiting for them to
        expire would stall a resume. Owners on other machines are left to expiry.
        """
        host = socket.gethostname()
        for item in self.store.items(run_id, states=TODO):
            owner = item.lease_owner or ""
            parts = owner.split(":")
            if len(parts) == 3 and parts[0] == host and not _alive(int(parts[1])):
                self.store.release(item.id, Lease(owner, item.fence))

    async def _open_worker(self, browser: Browser, env: FlowEnv, number: int) -> _Worker:
        context = await chromium.new_context(browser, **page_options(self.settings, self.flow))
        session = await self.flow.open(context, env)
        tracer = Tracer(context, enabled=self.settings.trace_failures)
        await tracer.start()  # after the login: no password is ever in a trace
        return _Worker(number, f"{self._owner}-{number}", context, session, tracer)

    async def _renew(self, worker: _Worker, env: FlowEnv) -> None:
        """Replace a worker's context after an unexpected failure (crashed page, lost frame)."""
        try:
            await worker.context.close()
        except Exception:  # already gone with its browser process
            pass
        fresh = await self._open_worker(worker.context.browser, env, worker.number)  # type: ignore[arg-type]
        worker.context, worker.session, worker.tracer = fresh.context, fresh.session, fresh.tracer

    async def _drain(self, worker: _Worker, env: FlowEnv, queue: asyncio.Queue[int]) -> None:
        while not self._stopping.is_set():
            try:
                item_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            seconds = self.settings.lease_seconds
            lease = await self._db(self.store.claim, item_id, worker.owner, seconds=seconds)
            if lease is None:
                continue  # another runner holds it
            item = None
            try:
                item = await self._db(self.store.item, item_id)
                hold = Hold(self.store, self._db, item_id, item.key, lease, seconds=seconds)
                async with hold.kept():
                    item = await self._settle(worker, env, hold, item)
                self.on_item(item)
            except LostLease as exc:  # another worker took the item over: it settles it
                await self._lost(env, worker, exc)
                continue
            except Exception as exc:
                # this worker cannot go on (its console login fails, its browser is gone);
                # the item keeps its committed state and the next resume settles it
                logger.error(
                    "worker {} stopped on item {}: {}", worker.number, item_id, _short(exc)
                )
                return
            finally:
                if item is None or item.state in TODO:  # a move out of TODO freed the lease
                    await self._db(self.store.release, item_id, lease)

    async def _lost(self, env: FlowEnv, worker: _Worker, exc: LostLease) -> None:
        """A stale owner's outcome: nothing moved, the item skipped, the event on record."""
        logger.warning("worker {} skips item {}: {}", worker.number, exc.key, exc)
        why = f"item {exc.key}: lease {exc.fence} of {exc.owner} taken over; this worker skipped it"
        await self._db(self.store.note, env.run_id, actor=self.actor, what="lease lost", reason=why)

    async def _settle(self, worker: _Worker, env: FlowEnv, hold: Hold, item: Item) -> Item:
        """Drive one item until it is final, parked for a person, or no longer ours to do."""
        while item.state in TODO:
            with logger.contextualize(item=item.key):
                if item.state == "in_flight":  # left by a runner that died mid-attempt
                    item = await self._move(
                        hold,
                        "in_doubt",
                        reason="found in_flight: a past attempt may have reached the console",
                    )
                if item.state == "in_doubt":
                    item = await self._resolve(worker, env, hold, item)
                    continue
                item = await self._attempt(worker, env, hold, item)
                if item.state == "retry_wait":
                    await asyncio.sleep(self.retry.delay(item.attempts))
        return item

    async def _move(self, hold: Hold, target: str, **fields: Any) -> Item:
        """Move the held item; LostLease if another worker claimed it since (nothing moved)."""
        return await self._db(
            self.store.move, hold.item_id, target, actor=self.actor, lease=hold.lease, **fields
        )

    async def _attempt(self, worker: _Worker, env: FlowEnv, hold: Hold, item: Item) -> Item:
        # whatever the store says: the record as it is now, sealed, and the gate again
        item = await self._db(self.store.item, item.id)
        if item.state not in _PAYABLE:  # moved meanwhile: the caller's loop takes it from there
            return item
        verdict = await self._db(self._clearance.check, item)
        if not verdict.cleared:
            logger.error("item {} not paid: {}", item.key, verdict.reason)
            return await self._move(
                hold, "needs_approval", reason=f"not paid: {verdict.reason}", **verdict.record
            )
        attempt = item.attempts + 1
        item = await self._move(
            hold,
            "in_flight",
            reason=f"attempt {attempt}",
            attempts=attempt,
            attempt_at=now(),
        )
        try:
            await worker.tracer.begin()
            receipt = await self.flow.process(worker.session, item, env)
            await worker.tracer.drop()
        except LostLease:
            raise  # the guard stopped it before the effect: nothing was sent
        except BusinessError as exc:
            return await self._fail(worker, env, hold, item, "failed_business", exc)
        except ReferenceAlreadyUsed as exc:
            item = await self._fail(worker, env, hold, item, "in_doubt", exc)
            return await self._resolve(worker, env, hold, item, must_find=True)
        except InDoubt as exc:
            return await self._fail(worker, env, hold, item, "in_doubt", exc)
        except SessionExpired as exc:
            moved = await self._fail(worker, env, hold, item, self._retry_or_fail(item), exc)
            await self.flow.reopen(worker.session, env)
            return moved
        except TellerSystemError as exc:
            return await self._fail(worker, env, hold, item, self._retry_or_fail(item), exc)
        except Exception as exc:  # unknown failure, possibly after submit: never retry blind
            moved = await self._fail(worker, env, hold, item, "in_doubt", exc)
            await self._renew(worker, env)
            return moved
        logger.debug("item {} done: receipt {}", item.key, receipt)
        try:
            return await self._move(
                hold, "done", reason="console confirmed", receipt=receipt, error=None
            )
        except LostLease:  # paid, then taken over: the new owner's lookup finds the receipt
            logger.error("item {} paid as {} after its lease was lost", item.key, receipt)
            raise

    async def _db(self, call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """A store call in the store's own thread: a commit never holds the event loop, and
        with it every other context, while it waits for the disk. One thread, so the
        runner's calls keep their order."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, partial(call, *args, **kwargs))

    def _retry_or_fail(self, item: Item) -> str:
        used = item.attempts - item.retry_base
        return "retry_wait" if used < self.retry.attempts else "failed_system"

    async def _resolve(
        self, worker: _Worker, env: FlowEnv, hold: Hold, item: Item, *, must_find: bool = False
    ) -> Item:
        """Settle an in-doubt item by looking it up on the console, never by a blind retry.

        A lookup that fails is tried again after the console's backoff, up to its attempts.
        One that finds the reference with other figures than the line (``OtherFigures``)
        is no "done": the item waits for a person with both figures.
        """
        try:
            searched, receipt = await self._look_up(worker, env, item)
            late = self._settling(item)
            if searched and receipt is None and late > 0:
                # its request may still be on its way through a slow console: not yet "not paid"
                logger.info(
                    "item {} not on the console yet: looked up again in {:.1f}s", item.key, late
                )
                await asyncio.sleep(late)
                searched, receipt = await self._look_up(worker, env, item)
        except OtherFigures as found:
            return await self._move(
                hold,
                "needs_review",
                reason=f"in doubt; found on the console with other figures: {found}",
                receipt=found.receipt,
                error=str(found),
            )
        if not searched:
            return await self._move(
                hold,
                "needs_review",
                reason="in doubt and the console could not be searched",
            )
        if receipt is not None:
            logger.info("item {} recovered by lookup: receipt {}", item.key, receipt)
            return await self._move(
                hold,
                "done",
                reason="in doubt; found on the console by its reference",
                receipt=receipt,
            )
        if must_find or item.attempts - item.retry_base >= self.retry.attempts:
            why = (
                "console refused the reference but its inquiry does not show it"
                if must_find
                else "in doubt, not on the console, attempts used up"
            )
            return await self._move(hold, "needs_review", reason=why)
        return await self._move(
            hold,
            "retry_wait",
            reason="in doubt; not on the console, so safe to retry",
        )

    async def _look_up(self, worker: _Worker, env: FlowEnv, item: Item) -> tuple[bool, str | None]:
        """Search the console for the item: (searched, receipt), tried with the backoff."""
        for tries in range(1, self.retry.attempts + 1):
            if tries > 1:
                await asyncio.sleep(self.retry.delay(tries - 1))
            try:
                return True, await self.flow.lookup(worker.session, item, env)
            except OtherFigures:
                raise  # an answer, not a failure of the search
            except SessionExpired:
                await self.flow.reopen(worker.session, env)
            except TellerError as exc:
                logger.warning("lookup of {} failed (try {}): {}", item.key, tries, exc)
            except Exception as exc:
                logger.warning("lookup of {} failed (try {}): {}", item.key, tries, _short(exc))
                await self._renew(worker, env)
        return False, None

    def _settling(self, item: Item) -> float:
        """Seconds until the item's last attempt can no longer land on the console."""
        began = item.attempt_at or item.updated_at  # a store from before attempt_at: later
        return (began - now()).total_seconds() + self.settle

    async def _fail(
        self,
        worker: _Worker,
        env: FlowEnv,
        hold: Hold,
        item: Item,
        target: str,
        exc: BaseException,
    ) -> Item:
        """Keep evidence of a failed attempt, then move the item with the error's words."""
        folder = env.folder / "evidence" / f"{item.seq:05d}-a{item.attempts}"
        evidence: str | None = item.evidence
        try:
            # read from their sources now: one that is down means no evidence (never evidence
            # not scrubbed), and the item still moves
            secrets = (*self.flow.secrets(env), *_sensitive(item))
        except TellerError as failure:
            logger.warning("no evidence for {}: {}", item.key, failure)
            await worker.tracer.drop()
        else:
            try:
                await collect(worker.context, folder, tracer=worker.tracer, secrets=secrets)
                evidence = str(folder)
            except Exception as failure:  # evidence is best effort: never lose the state over it
                logger.warning("no evidence for {}: {}", item.key, _short(failure))
        message = _short(exc)
        logger.warning("item {} attempt {}: {} -> {}", item.key, item.attempts, message, target)
        return await self._move(
            hold,
            target,
            reason=message,
            error=message,
            evidence=evidence,
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _sensitive(item: Item) -> tuple[str, ...]:
    """The item's account-like values (10+ digits), to be scrubbed from its evidence."""
    return tuple(
        v for v in item.payload.values() if isinstance(v, str) and v.isdigit() and len(v) >= 10
    )


def _short(exc: BaseException) -> str:
    """One line of an exception, without Playwright's call log."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"\s+", " ", text)[:300]
    return text if isinstance(exc, TellerError) else f"{type(exc).__name__}: {text}"
