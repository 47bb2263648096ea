"""A project with people and held lines for the Desk's tests, and a way to sign in.

The people are made through the same commands a bank's admin types (tests/_people.py);
the held lines come from a payroll batch submitted as a clerk would (no console needed:
the gate holds lines before anything is paid).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from flows.payroll import PayrollFlow
from teller.desk import create_app
from teller.flow import load_flow
from teller.runs import submit
from teller.settings import load_settings
from teller.store import open_store
from tests._people import Team

PEOPLE = {
    "clerk": ("operator",),
    "checker": ("approver",),
    "auditor": ("auditor",),
    "maker": ("operator", "approver"),  # may approve, but not the runs they submit
}
# every request of the Desk that changes state, with a form that would do it
CHANGING = {
    "/signout": {},
    "/approvals/confirm": {"action": "approve"},
    "/approvals/decide": {"action": "approve", "reason": "ok"},
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Held:
    project: Path
    team: Team
    run_id: str
    held: list[int]  # the ids of the lines the gate held


def held_lines(project: Path, *, desk: str = "", by: str = "clerk", seed: int = 5) -> Held:
    """People, and a run of ``by`` with two lines above the auto-approval limit."""
    if desk:
        with (project / "teller.toml").open("a", encoding="utf-8") as toml:
            toml.write(f"\n[desk]\n{desk}\n")
    team = Team(project, PEOPLE)
    settings = load_settings(project)
    sample = PayrollFlow().sample(
        project / "pay.xlsx", lines=6, console_url=None, seed=seed, over_limit=2
    )
    flow = load_flow("payroll", settings=settings)
    store = open_store(settings)
    run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by=by)
    held = [i.id for i in store.items(run_id, states=["needs_approval"])]
    store.close()
    assert len(held) == 2
    return Held(project, team, run_id, held)


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, page[:2000]
    return found.group(1)


def sign_in(client: httpx.Client, team: Team, name: str) -> str:
    """Sign ``name`` in through the Desk's form (a fresh one-time code if they need one);
    the CSRF token of their session."""
    form = client.get("/signin")
    code = team.code(name) if {"approver", "admin"} & set(PEOPLE.get(name, ())) else ""
    done = client.post(
        "/signin",
        data={
            "username": name,
            "password": team.passwords[name],
            "code": code,
            "csrf": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text[:2000]
    return csrf_of(client.get("/").text)


@contextmanager
def serving(project: Path) -> Iterator[str]:
    """The Desk of ``project`` on a free port of 127.0.0.1, in this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(load_settings(project)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the Desk did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def readme_shot(page: object, name: str) -> None:
    """A screenshot of the page for the README (docs/desk/NAME.png), when the browser tests
    run with TELLER_DESK_SCREENSHOTS=docs/desk; otherwise nothing."""
    folder = os.environ.get("TELLER_DESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # caret "initial": hiding it would inject a style, which the pages' CSP refuses
        shoot = page.screenshot  # type: ignore[attr-defined]
        await shoot(path=str(Path(folder) / f"{name}.png"), full_page=True, caret="initial")
