"""What a flow offers the sandbox: sample work of its own. The engine's ``Flow`` knows none of it.

A flow is :class:`Sampled` when it writes a sample input file and opens that file's accounts
on the sandbox console (payroll), :class:`Seeded` when it files sample work in the queues of
its sandbox consoles (account-loss). ``teller sample`` and ``teller demo`` use these.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from teller._errors import ConfigError
from teller.flow import Flow, load_flow
from teller.settings import Settings


@runtime_checkable
class Sampled(Protocol):
    """A flow that writes a realistic input file and opens its accounts on a sandbox console."""

    def sample(
        self,
        out: Path,
        *,
        lines: int,
        console_url: str | None,
        seed: int = 0,
        over_limit: int = 0,
        refused: int = 0,
    ) -> Any: ...


@runtime_checkable
class Seeded(Protocol):
    """A flow whose work waits in the queues of sandbox consoles, and that can put some there."""

    sandbox: tuple[str, ...]  # the consoles its demo needs

    def seed_sandbox(self, consoles: dict[str, str], *, items: int, seed: int = 0) -> str:
        """Put sample work on the consoles (name -> URL); say what, in one line."""
        ...


def demo_flows(settings: Settings, only: str | None) -> list[Flow]:
    """The flows to demonstrate: ``only``, else each registered flow that can make sample
    work; batches first, then queues."""
    names = [only] if only else sorted({e.name for e in entry_points(group="teller.flows")})
    flows = [load_flow(name, settings=settings) for name in names]
    shown = [f for f in flows if isinstance(f, Sampled | Seeded)]
    if only and not shown:
        raise ConfigError("command line", f"--flow: flow {only!r} has no sandbox demo")
    return sorted(shown, key=lambda f: not isinstance(f, Sampled))
