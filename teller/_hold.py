"""A worker's hold on one item: its fenced lease, renewed by a heartbeat while the worker acts.

The lease is taken by ``Store.claim`` (a new fencing token each time) and renewed every
third of its length for as long as the worker holds the item, through ``process``,
``lookup``, evidence and retry pauses alike, so a live worker never loses an item to
another runner. A worker that is paused past its lease (a frozen VM, SIGSTOP, a store it
cannot reach) may have lost it: before any effect, the page object's boundary asks
:meth:`Hold.guard`, which confirms the lease with the store unless the heartbeat confirmed
it within half its length, and raises ``LostLease`` before anything is sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from loguru import logger

from teller._errors import LostLease
from teller.fence import guarded
from teller.store import Lease, Store

__all__ = ["Hold"]

StoreCall = Callable[..., Awaitable[Any]]


def _clock() -> float:
    """Seconds that keep counting while the process is stopped or the machine sleeps."""
    return time.clock_gettime(getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC))


class Hold:
    """One item held under ``lease``; ``db`` runs a store call off the event loop."""

    def __init__(
        self, store: Store, db: StoreCall, item_id: int, key: str, lease: Lease, *, seconds: float
    ) -> None:
        self.store = store
        self.item_id = item_id
        self.key = key
        self.lease = lease
        self.seconds = seconds
        self.lost = False
        self._db = db
        self._confirmed = _clock()  # the claim just confirmed it

    def lost_error(self) -> LostLease:
        return LostLease(self.item_id, self.key, self.lease.owner, self.lease.fence)

    async def renew(self) -> bool:
        """Extend the lease in the store; False (and ``lost`` from then on) if it was taken."""
        if self.lost:
            return False
        asked = _clock()  # the new expiry is counted from no earlier than this
        if await self._db(self.store.renew, self.item_id, self.lease, seconds=self.seconds):
            self._confirmed = asked
            return True
        self.lost = True
        return False

    async def guard(self) -> None:
        """Raise ``LostLease`` unless the lease is surely still ours; called before an effect."""
        if not self.lost and _clock() - self._confirmed > self.seconds / 2:
            try:
                await self.renew()
            except Exception as exc:  # the store cannot say: not sure, so no effect
                logger.warning("lease of {} not confirmed: {}", self.key, type(exc).__name__)
                raise self.lost_error() from exc
        if self.lost:
            raise self.lost_error()

    async def _beat(self) -> None:
        while not self.lost:
            await asyncio.sleep(self.seconds / 3)
            try:
                if not await self.renew():
                    logger.warning("lease of {} was taken over", self.key)
            except Exception as exc:  # a store hiccup: the guard stops any effect if it lasts
                logger.warning("heartbeat of {} failed: {}", self.key, type(exc).__name__)

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[Hold]:
        """Keep the lease alive and set the effect guard while the worker holds the item."""
        beat = asyncio.ensure_future(self._beat())
        try:
            with guarded(self.guard):
                yield self
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
