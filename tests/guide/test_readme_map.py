"""The README's console-map walk-through, run from a bank's own project.

`teller init` writes the project; the blocks the section names with a `File:` line are
written into it; its `make test` installs it beside Teller's engine wheel (built here, no
sandbox in it) in a fresh virtual environment and runs the project's own tests; the batch
is paid by that environment's `teller`, through the project's own flow entry point, on
the coreplus sandbox console, which stands in for "mybank". The console's own ledger
decides; the reconciliation must match every line.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import zipfile
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
UV = Path(sys.executable).with_name("uv")
KEYS = {
    "TELLER_SEAL_KEY": "seal key of the guide's project, 32+ chars",
    "TELLER_AUDIT_KEY": "audit key of the guide's project, 32+ chars",
}
# what the fresh environment holds: its flows, its bots, and whether the sandbox is there
PROBE = """
import json, importlib.util
from importlib.metadata import entry_points
print(json.dumps({
    "flows": {e.name: e.value for e in entry_points(group="teller.flows")},
    "bots": {e.name: e.value for e in entry_points(group="teller.bots")},
    "sandbox": [m for m in ("consoles", "sandbox", "flask") if importlib.util.find_spec(m)],
}))
"""


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    return readme[start : readme.index("\n## ", start + len(SECTION))]


def commands(text: str, start: str) -> list[list[str]]:
    """The section's command lines that begin with ``start``, each without its comment."""
    lines = re.findall(rf"^{re.escape(start)}[^\n]*", text, re.M)
    return [shlex.split(line.split("#")[0]) for line in lines]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Teller's engine wheel, built from this checkout, and the lock's pins for its needs."""
    out = tmp_path_factory.mktemp("engine")
    built = subprocess.run(
        [UV, "build", "--wheel", "--quiet", "--out-dir", out, ROOT], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    pins = out / "pins.txt"
    exported = subprocess.run(
        [UV, "export", "--frozen", "--no-emit-workspace", "--no-hashes", "--quiet", "-o", pins],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert exported.returncode == 0, exported.stderr
    (wheel,) = out.glob("teller-*.whl")
    return wheel, pins


def test_the_engine_wheel_holds_no_content_and_no_sandbox(engine: tuple[Path, Path]) -> None:
    wheel, _ = engine
    with zipfile.ZipFile(wheel) as files:
        names = files.namelist()
        metadata = files.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {
        "teller"
    }
    # what `teller init` writes, and the Desk's pages, travel with the engine
    assert "teller/project/template/Makefile" in names
    assert {"teller/desk/templates/base.html", "teller/desk/static/desk.css"} <= set(names)
    assert any(n.startswith("teller/desk/static/vendor/htmx-") for n in names)
    assert "teller/desk/locale/zh_Hans_CN/desk.po" in names
    needs = [line for line in metadata.decode().splitlines() if line.startswith("Requires-Dist")]
    assert not [
        n for n in needs if re.search(r"flask|teller-sandbox", n, re.I) and "extra" not in n
    ]
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    with zipfile.ZipFile(wheel) as files:
        assert "teller.flows" not in files.read(entry).decode()  # the engine registers no flow


def test_the_walk_through_pays_a_batch_from_the_banks_own_project(
    tmp_path: Path, coreplus: Server, engine: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = section()
    wheel, pins = engine
    (init_args,) = commands(text, "teller init")
    made = subprocess.run(
        [sys.executable, "-m", "teller", *init_args[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / init_args[2]
    files = guide_files(text)
    assert set(files) == {"selectors/mybank.yaml", "policies/payroll.toml", "teller.toml"}
    for path, body in files.items():
        if path == "teller.toml":  # the stand-in console's address, as a newcomer edits it
            body = body.replace("http://127.0.0.1:8605", coreplus.base_url)
        (project / path).write_text(body, encoding="utf-8")
    assert coreplus.totp_seed is not None
    for name, value in {
        **KEYS,
        "MYBANK_PASSWORD": coreplus.password,
        "MYBANK_TOTP_SEED": coreplus.totp_seed,
    }.items():
        monkeypatch.setenv(name, value)

    # make test: .venv with the engine wheel and the project, then the project's own tests
    steps = [c for c in commands(text, "make ") + commands(text, ".venv/bin/teller ")]
    assert steps[0] == ["make", "test"]
    install = f"{UV} pip install --quiet --python .venv/bin/python -c {pins}"
    tested = subprocess.run(
        ["make", "test", f"TELLER={wheel}", f"INSTALL={install}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert "4 passed" in tested.stdout
    probe = subprocess.run(
        [project / ".venv/bin/python", "-c", PROBE], cwd=tmp_path, capture_output=True, text=True
    )
    found = json.loads(probe.stdout)
    assert found == {
        "flows": {"payroll": "flows.payroll:PayrollFlow"},
        "bots": {"mybank": "teller.consolemap:MapBot"},
        "sandbox": [],
    }, probe.stderr

    # the sample batch, from Teller's checkout: its accounts opened on the sandbox console
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / "teller.toml").write_text(
        coreplus.settings_toml()
        + '\n[flows.payroll-coreplus]\nflow = "payroll"\nconsole = "coreplus"\n',
        encoding="utf-8",
    )
    (sample,) = commands(text, "teller sample")
    book = project / "pay.xlsx"
    args = [str(book) if a == "pay.xlsx" else a for a in sample[1:]]
    sampled = subprocess.run(
        [sys.executable, "-m", "teller", *args, "--project", sandbox],
        capture_output=True,
        text=True,
    )
    assert sampled.returncode == 0, sampled.stdout + sampled.stderr

    # an operator of the project's store runs the batch with the project's own teller
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")
    said = []
    for step in steps:
        if step[:2] == ["make", "test"] or "users" in step:
            continue  # done above; the people: by Team, through the same commands
        ran = subprocess.run(
            [project / step[0], *step[1:]],
            cwd=project,
            env=team.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
        said.append(ran.stdout)
    assert len(said) == 2 and "nothing was paid" in said[0]

    store = open_store(load_settings(project))
    (run,) = store.runs()
    assert (run.flow, run.console) == ("payroll", "mybank")
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

    # make demo: the example batch checked, as the signed-in operator
    demo = subprocess.run(
        ["make", "demo", f"TELLER={wheel}", f"INSTALL={install}"],
        cwd=project,
        env=team.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "3 items, valid. Gate: 2 would pass on their own." in demo.stdout
    assert "E00003" in demo.stdout  # above the auto-approval limit: held for a person


def test_the_walk_through_map_is_the_shipped_coreplus_map() -> None:
    """The guide's map is selectors/coreplus.yaml under another console name: one map."""
    guide = guide_files(section())["selectors/mybank.yaml"]
    shipped = (ROOT / "selectors" / "coreplus.yaml").read_text(encoding="utf-8")
    body = "".join(line for line in shipped.splitlines(keepends=True) if not line.startswith("#"))
    assert body == guide.replace("console: mybank\n", "console: coreplus\n", 1)
