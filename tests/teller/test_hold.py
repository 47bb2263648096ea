"""A worker's hold on an item: the heartbeat keeps it, the guard stops an effect once it is lost."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from teller import LostLease
from teller._hold import Hold
from teller.fence import before_effect
from teller.store import NewItem, Store


def _held(store: Store, seconds: float) -> tuple[int, Hold]:
    run_id = store.create_run(
        flow="payroll",
        batch_id="B1",
        input_file="in.xlsx",
        input_sha256="0" * 64,
        submitted_by="maker",
        items=[NewItem(seq=1, key="B1:E1", amount=Decimal("10.00"))],
    )
    item = store.items(run_id)[0]
    store.move(item.id, "auto_approved", actor="gate")
    lease = store.claim(item.id, "robot-a", seconds=seconds)
    assert lease is not None

    async def db(call: Any, *args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    return item.id, Hold(store, db, item.id, item.key, lease, seconds=seconds)


def test_the_heartbeat_keeps_an_item_past_its_first_lease(store: Store) -> None:
    item_id, hold = _held(store, seconds=0.6)

    async def work() -> None:
        async with hold.kept():
            await asyncio.sleep(1.5)  # two and a half leases
            assert store.claim(item_id, "robot-b", seconds=60) is None
            await before_effect()  # still ours: no error

    asyncio.run(work())
    assert store.item(item_id).lease_owner == "robot-a"


def test_the_guard_stops_an_effect_once_another_worker_took_the_item(store: Store) -> None:
    item_id, hold = _held(store, seconds=0.4)
    time.sleep(0.5)  # A was paused (no heartbeat yet) past its lease
    taken = store.claim(item_id, "robot-b", seconds=60)
    assert taken is not None

    async def work() -> None:
        async with hold.kept():
            await asyncio.sleep(0.25)  # past half the lease: the guard asks the store
            with pytest.raises(LostLease) as lost:
                await before_effect()
            assert (lost.value.owner, lost.value.fence) == ("robot-a", hold.lease.fence)

    asyncio.run(work())
    assert store.item(item_id).lease_owner == "robot-b"


def test_the_guard_stops_an_effect_when_the_store_cannot_confirm_the_lease(store: Store) -> None:
    item_id, hold = _held(store, seconds=0.4)

    async def unreachable(call: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("UPDATE items", {}, Exception("connection refused"))

    hold._db = unreachable  # the store went away after the claim

    async def work() -> None:
        async with hold.kept():
            await asyncio.sleep(0.25)
            with pytest.raises(LostLease):
                await before_effect()

    asyncio.run(work())
