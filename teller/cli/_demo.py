"""``teller demo``: the sandbox consoles, a payroll batch and an account-loss sweep, end to end."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import typer

from teller._errors import ConfigError
from teller.cli._common import ProjectOption, clear_errors, console, open_project
from teller.cli._demo_people import CHECKER, demo_clerk, sandbox_credentials
from teller.cli._execute import execute
from teller.flow import load_flow
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
    lines: int = typer.Option(200, help="Payroll lines in the sample batch."),
    tickets: int = typer.Option(50, help="Loss tickets in the account-loss queue."),
    contexts: int | None = typer.Option(None, help="Concurrent browser contexts."),
    only: str | None = typer.Option(
        None,
        "--flow",
        help="Only this flow: payroll, account-loss, or a payroll configured on another "
        "console (payroll-coreplus).",
    ),
    project: Path | None = ProjectOption,
) -> None:
    """Run both flows on the sandbox consoles: a payroll batch, then an account-loss sweep."""
    with clear_errors():
        settings, store = open_project(project)
        settings.refuse_in_production("teller demo")
        payroll = only or "payroll"
        if (
            only not in (None, "account-loss")
            and not load_flow(only, settings=settings).moves_money
        ):
            raise ConfigError("command line", f"--flow: no demo of {only!r}")
        clerk = demo_clerk(settings, store)
        if only != "account-loss":
            _payroll(settings, store, payroll, lines, contexts, clerk)
        if only in (None, "account-loss"):
            _account_loss(settings, store, tickets, contexts, clerk)
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


def _payroll(
    settings: Settings, store: Store, name: str, lines: int, contexts: int | None, clerk: Person
) -> None:
    flow = load_flow(name, settings=settings)
    where = str(flow.console)
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


def _account_loss(
    settings: Settings, store: Store, tickets: int, contexts: int | None, clerk: Person
) -> None:
    flow = load_flow("account-loss", settings=settings)
    with ExitStack() as stack:
        urls = {name: stack.enter_context(sandbox_console(settings, name)) for name in flow.sandbox}
        console.print("sandbox consoles: " + ", ".join(f"{n} {u}" for n, u in urls.items()))
        console.print(flow.seed_sandbox(urls, items=tickets, seed=int(now().timestamp())))
        started = time.monotonic()
        taken = take(settings, store, flow)
        if taken is None:
            raise ConfigError("teller.toml", "the servicedesk sandbox shows no new ticket")
        batch = flow.load(taken)
        run_id = submit(settings, store, flow, batch, submitted_by=clerk.username)
        execute(settings, store, flow, run_id, contexts, by=clerk)
        elapsed = time.monotonic() - started
    console.print(
        f"handled {tickets} tickets in {elapsed:.1f}s ({tickets * 60 / elapsed:.0f} tickets/min)"
    )
    console.print(
        "Where each case stands, and the unfreeze request that waits for an approver:\n"
        f"  teller runs show {run_id}\n"
        f"  teller approvals list --run {run_id}"
    )
