"""A production project logs in to corebank with a password read from each kind of reference,
pays, and leaves the password nowhere: not in its logs, traces, evidence, report or store,
nor in what the command printed. The console's ledger says what was paid.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from flows.payroll import PayrollFlow
from tests._console_server import Server, start_corebank
from tests._leaks import holders
from tests._people import Team

pytestmark = pytest.mark.e2e
KINDS = ["env", "keyring", "file", "command"]


@pytest.fixture
def password() -> str:
    return "Pw" + secrets.token_hex(12)


@pytest.fixture
def guarded(tmp_path: Path, password: str) -> Iterator[Server]:
    """Corebank whose operator password is this test's own."""
    with start_corebank(tmp_path, password=password) as server:
        yield server


def reference(kind: str, password: str, tmp_path: Path, env: dict[str, str]) -> str:
    """Keep ``password`` where ``kind`` reads it; return the TOML that points there."""
    if kind == "env":
        env["COREBANK_PASSWORD"] = password
        return '{ env = "COREBANK_PASSWORD" }'
    if kind == "keyring":
        # keyrings.alt's file keyring, under XDG_DATA_HOME/python_keyring/, for the command too
        env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
        ring = PlaintextKeyring()
        ring.file_path = str(tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg")
        ring.set_password("teller", "corebank", password)
        return '{ keyring = "teller/corebank" }'
    if kind == "file":
        path = tmp_path / "private" / "corebank.password"
        path.parent.mkdir()
        path.write_text(password + "\n", encoding="utf-8")
        path.chmod(0o600)
        return f'{{ file = "{path}" }}'
    vault = tmp_path / "vault.py"  # a vault's CLI: prints the secret it is asked for
    vault.write_text(f"print({password!r})\n", encoding="utf-8")
    return f'{{ command = ["{sys.executable}", "{vault}"] }}'


SEAL_KEY = "a production seal key, kept in a 0600 file"
AUDIT_KEY = "a production audit key, kept in a 0600 file"


def production_project(project: Path, server: Server, secret: str) -> None:
    """No mode line: production. No db: not a sandbox console. The keys in 0600 files
    outside the project, as production needs them given."""
    for name, value in (("seal", SEAL_KEY), ("audit", AUDIT_KEY)):
        key = project.parent / f"{name}.key"
        key.write_text(value + "\n", encoding="utf-8")
        key.chmod(0o600)
    folder = project.parent
    (project / "teller.toml").write_text(
        "contexts = 1\nretry_backoff = 0.05\n"
        f'[keys]\nseal = {{ file = "{folder / "seal.key"}" }}\n'
        f'audit = {{ file = "{folder / "audit.key"}" }}\n'
        f'[consoles.corebank]\nbase_url = "{server.base_url}"\nuser = "{server.user}"\n'
        f"password = {secret}\ntimeout = 8\n",
        encoding="utf-8",
    )


def teller_run(
    project: Path, workbook: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``teller run payroll`` as a signed-in operator of the production project."""
    team = Team(project, {"clerk": ("operator",)})
    team.login("clerk")
    team.env.update(env)
    return team.teller("run", "payroll", "--input", str(workbook), check=False)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_reference_logs_in_and_the_password_is_nowhere(
    kind: str, project: Path, guarded: Server, password: str, tmp_path: Path
) -> None:
    env: dict[str, str] = {}
    production_project(project, guarded, reference(kind, password, tmp_path, env))
    # three lines, one the console refuses: its failed attempt keeps evidence and a trace
    sample = PayrollFlow().sample(
        tmp_path / "pay.xlsx", lines=3, console_url=guarded.base_url, seed=15, refused=1
    )
    done = teller_run(project, sample.path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    paid = guarded.rows(
        "SELECT reference FROM transfers WHERE reference LIKE ?", (f"{sample.batch_id}:%",)
    )
    assert len(paid) == 2  # logged in with the password read through the reference
    var = project / "var"
    assert list(var.glob("runs/*/run.log.jsonl")), "no run log"
    assert list(var.glob("runs/*/evidence/*/trace.zip")), "no trace of the refused line"
    assert list(var.glob("runs/*/evidence/*/*.html")), "no evidence HTML"
    assert list(var.glob("runs/*/reconciliation-*.xlsx")), "no report"
    assert not (var / "secrets").exists()
    assert holders(var, [password]) == []
    assert password not in done.stdout and password not in done.stderr
    assert holders(var, [SEAL_KEY, AUDIT_KEY]) == []
    assert SEAL_KEY not in done.stdout + done.stderr and AUDIT_KEY not in done.stdout + done.stderr


def test_production_without_its_policy_file_pays_nothing(
    project: Path, guarded: Server, password: str, tmp_path: Path
) -> None:
    env: dict[str, str] = {}
    production_project(project, guarded, reference("env", password, tmp_path, env))
    (project / "policies" / "payroll.toml").unlink()
    sample = PayrollFlow().sample(
        tmp_path / "pay.xlsx", lines=3, console_url=guarded.base_url, seed=16
    )
    done = teller_run(project, sample.path, env)
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())  # rich may wrap a long path
    assert "policies/payroll.toml: missing; production mode needs the flow's policy file" in (
        message
    )
    assert guarded.rows("SELECT COUNT(*) FROM transfers") == [(0,)]
