"""The run queue's claim: of two scheduler processes, exactly one takes a queued run.

Two stores (two connection pools, as two processes have) on one database race over the
same queued runs, on SQLite and on PostgreSQL; every run is taken once, by one of them.
A queued run is carried out for its maker only while they are an enabled operator.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest

from flows.payroll import PayrollFlow
from teller import StateError
from teller.flow import load_flow
from teller.people import Person
from teller.runs import submit
from teller.schedule import QUEUED, queue_run, take_queued
from teller.settings import load_settings
from teller.store import NewItem, Store, open_store
from tests._people import Team
from tests.conftest import AUDIT_KEY

CLERK = Person(id=1, username="clerk", roles=frozenset({"operator"}), session="s1")


def _queued(store: Store, count: int) -> list[str]:
    made = []
    for n in range(count):
        run_id = store.create_run(
            flow="payroll",
            batch_id=f"B{n}",
            input_file="pay.xlsx",
            input_sha256="0" * 64,
            submitted_by="clerk",
            items=[NewItem(seq=1, key=f"B{n}:1", amount=Decimal("10.00"))],
        )
        queue_run(store, run_id, by=CLERK)
        made.append(run_id)
    return made


def test_two_claimers_never_both_take_one_queued_run(store: Store) -> None:
    runs = _queued(store, 12)
    assert {r.id for r in store.runs(status=QUEUED)} == set(runs)
    other = Store(store.engine.url.render_as_string(hide_password=False), audit_key=AUDIT_KEY)
    start = threading.Barrier(2)
    taken: dict[str, list[str]] = {"a": [], "b": []}

    def claim(name: str, by: Store) -> None:
        start.wait()
        for run_id in runs:
            if by.move_run(run_id, source=QUEUED, target="taken"):
                taken[name].append(run_id)

    try:
        threads = [
            threading.Thread(target=claim, args=("a", store)),
            threading.Thread(target=claim, args=("b", other)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        other.close()
    assert not set(taken["a"]) & set(taken["b"])
    assert sorted(taken["a"] + taken["b"]) == sorted(runs)
    assert store.runs(status=QUEUED) == []
    assert {store.run(r).status for r in runs} == {"taken"}


def test_only_a_run_just_loaded_is_queued(store: Store) -> None:
    [run_id] = _queued(store, 1)
    with pytest.raises(StateError, match="not just loaded"):
        queue_run(store, run_id, by=CLERK)  # queued already
    assert [e.target for e in store.events(run_id)].count("queued") == 1


def test_a_queued_run_whose_maker_was_disabled_is_taken_and_not_run(project: Path) -> None:
    team = Team(project, {"clerk": ("operator",)})
    settings = load_settings(project)
    book = PayrollFlow().sample(project / "pay.xlsx", lines=3, console_url=None, seed=2).path
    flow = load_flow("payroll", settings=settings)
    store = open_store(settings)
    try:
        run_id = submit(settings, store, flow, flow.load(book), submitted_by="clerk")
        queue_run(store, run_id, by=CLERK)
        team.invoke(["users", "disable", "clerk", "--reason", "left the bank"])  # as admin
        assert take_queued(str(project)) == [run_id]
        assert take_queued(str(project)) == []  # taken once
        assert store.run(run_id).status == "refused"
        [said] = [e for e in store.events(run_id) if e.target == "not run"]
        assert "no longer an enabled user" in (said.reason or "")
        assert "started" not in {e.target for e in store.events(run_id)}
        assert {i.state for i in store.items(run_id)} <= {"auto_approved", "needs_approval"}
    finally:
        store.close()
