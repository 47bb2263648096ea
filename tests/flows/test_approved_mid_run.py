"""Lines a checker approves while their run is still going are paid by that run, once:
the runner's list of work was made at its start, without them, and nobody would queue
the run again (the Desk queues only a run that stopped)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flows.payroll import PayrollFlow
from teller.people import People, Person
from teller.runner import Runner
from teller.runs import approve, submit
from teller.settings import load_settings
from teller.store import Item, open_store
from tests._console_server import Server
from tests._people import Team

pytestmark = pytest.mark.e2e


def test_lines_approved_while_the_run_goes_on_are_paid_by_it_once(
    project: Path, corebank: Server
) -> None:
    (project / "teller.toml").write_text(corebank.settings_toml(), encoding="utf-8")
    Team(project, {"clerk": ("operator",), "checker": ("approver",)})
    settings = load_settings(project)
    flow = PayrollFlow()
    sample = flow.sample(
        project / "pay.xlsx", lines=8, console_url=corebank.base_url, seed=3, over_limit=2
    )
    store = open_store(settings)
    try:
        run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by="clerk")
        held = [i.id for i in store.items(run_id, states=["needs_approval"])]
        assert len(held) == 2
        user = People(store).user("checker")
        assert user is not None
        checker = Person(user.id, "checker", frozenset(user.roles), session="mid-run")
        key = settings.key("seal")
        approved: list[int] = []

        def on_item(item: Item) -> None:  # the checker, at the Desk, after the first payment
            if not approved:
                approved.extend(approve(store, i, by=checker, key=key).id for i in held)

        runner = Runner(settings=settings, store=store, flow=flow, on_item=on_item)
        asyncio.run(runner.run(run_id))
        assert approved == held
        assert {i.state for i in store.items(run_id)} == {"done"}
        assert store.run(run_id).status == "finished"
        keys = {i.key for i in store.items(run_id)}
    finally:
        store.close()
    ledger = dict(corebank.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference"))
    assert ledger == {k: 1 for k in keys}
