"""``teller demo``: each flow with a sandbox demo, end to end on the sandbox consoles.

A flow has a demo when it can make its own sample work (:class:`Sampled`: a batch file whose
accounts it opens on the console; :class:`Seeded`: work it files in a console's queue). The
demo knows no flow by name: it runs every flow registered under ``teller.flows`` that can.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import typer

from sandbox.people import CHECKER, demo_clerk, sandbox_credentials
from sandbox.samples import Sampled, Seeded, demo_flows
from teller._errors import ConfigError
from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._execute import execute
from teller.flow import Flow
from teller.intake import take
from teller.people import Person
from teller.runs import submit
from teller.settings import Settings
from teller.store import Store, now

START_SECONDS = 60  # a sandbox console starts in 1-2 s; a loaded machine takes far longer


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/admin/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def sandbox_console(settings: Settings, name: str = "corebank") -> Iterator[str]:
    """Use the sandbox console if it is up; otherwise serve it for the demo's length."""
    url = settings.console(name).base_url
    if _healthy(url):
        yield url
        return
    command = [
        sys.executable,
        "-m",
        "teller",
        "consoles",
        "serve",
        name,
        "--project",
        str(settings.project),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                # stop it first: its stderr ends only when it does (a read would wait forever)
                server.terminate()
                _, said = server.communicate(timeout=10)
                detail = said.decode(errors="replace")[-500:]
                raise ConfigError(
                    "teller.toml",
                    f"sandbox {name} did not start at {url} within {START_SECONDS} s: {detail}",
                )
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def demo(
    lines: int = typer.Option(200, help="Lines in each sample batch."),
    tickets: int = typer.Option(50, help="Items filed in each console queue (loss tickets)."),
    contexts: int | None = typer.Option(None, help="Concurrent browser contexts."),
    only: str | None = typer.Option(
        None,
        "--flow",
        help="Only this flow, registered or configured in teller.toml (payroll-coreplus).",
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Run each flow that has a sandbox demo, on the sandbox consoles: batches, then queues."""
    with clear_errors():
        settings, store = open_project(project)
        settings.refuse_in_production("teller demo")
        flows = demo_flows(settings, only)
        clerk = demo_clerk(settings, store)
        for flow in flows:
            if isinstance(flow, Sampled):
                _batch(settings, store, flow, lines, contexts, clerk)
            elif isinstance(flow, Seeded):
                _queue(settings, store, flow, tickets, contexts, clerk)
        _people(settings)


def _people(settings: Settings) -> None:
    """The sandbox people's credentials: they exist only in this sandbox store."""
    known = sandbox_credentials(settings)
    checker = known[CHECKER]
    console.print(
        f"Sandbox people (in {settings.var / 'demo' / 'people.toml'}; a sandbox store only): "
        + ", ".join(f"{name} / {c['password']}" for name, c in known.items())
        + f"\nTo approve as {CHECKER}: `teller login {CHECKER}`, its password, then the code of\n"
        f"  {sys.executable} -c \"import pyotp; print(pyotp.TOTP('{checker['seed']}').now())\""
    )


def _batch(
    settings: Settings, store: Store, flow: Flow, lines: int, contexts: int | None, clerk: Person
) -> None:
    assert isinstance(flow, Sampled)
    name, where = flow.name, str(flow.console)
    stamp = now()
    workbook = settings.var / "demo" / f"{name}-{stamp:%Y%m%d-%H%M%S}.xlsx"
    workbook.parent.mkdir(parents=True, exist_ok=True)
    with sandbox_console(settings, where) as url:
        console.print(f"sandbox {where} console at {url}")
        sample = flow.sample(
            workbook,
            lines=lines,
            console_url=url,
            seed=int(stamp.timestamp()),
            over_limit=max(1, lines // 40),
            refused=max(1, lines // 40),
        )
        console.print(
            f"sample batch {sample.batch_id}: {workbook} ({lines} lines, "
            f"{sample.over_limit} above the limit, {sample.refused} the console will refuse)"
        )
        batch = flow.load(workbook)
        run_id = submit(settings, store, flow, batch, submitted_by=clerk.username)
        started = time.monotonic()
        execute(settings, store, flow, run_id, contexts, by=clerk)
        elapsed = time.monotonic() - started
    console.print(f"worked {lines} lines in {elapsed:.1f}s ({lines / elapsed:.2f} lines/s)")
    console.print(
        "The gate held back lines above the auto-approval limit. To see and pay them:\n"
        f"  teller approvals list --run {run_id}\n"
        f"  teller login {CHECKER}\n"
        f"  teller approvals approve --run {run_id} --all\n"
        f"  teller consoles serve {where} &   # the sandbox console\n"
        "  teller login demo-clerk             # an operator resumes the run\n"
        f"  teller resume {run_id}"
    )


def _queue(
    settings: Settings, store: Store, flow: Flow, tickets: int, contexts: int | None, clerk: Person
) -> None:
    assert isinstance(flow, Seeded)
    with ExitStack() as stack:
        urls = {name: stack.enter_context(sandbox_console(settings, name)) for name in flow.sandbox}
        console.print("sandbox consoles: " + ", ".join(f"{n} {u}" for n, u in urls.items()))
        console.print(flow.seed_sandbox(urls, items=tickets, seed=int(now().timestamp())))
        started = time.monotonic()
        taken = take(settings, store, flow)
        if taken is None:
            raise ConfigError("teller.toml", f"{flow.name}: its sandbox queue shows no new work")
        batch = flow.load(taken)
        run_id = submit(settings, store, flow, batch, submitted_by=clerk.username)
        execute(settings, store, flow, run_id, contexts, by=clerk)
        elapsed = time.monotonic() - started
    console.print(
        f"{flow.name}: handled {tickets} items in {elapsed:.1f}s "
        f"({tickets * 60 / elapsed:.0f} items/min)"
    )
    console.print(
        "Where each item stands, and what waits for an approver:\n"
        f"  teller runs show {run_id}\n"
        f"  teller approvals list --run {run_id}"
    )
