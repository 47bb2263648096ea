"""A near-duplicate batch end to end: the same payroll again under a new batch id, its
amounts moved by a cent, is held by the shipped policy; the console's ledger shows it
was not paid.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.payroll import PayrollFlow
from teller.runner import Runner
from teller.runs import submit
from teller.settings import Settings, load_settings
from teller.store import Store, open_store
from tests._console_server import Server

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")


@pytest.fixture
def settings(project: Path, corebank: Server, tmp_path: Path) -> Settings:
    console = {"base_url": corebank.base_url, "user": corebank.user, "password": corebank.password}
    return load_settings(
        project,
        consoles={"corebank": console},
        database_url=f"sqlite:///{tmp_path / 'teller.db'}",
        contexts=2,
        retry_backoff=0.05,
    )


def _run(settings: Settings, store: Store, path: Path) -> str:
    flow = PayrollFlow()
    # the gate as a run builds it: the project's policy, and what the store says was paid
    run_id = submit(settings, store, flow, flow.load(path), submitted_by="clerk")
    asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
    return run_id


def _again(original: Path, copy: Path, *, batch_id: str) -> None:
    """The same payroll under a new batch id: amounts a cent off, one line under a new id."""
    book = load_workbook(original)
    lines = book["Payroll"]
    total = Decimal(0)
    for number, row in enumerate(lines.iter_rows(min_row=2), start=1):
        amount = Decimal(str(row[3].value)) + (CENT if number % 2 else -CENT)
        row[3].value = amount
        total += amount
    lines.cell(2, 1).value = "E99999"  # a fresh employee id for the first account
    batch = book["Batch"]
    batch["B1"] = batch_id
    batch["B5"] = total
    book.save(copy)


def _transfers(server: Server, batch_id: str) -> list[tuple[str, str, str]]:
    return server.rows(
        "SELECT reference, credit_account, amount FROM transfers WHERE reference LIKE ?",
        (f"{batch_id}:%",),
    )


def test_a_near_duplicate_batch_under_a_new_id_is_held_and_not_paid(
    settings: Settings, corebank: Server, tmp_path: Path
) -> None:
    flow = PayrollFlow()
    sample = flow.sample(
        tmp_path / "november.xlsx", lines=6, console_url=corebank.base_url, seed=31
    )
    store = open_store(settings)

    first = _run(settings, store, sample.path)
    assert {i.state for i in store.items(first)} == {"done"}
    paid = _transfers(corebank, sample.batch_id)
    assert len(paid) == 6

    again = tmp_path / "november-again.xlsx"
    _again(sample.path, again, batch_id="PAY-AGAIN-0001")
    second = _run(settings, store, again)

    items = store.items(second)
    assert len(items) == 6
    for item in items:
        assert item.state == "needs_approval", (item.key, item.rules)
        assert "duplicate_paid" in {r["rule"] for r in item.rules}, (item.key, item.rules)
        assert item.amount in {Decimal(a) + d for _, _, a in paid for d in (CENT, -CENT)}
    # the console's own ledger: nothing of the second batch, the first paid once
    assert _transfers(corebank, "PAY-AGAIN-0001") == []
    assert corebank.rows("SELECT COUNT(*) FROM transfers") == [(6,)]
    store.close()
