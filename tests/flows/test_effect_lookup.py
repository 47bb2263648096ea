"""A session that ends after a submit is settled by a lookup, never by paying again.

The payroll flow runs on the live corebank console. For one line, the console posts the
transfer, then every session ends and the browser is sent to the login page (a route
plays the console's session timer firing mid-request: the POST reaches the console, the
browser only sees the redirect). The bot cannot tell whether the money moved, so the item
must go in_flight -> in_doubt -> done by the lookup, in one attempt; the ledger must hold
every line once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.async_api import BrowserContext, Route

from flows.payroll import PayrollFlow
from teller.flow import FlowEnv
from teller.runner import Runner
from teller.runs import submit
from teller.settings import load_settings
from teller.store import open_store
from tests._console_server import Server

pytestmark = pytest.mark.e2e


class SessionEndsAfterPosting(PayrollFlow):
    """The payroll flow, with the console ending every session as it posts ``target``."""

    def __init__(self, server: Server) -> None:
        super().__init__()
        self.server = server
        self.target = ""
        self.fired: list[str] = []

    async def open(self, context: BrowserContext, env: FlowEnv) -> Any:
        await context.route("**/transfer", self._transfer)
        return await super().open(context, env)

    async def _transfer(self, route: Route) -> None:
        request = route.request
        values = [v for vs in parse_qs(request.post_data or "").values() for v in vs]
        if request.method != "POST" or self.target not in values or self.fired:
            await route.continue_()
            return
        self.fired.append(self.target)
        await route.fetch()  # posted and committed; the answer never reaches the browser
        await asyncio.to_thread(self.server.admin, "sessions/expire", {})
        login = f"{self.server.base_url}/login?timeout=1"
        await route.fulfill(status=302, headers={"Location": login})


def test_a_session_ending_after_submit_is_looked_up_not_paid_again(
    project: Path, corebank: Server, tmp_path: Path
) -> None:
    retry = "\n[consoles.corebank.retry]\nattempts = 3\nbackoff = 0.2\nbackoff_max = 1\n"
    toml = corebank.settings_toml(preamble="contexts = 1\n", extra="timeout = 8\n" + retry)
    (project / "teller.toml").write_text(toml, encoding="utf-8")
    settings = load_settings(project)
    store = open_store(settings)
    flow = SessionEndsAfterPosting(corebank)
    sample = flow.sample(tmp_path / "pay.xlsx", lines=6, console_url=corebank.base_url, seed=63)
    batch = flow.load(sample.path)
    run_id = submit(settings, store, flow, batch, submitted_by="clerk")
    approved = [i for i in store.items(run_id) if i.decision == "auto_approved"]
    flow.target = approved[1].key  # not the first: a session that has paid before

    asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))

    assert flow.fired == [flow.target]
    assert corebank.injected()["sessions_expired"] == 1
    paid = corebank.rows("SELECT reference, txn_no FROM transfers ORDER BY reference")
    items = {i.key: i for i in store.items(run_id)}
    assert sorted(r[0] for r in paid) == sorted(i.key for i in approved)  # each line once
    item = items[flow.target]
    assert (item.state, item.attempts) == ("done", 1)
    assert item.receipt == dict(paid)[flow.target]
    events = [e for e in store.events(run_id, item_id=item.id) if e.kind == ""]
    moves = [e.target for e in events]
    assert moves[-3:] == ["in_flight", "in_doubt", "done"], moves
    assert moves.count("in_flight") == 1 and "retry_wait" not in moves
    assert "login page" in events[-2].reason
    assert "found on the console" in events[-1].reason
    store.close()
