"""The guard a page object asks before an effect: is the item still this worker's to pay?

The runner holds each item under a lease with a fencing token (the store's ``fence``,
changed on every claim). While ``process`` runs it renews the lease (a heartbeat) and sets
a guard in this context; a page object's effect boundary awaits :func:`before_effect`
right before it submits. If the lease was lost (the runner was paused past it, its
heartbeat could not reach the store), the guard raises ``LostLease`` before anything is
sent, so a worker that is no longer the item's owner never pays it.

Outside a runner (a bot driven by hand, a test) there is no guard and nothing is checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Guard", "before_effect", "guarded"]

Guard = Callable[[], Awaitable[None]]
"""Raises ``LostLease`` if the item is no longer this worker's; returns otherwise."""

_guard: ContextVar[Guard | None] = ContextVar("teller_effect_guard", default=None)


async def before_effect() -> None:
    """Check the current item's lease, if a runner set a guard; called before every submit."""
    guard = _guard.get()
    if guard is not None:
        await guard()


@contextmanager
def guarded(guard: Guard) -> Iterator[None]:
    """Set ``guard`` for the code run inside (and the tasks it starts)."""
    token = _guard.set(guard)
    try:
        yield
    finally:
        _guard.reset(token)
