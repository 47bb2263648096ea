"""The README's console-map walk-through, run: its map, policy and settings pay a batch.

Every block the section "Paying into your bank's own console" names with a `File:` line is
written to a fresh project; its commands (`teller sample`, `teller run`) run as a signed-in
operator against the coreplus sandbox console, which stands in for "mybank". The console's
own ledger decides; the reconciliation must match every line.
"""

from __future__ import annotations

import re
import shlex
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from teller.settings import load_settings
from teller.store import open_store
from tests._console_server import Server
from tests._people import Team
from tests.guide.test_readme_guide import ROOT, guide_files

pytestmark = pytest.mark.e2e

SECTION = "## Paying into your bank's own console"


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    return readme[start : readme.index("\n## ", start + len(SECTION))]


def commands(text: str) -> list[list[str]]:
    """The `teller ...` command lines of the section, each without its comment."""
    lines = re.findall(r"^teller [^\n]+", text, re.M)
    return [shlex.split(line.split("#")[0])[1:] for line in lines]


def test_the_walk_through_pays_a_batch_by_the_map_alone(tmp_path: Path, coreplus: Server) -> None:
    text = section()
    files = guide_files(text)
    assert set(files) == {"selectors/mybank.yaml", "policies/payroll-mybank.toml", "teller.toml"}
    project = tmp_path / "bank"
    for path, body in files.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(body, encoding="utf-8")
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")
    assert coreplus.totp_seed is not None
    # the guide's secret references, and its console's address, for the stand-in
    team.env.update(
        MYBANK_PASSWORD=coreplus.password,
        MYBANK_TOTP_SEED=coreplus.totp_seed,
        TELLER_CONSOLES__MYBANK__BASE_URL=coreplus.base_url,
    )
    book = project / "pay.xlsx"
    said = []
    for args in commands(text):
        said.append(team.teller(*[str(book) if a == "pay.xlsx" else a for a in args]).stdout)
    assert len(said) == 3 and "nothing was paid" in said[1]

    store = open_store(load_settings(project))
    (run,) = store.runs()
    assert (run.flow, run.console) == ("payroll-mybank", "mybank")
    done = {i.key: i for i in store.items(run.id) if i.state == "done"}
    assert len(done) == 20
    ledger = coreplus.rows("SELECT reference, payee_account, amount, txn_no FROM transfers")
    assert {r[0]: (r[1], Decimal(r[2]), r[3]) for r in ledger} == {
        k: (i.payload["account_no"], i.amount, i.receipt) for k, i in done.items()
    }
    assert run.report_path is not None
    summary = {
        r[0]: r[1] for r in load_workbook(run.report_path)["Summary"].iter_rows(values_only=True)
    }
    assert any(str(k).startswith("Matched") and v == 20 for k, v in summary.items()), summary
    store.close()


def test_the_walk_through_map_is_the_shipped_coreplus_map() -> None:
    """The guide's map is selectors/coreplus.yaml under another console name: one map."""
    guide = guide_files(section())["selectors/mybank.yaml"]
    shipped = (ROOT / "selectors" / "coreplus.yaml").read_text(encoding="utf-8")
    body = "".join(line for line in shipped.splitlines(keepends=True) if not line.startswith("#"))
    assert body == guide.replace("console: mybank\n", "console: coreplus\n", 1)
