"""This project's own checks, before any console is touched: its flow is registered and
configured, its console map and policy load, and the example batch passes the console's
rules (a workbook that breaks them is refused whole, nothing paid)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.payroll import PayrollFlow
from teller import InputError
from teller.consolemap import field_rules, payments_of
from teller.flow import console_map, load_flow
from teller.gate import load_policy
from teller.settings import load_settings

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE = PROJECT / "examples" / "payroll.xlsx"


def test_payroll_is_this_projects_flow_on_its_console() -> None:
    settings = load_settings(PROJECT)
    flow = load_flow("payroll", settings=settings)
    assert isinstance(flow, PayrollFlow)
    assert flow.console == settings.flows["payroll"].console


def test_the_console_map_and_the_policy_load() -> None:
    settings = load_settings(PROJECT)
    flow = load_flow("payroll", settings=settings)
    repository = console_map(settings, str(flow.console))
    assert payments_of(repository).transfer.fields  # what a transfer sets, screen by screen
    assert field_rules(repository)  # what the console accepts, checked at load
    assert flow.policy is not None
    assert load_policy(PROJECT / flow.policy).auto_limit > 0


def test_the_example_batch_passes_the_consoles_rules() -> None:
    flow = load_flow("payroll", settings=load_settings(PROJECT))
    batch = flow.load(EXAMPLE)
    assert len(batch.items) == 3
    assert sum(i.amount or Decimal(0) for i in batch.items) == Decimal("77130.50")


def test_a_workbook_the_console_would_refuse_is_refused_whole(tmp_path: Path) -> None:
    book = load_workbook(EXAMPLE)
    book["Payroll"]["C3"] = "622202000000001"  # 15 digits: the console takes 16 to 19
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    flow = load_flow("payroll", settings=load_settings(PROJECT))
    with pytest.raises(InputError, match="row 3, column 'Account No'") as refused:
        flow.load(bad)
    assert "1 problem" in str(refused.value)
