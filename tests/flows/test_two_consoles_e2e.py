"""One payroll flow, two vendors' consoles, chosen by configuration; each ledger judges.

corebank is paid as `[flows.payroll]`, coreplus as `[flows.payroll-coreplus]` (the same
flow, another console map, another policy): side by side, then coreplus under kills, with
its configuration changed before the resume (a run goes back to the console it began on).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from teller.flow import load_flow
from teller.runner import Runner
from teller.runs import submit
from teller.settings import Settings, load_settings
from teller.store import Store, open_store
from tests._chaos import resume_until_done
from tests._console_server import Server
from tests._people import Team

pytestmark = pytest.mark.e2e

FLOWS = """
[flows.payroll]
console = "corebank"

[flows.payroll-coreplus]
flow = "payroll"
console = "coreplus"
policy = "policies/payroll-coreplus.toml"
"""


def wire(project: Path, corebank: Server, coreplus: Server, flows: str = FLOWS) -> Settings:
    toml = corebank.settings_toml(preamble="contexts = 2\nretry_backoff = 0.05\n")
    toml += "\n" + coreplus.settings_toml(mode=None, preamble="") + flows
    (project / "teller.toml").write_text(toml, encoding="utf-8")
    return load_settings(project)


def load(settings: Settings, store: Store, name: str, server: Server, path: Path, seed: int) -> str:
    flow = load_flow(name, settings=settings)
    sample = flow.sample(path, lines=12, console_url=server.base_url, seed=seed, over_limit=1)
    return submit(settings, store, flow, flow.load(sample.path), submitted_by="clerk")


def paid(server: Server, table_account: str) -> dict[str, tuple[str, Decimal, str]]:
    """Reference -> (payee account, amount, txn no) of every transfer in a console's ledger."""
    rows = server.rows(f"SELECT reference, {table_account}, amount, txn_no FROM transfers")
    references = [r[0] for r in rows]
    assert len(references) == len(set(references)), "a reference was paid twice"
    return {r[0]: (r[1], Decimal(r[2]), r[3]) for r in rows}


def expect(store: Store, run_id: str) -> dict[str, tuple[str, Decimal, str]]:
    """What the store says was paid: each done line with its account, amount and receipt."""
    return {
        i.key: (i.payload["account_no"], i.amount or Decimal(0), i.receipt or "")
        for i in store.items(run_id)
        if i.state == "done"
    }


def test_one_flow_pays_into_two_consoles_side_by_side(
    project: Path, corebank: Server, coreplus: Server, tmp_path: Path
) -> None:
    settings = wire(project, corebank, coreplus)
    store = open_store(settings)
    first = load(settings, store, "payroll", corebank, tmp_path / "a.xlsx", seed=21)
    second = load(settings, store, "payroll-coreplus", coreplus, tmp_path / "b.xlsx", seed=22)
    assert (store.run(first).console, store.run(second).console) == ("corebank", "coreplus")
    assert store.run(second).policy_source.endswith("payroll-coreplus.toml")

    async def both() -> list[Path | None]:
        runners = [
            Runner(settings=settings, store=store, flow=load_flow(r.flow, settings=settings, run=r))
            for r in (store.run(first), store.run(second))
        ]
        return list(await asyncio.gather(runners[0].run(first), runners[1].run(second)))

    reports = asyncio.run(both())
    # each console holds exactly its own run's paid lines, with their figures; none crossed
    assert paid(corebank, "credit_account") == expect(store, first)
    assert paid(coreplus, "payee_account") == expect(store, second)
    for run_id in (first, second):
        states = [i.state for i in store.items(run_id)]
        assert states.count("done") == 11 and states.count("needs_approval") == 1
    for report in reports:
        assert report is not None
        summary = {
            r[0]: r[1] for r in load_workbook(report)["Summary"].iter_rows(values_only=True) if r
        }
        figures = " ".join(f"{k}={v}" for k, v in summary.items())
        assert any(str(k).startswith("Matched") and v == 11 for k, v in summary.items()), figures


def test_killed_on_coreplus_and_resumed_after_the_configuration_changed(
    project: Path, corebank: Server, coreplus: Server, tmp_path: Path
) -> None:
    settings = wire(project, corebank, coreplus)
    store = open_store(settings)
    run_id = load(settings, store, "payroll-coreplus", coreplus, tmp_path / "b.xlsx", seed=23)
    # someone points the configuration at corebank before the resume: the run stays put
    wire(project, corebank, coreplus, FLOWS.replace('console = "coreplus"', 'console = "corebank"'))
    assert load_flow("payroll-coreplus", settings=load_settings(project)).console == "corebank"
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")
    result = resume_until_done(
        project, store, run_id, kills=4, seed=18, log=tmp_path / "resumes.log", env=team.env
    )
    assert result.kills >= 3
    assert paid(coreplus, "payee_account") == expect(store, run_id)
    assert len(expect(store, run_id)) == 11
    assert corebank.rows("SELECT COUNT(*) FROM transfers") == [(0,)]
