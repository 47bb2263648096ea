"""Payroll end to end: real Chromium keys a batch into the sandbox console; the ledger decides.

Nothing here asks the bot what it did: every check reads the console's own SQLite
ledger, and the reconciliation workbook's figures are compared with that ledger.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.payroll import PayrollFlow
from teller.people import Person
from teller.runner import Runner
from teller.runs import approve, submit
from teller.settings import Settings, load_settings
from teller.store import Store, open_store
from tests._console_server import Server
from tests._people import Team
from tests.conftest import set_input

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(project: Path, corebank: Server, tmp_path: Path) -> Settings:
    console = {"base_url": corebank.base_url, "user": corebank.user, "password": corebank.password}
    return load_settings(
        project,
        consoles={"corebank": console},
        database_url=f"sqlite:///{tmp_path / 'teller.db'}",
        contexts=4,
        retry_backoff=0.05,
    )


def _ledger(server: Server, batch_id: str) -> dict[str, tuple[str, Decimal, str]]:
    """Reference -> (credit account, amount, txn no) of every transfer of the batch."""
    rows = server.rows(
        "SELECT reference, credit_account, amount, txn_no FROM transfers WHERE reference LIKE ?",
        (f"{batch_id}:%",),
    )
    references = [r[0] for r in rows]
    assert len(references) == len(set(references)), "a reference was paid twice"
    return {r[0]: (r[1], Decimal(r[2]), r[3]) for r in rows}


def _work(settings: Settings, store: Store, run_id: str) -> Path | None:
    runner = Runner(settings=settings, store=store, flow=PayrollFlow())
    return asyncio.run(runner.run(run_id))


def _summary(report: Path) -> dict[str, object]:
    sheet = load_workbook(report)["Summary"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_a_batch_is_paid_once_per_approved_line(
    settings: Settings, corebank: Server, tmp_path: Path, mode: str
) -> None:
    set_input(settings.project, mode)  # every screen keyed as the mode says
    flow = PayrollFlow()
    sample = flow.sample(
        tmp_path / "pay.xlsx",
        lines=24,
        console_url=corebank.base_url,
        seed=11,
        over_limit=2,
        refused=2,
    )
    store = open_store(settings)
    batch = flow.load(sample.path)
    run_id = submit(settings, store, flow, batch, submitted_by="clerk")
    report = _work(settings, store, run_id)

    items = {i.key: i for i in store.items(run_id)}
    ledger = _ledger(corebank, sample.batch_id)
    held = {k for k, i in items.items() if i.decision == "needs_approval"}
    refused = {k for k, i in items.items() if i.state == "failed_business"}
    assert len(held) == 2 and len(refused) == 2
    # exactly one transfer per paid line, with the line's account and amount; none for the rest
    assert set(ledger) == {k for k, i in items.items() if i.state == "done"}
    assert set(ledger) == set(items) - held - refused
    for key, (account, amount, txn_no) in ledger.items():
        assert (account, amount, txn_no) == (
            items[key].payload["account_no"],
            items[key].amount,
            items[key].receipt,
        )
    for key in refused:
        evidence = Path(items[key].evidence or "")
        assert (evidence / "trace.zip").is_file() and (evidence / "page0.png").is_file()
        assert items[key].attempts == 1  # a business error is never retried

    assert report is not None and report.is_file()
    lines = {
        row[1]: row
        for row in load_workbook(report)["Lines"].iter_rows(min_row=2, values_only=True)
        if row and row[1]
    }
    assert set(lines) == set(items)
    summary = _summary(report)
    paid_total = sum((a for _, a, _ in ledger.values()), Decimal(0))
    assert str(paid_total) in {
        str(Decimal(str(v)).quantize(Decimal("0.01")))
        for v in summary.values()
        if isinstance(v, int | float)
    }

    # the held lines are paid, once, when approved and resumed
    checker = Person(1, "checker", frozenset({"approver"}), "s1")
    for key in held:
        approve(store, items[key].id, by=checker, key=settings.key("seal"), reason="signed off")
    _work(settings, store, run_id)
    ledger = _ledger(corebank, sample.batch_id)
    assert set(ledger) == set(items) - refused
    assert {i.state for i in store.items(run_id) if i.key in held} == {"done"}


def test_a_rejected_batch_reaches_nothing(project: Path, corebank: Server, tmp_path: Path) -> None:
    from openpyxl import load_workbook as open_book

    from teller import InputError

    flow = PayrollFlow()
    sample = flow.sample(tmp_path / "pay.xlsx", lines=5, console_url=corebank.base_url, seed=3)
    book = open_book(sample.path)
    book["Payroll"]["D3"] = "12.345"
    book.save(sample.path)
    with pytest.raises(InputError) as caught:
        flow.load(sample.path)
    assert [(p.sheet, p.row) for p in caught.value.problems][0] == ("Payroll", 3)
    # the command a clerk types: the four good lines are not paid without the fifth
    (project / "teller.toml").write_text(corebank.settings_toml(), encoding="utf-8")
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")
    command = [sys.executable, "-m", "teller", "run", "payroll", "--input", str(sample.path)]
    done = subprocess.run(
        [*command, "--project", str(project)],
        capture_output=True,
        text=True,
        env={**team.env, "COLUMNS": "200"},
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Nothing was paid" in done.stderr
    store = open_store(load_settings(project))
    assert store.runs() == []
    store.close()
    assert corebank.rows("SELECT COUNT(*) FROM transfers") == [(0,)]


def test_no_path_pays_what_the_gate_held(
    settings: Settings, corebank: Server, tmp_path: Path
) -> None:
    """Forced past the gate through the store itself, held lines still reach no console."""
    from sqlalchemy import update

    from teller.store import Item

    flow = PayrollFlow()
    sample = flow.sample(
        tmp_path / "pay.xlsx", lines=8, console_url=corebank.base_url, seed=5, over_limit=3
    )
    store = open_store(settings)
    run_id = submit(settings, store, flow, flow.load(sample.path), submitted_by="clerk")
    held = [i for i in store.items(run_id) if i.state == "needs_approval"]
    assert len(held) == 3
    forged = {held[0].id: "approved", held[1].id: "auto_approved", held[2].id: "retry_wait"}
    with store.engine.begin() as connection:
        for item_id, state in forged.items():
            connection.execute(update(Item).where(Item.id == item_id).values(state=state))
    _work(settings, store, run_id)
    ledger = _ledger(corebank, sample.batch_id)
    assert not {i.key for i in held} & set(ledger)
    assert len(ledger) == 5
    assert {store.item(i).state for i in forged} == {"needs_approval"}
