"""A person settles what the runner left (needs_review) and sends failed items back.

The scripted console of test_runner stands in for a console; the commands run as a
person would run them, signed in, through ``python -m teller`` in a subprocess.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from teller import ApprovalRefused, ConsoleError, TransitionRefused
from teller.flow import FlowEnv
from teller.people import Person
from teller.settle import retry, settle_not_paid, settle_paid
from teller.store import Item, Store
from tests._people import Team
from tests.teller.test_runner import ScriptedFlow, _work


class BlindConsole(ScriptedFlow):
    """A console whose inquiry fails for the keys in ``blind``: their doubt stays open."""

    def __init__(self, scripts: dict[str, list[str]], *, blind: set[str]) -> None:
        super().__init__(scripts)
        self.blind = blind

    async def lookup(self, session: Any, item: Item, env: FlowEnv) -> str | None:
        if item.key in self.blind:
            self.lookups[item.key] += 1
            raise ConsoleError("fake", "inquiry", "HTTP 500")
        return await super().lookup(session, item, env)


def _team(project: Path, store: Store) -> Team:
    """The run's maker (who also holds the approver role) and a checker, on the test's store."""
    url = store.engine.url.render_as_string(hide_password=False)
    (project / "teller.toml").write_text(
        f'mode = "sandbox"\ndatabase_url = "{url}"\n', encoding="utf-8"
    )
    return Team(project, {"maker": ("operator", "approver"), "checker": ("approver",)})


def _teller(team: Team, command: str) -> subprocess.CompletedProcess[str]:
    """``teller COMMAND`` as a person types it, as whoever signed in last."""
    return team.teller(*shlex.split(command), check=False, timeout=120)


def _by_key(store: Store, run_id: str) -> dict[str, Item]:
    return {i.key: i for i in store.items(run_id)}


def test_a_person_settles_needs_review_and_sends_failed_items_back(
    store: Store, tmp_path: Path
) -> None:
    flow = BlindConsole(
        {
            "found": ["paid-then-lost"],  # paid, then the inquiry failed: needs_review
            "missing": ["lost-before-commit", "ok"],  # not paid, inquiry failed: needs_review
            "broken": ["system", "system", "system", "ok"],  # failed_system, then sent back
        },
        blind={"found", "missing"},
    )
    run_id = _work(store, tmp_path, flow)
    items = _by_key(store, run_id)
    assert {k: i.state for k, i in items.items()} == {
        "found": "needs_review",
        "missing": "needs_review",
        "broken": "failed_system",
    }
    assert flow.lookups["found"] == flow.lookups["missing"] == 3  # the console's tries

    # the run's maker may not settle; a reason is needed; a person's decision is recorded
    found, missing = items["found"].id, items["missing"].id
    team = _team(tmp_path, store)
    team.login("maker")
    refused = _teller(team, f"items settle {found} --paid TX-found --reason seen")
    assert refused.returncode == 2 and "may not settle" in refused.stderr
    team.login("checker")
    refused = _teller(team, f"items settle {found} --paid TX-found")
    assert refused.returncode == 2 and "reason" in refused.stderr
    for command in (
        f"items settle {found} --paid TX-found --reason 'inquiry by phone'",
        f"items settle {missing} --not-paid --reason 'not on the statement'",
        f"items retry --run {run_id} --reason 'console fixed'",
    ):
        done = _teller(team, command)
        assert done.returncode == 0, done.stderr
    assert "sent back 1 item" in done.stdout

    items = _by_key(store, run_id)
    assert (items["found"].state, items["found"].receipt) == ("done", "TX-found")
    assert items["missing"].state == "retry_wait"
    assert items["broken"].state == "in_doubt"
    record = [r for r in store.audit_records(run_id=run_id) if r.item_key == "found"][-1]
    assert (record.actor, record.what) == ("checker", "needs_review -> done")
    assert "inquiry by phone" in record.detail and "TX-found" in record.detail

    # resumed: "missing" is tried again with fresh tries; "broken" is looked up first
    flow.blind.clear()
    flow.unsettled.discard("missing")  # the person's own look at the console was its lookup
    lookups = flow.lookups["broken"]
    _work(store, tmp_path, flow, run_id)
    assert flow.violations == []
    items = _by_key(store, run_id)
    assert {k: i.state for k, i in items.items()} == dict.fromkeys(items, "done")
    assert flow.lookups["broken"] == lookups + 1
    assert flow.calls == {"found": 1, "missing": 2, "broken": 4}
    assert (items["missing"].attempts, items["broken"].attempts) == (2, 4)
    assert items["found"].receipt == "TX-found"  # the person's receipt stands


def test_only_the_right_state_is_settled_or_sent_back(store: Store, tmp_path: Path) -> None:
    flow = ScriptedFlow({"paid": ["ok"], "broken": ["system", "system", "system"]})
    run_id = _work(store, tmp_path, flow)
    items = _by_key(store, run_id)
    checker = Person(1, "checker", frozenset({"approver"}), "s1")
    maker = Person(2, "Maker ", frozenset({"operator", "approver"}), "s2")  # spelt loosely
    with pytest.raises(TransitionRefused, match="not needs_review"):
        settle_paid(store, items["paid"].id, receipt="TX", by=checker, reason="x")
    with pytest.raises(TransitionRefused, match="not needs_review"):
        settle_not_paid(store, items["broken"].id, by=checker, reason="x")
    with pytest.raises(TransitionRefused, match="not failed_system"):
        retry(store, items["paid"].id, by=checker, reason="x")
    with pytest.raises(ApprovalRefused, match="may not settle"):
        retry(store, items["broken"].id, by=maker, reason="x")
    sent = retry(store, items["broken"].id, by=checker, reason="fixed")
    assert (sent.state, sent.retry_base, sent.attempts) == ("in_doubt", 3, 3)
