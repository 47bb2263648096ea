"""Which flow, console and policy a name means: `[flows.<name>]`, and a run's own record."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.payroll import PayrollFlow
from teller import ConfigError
from teller.flow import load_flow
from teller.runs import policy_path, submit
from teller.settings import FlowSettings, Settings
from teller.store import Store
from tests.teller.test_seal import LINES, Lines


def _settings(project: Path, **flows: FlowSettings) -> Settings:
    return Settings(mode="sandbox", project=project, flows=flows)


def test_a_flow_by_its_registered_name_keeps_its_defaults(tmp_path: Path) -> None:
    flow = load_flow("payroll", settings=_settings(tmp_path))
    assert isinstance(flow, PayrollFlow)
    assert (flow.name, flow.console, flow.policy) == ("payroll", "corebank", None)
    assert policy_path(_settings(tmp_path), flow) == tmp_path / "policies" / "payroll.toml"


def test_a_second_configuration_of_one_flow_names_its_console_and_policy(
    tmp_path: Path,
) -> None:
    settings = _settings(
        tmp_path,
        **{
            "payroll-b": FlowSettings(
                flow="payroll", console="coreplus", policy=Path("policies/b.toml")
            )
        },
    )
    flow = load_flow("payroll-b", settings=settings)
    assert isinstance(flow, PayrollFlow)
    assert (flow.name, flow.console) == ("payroll-b", "coreplus")
    assert policy_path(settings, flow) == tmp_path / "policies" / "b.toml"
    # the first configuration is untouched by the second
    assert load_flow("payroll", settings=settings).console == "corebank"


def test_an_unknown_flow_names_what_is_known(tmp_path: Path) -> None:
    settings = _settings(tmp_path, odd=FlowSettings(flow="no-such-flow"))
    with pytest.raises(ConfigError, match="no teller.flows entry point 'no-such-flow'"):
        load_flow("odd", settings=settings)


def test_a_run_is_carried_on_where_it_began(store: Store, tmp_path: Path) -> None:
    """The console and policy a run recorded win over a configuration changed since."""
    policy = tmp_path / "policies" / "scripted.toml"
    policy.parent.mkdir()
    policy.write_text('auto_limit = "1000.00"\n', encoding="utf-8")
    flow = Lines(LINES)
    flow.console = "corebank"
    settings = _settings(tmp_path)
    run_id = submit(settings, store, flow, flow.load(tmp_path / "x"), submitted_by="maker")
    run = store.run(run_id)
    assert (run.console, run.policy_source) == ("corebank", str(policy))

    changed = _settings(
        tmp_path,
        payroll=FlowSettings(console="coreplus", policy=Path("policies/other.toml")),
    )
    assert load_flow("payroll", settings=changed).console == "coreplus"
    resumed = load_flow("payroll", settings=changed, run=run)
    assert resumed.console == "corebank"
    assert policy_path(changed, resumed) == policy


def test_the_luhn_rule_follows_the_consoles_accounts() -> None:
    """corebank's accounts carry a check digit, coreplus's do not: each policy says so."""
    from datetime import date
    from decimal import Decimal

    from teller.gate import Gate, GateLine
    from teller.runs import policy_for
    from teller.settings import load_settings

    root = Path(__file__).resolve().parents[2]
    settings = load_settings(root)
    line = GateLine(
        key="B:E1",
        amount=Decimal("100.00"),
        party="E1",
        account="6217000010000000001",  # 19 digits, no Luhn check digit
        name="李四",
        day=date.today(),
    )
    decided = {}
    for name in ("payroll", "payroll-coreplus"):
        flow = load_flow(name, settings=settings)
        (decision,) = Gate(policy_for(settings, flow)).decide([line])
        decided[name] = [r.rule for r in decision.rules]
    assert "luhn" in decided["payroll"]
    assert "luhn" not in decided["payroll-coreplus"]
