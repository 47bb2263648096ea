"""Approvals at scale: a rule's held lines come 50 a page, and "approve all of a rule"
takes every line the rule holds, chosen on the server, after a page stating their count
and total. The store decides what was approved."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from flows.payroll import PayrollFlow
from teller.desk import create_app
from teller.desk._held import SECOND, held_by_rule
from teller.flow import load_flow
from teller.runs import submit
from teller.settings import load_settings
from teller.store import open_store
from tests._people import Team
from tests.desk._desk import PEOPLE, csrf_of, held_lines, sign_in

HELD = 120


def test_a_rules_lines_are_paged_and_approved_whole_after_their_count_and_total(
    project: Path,
) -> None:
    team = Team(project, PEOPLE)
    settings = load_settings(project)
    sample = PayrollFlow().sample(
        project / "pay.xlsx", lines=HELD + 10, console_url=None, seed=4, over_limit=HELD
    )
    flow = load_flow("payroll", settings=settings)
    store = open_store(settings)
    run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by="clerk")
    rules = held_by_rule(store.held_rules())
    biggest = max(rules, key=lambda r: len(r.ids))
    assert len(biggest.ids) == HELD
    store.close()

    with TestClient(create_app(settings), base_url="https://testserver") as client:
        csrf = sign_in(client, team, "checker")
        first = client.get("/approvals", params={"rule": biggest.rule})
        assert first.text.count('name="item" value=') == 50
        assert "第 1 页，共 3 页" in first.text
        last = client.get("/approvals", params={"rule": biggest.rule, "page": 3})
        assert last.text.count('name="item" value=') == HELD - 100

        confirm = client.post(
            "/approvals/confirm", data={"action": "approve", "rule": biggest.rule, "csrf": csrf}
        )
        assert confirm.status_code == 200
        money = f"{biggest.total:,.2f}"
        assert re.search(rf"批准 {HELD} 笔，合计 {re.escape(money)}", confirm.text), confirm.text[
            :800
        ]
        chosen = [int(i) for i in re.findall(r'name="item" value="(\d+)"', confirm.text)]
        assert sorted(chosen) == sorted(biggest.ids)  # every line, not the page's 50
        done = client.post(
            "/approvals/decide",
            data={"action": "approve", "item": chosen, "reason": "", "csrf": csrf_of(confirm.text)},
        )
        assert done.status_code == 200

    store = open_store(settings)
    try:
        approved = store.items(run_id, states=["approved"])
        assert sorted(i.id for i in approved) == sorted(biggest.ids)
        assert sum((i.amount or Decimal(0) for i in approved), Decimal(0)) == biggest.total
        assert {i.decided_by for i in approved} == {"checker"}
    finally:
        store.close()


def test_lines_above_the_dual_limit_wait_in_the_second_approvers_view(project: Path) -> None:
    """The first approver's approval leaves a line above the dual limit held; it waits in a
    view of its own, where that approver can no longer choose it and another approver sees
    who approved first before giving the second approval."""
    policy = project / "policies" / "payroll.toml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace('dual_limit = "200000.00"', 'dual_limit = "50000.01"'))
    held = held_lines(project)
    settings = load_settings(project)
    store = open_store(settings)
    assert {i.approvers_needed for i in store.items_by_id(held.held)} == {2}
    store.close()

    with TestClient(create_app(settings), base_url="https://testserver") as client:
        csrf = sign_in(client, held.team, "checker")
        data = {"action": "approve", "item": held.held, "reason": "checked", "csrf": csrf}
        assert client.post("/approvals/decide", data=data).status_code == 200
        mine = client.get("/approvals", params={"rule": SECOND})
        assert "等待第二位审批人" in mine.text
        assert 'name="item" value=' not in mine.text  # nothing of theirs to choose
        assert mine.text.count("您已批准") == 2
        again = {"action": "approve", "rule": SECOND, "csrf": csrf}
        assert client.post("/approvals/confirm", data=again).status_code == 400

    with TestClient(create_app(settings), base_url="https://testserver") as client:
        csrf = sign_in(client, held.team, "maker")  # an approver; not this run's maker
        second = client.get("/approvals", params={"rule": SECOND})
        assert second.text.count('name="item" value=') == 2
        assert second.text.count("checker, ") == 2 and "checked" in second.text
        confirm = client.post(
            "/approvals/confirm", data={"action": "approve", "rule": SECOND, "csrf": csrf}
        )
        assert "批准 2 笔" in confirm.text, confirm.text[:800]
        chosen = [int(i) for i in re.findall(r'name="item" value="(\d+)"', confirm.text)]
        done = client.post(
            "/approvals/decide",
            data={"action": "approve", "item": chosen, "reason": "", "csrf": csrf_of(confirm.text)},
        )
        assert done.status_code == 200

    store = open_store(settings)
    try:
        lines = store.items_by_id(held.held)
        assert {i.state for i in lines} == {"approved"}
        assert {i.decided_by for i in lines} == {"checker, maker"}
    finally:
        store.close()
