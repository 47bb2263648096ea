"""Production mode: the file decides, secrets are references, no sandbox, a policy per flow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from teller import ConfigError
from teller.flow import load_flow
from teller.gate import Policy
from teller.runs import policy_for
from teller.settings import Settings, load_settings

CONSOLE = '[consoles.corebank]\nbase_url = "http://127.0.0.1:1"\nuser = "teller01"\n'
REFERENCE = 'password = { env = "COREBANK_PASSWORD" }\n'


def project_with(tmp_path: Path, toml: str, *, name: str = "project") -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    (folder / "teller.toml").write_text(toml, encoding="utf-8")
    return folder


def refusal(folder: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(folder)
    return str(caught.value)


def test_production_is_the_default(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, CONSOLE + REFERENCE))
    assert settings.mode == "production" and settings.production
    assert not load_settings(project_with(tmp_path, 'mode = "sandbox"\n')).production


def test_a_password_in_the_file_is_refused_and_told_where_it_goes(tmp_path: Path) -> None:
    message = refusal(project_with(tmp_path, CONSOLE + 'password = "hunter2-in-the-file"\n'))
    assert "teller.toml: consoles.corebank.password:" in message
    assert "refused in production mode" in message and "hunter2" not in message
    for where in ("{ env = ", "{ keyring = ", "{ file = ", "{ command = ", "Where secrets go"):
        assert where in message
    totp = CONSOLE + REFERENCE + 'totp = "JBSWY3DPEHPK3PXP"\n'
    assert "consoles.corebank.totp:" in refusal(project_with(tmp_path, totp))
    assert "JBSWY3DP" not in refusal(project_with(tmp_path, totp))


def test_sandbox_consoles_and_secrets_are_refused(tmp_path: Path) -> None:
    with_db = CONSOLE + REFERENCE + 'db = "var/corebank.db"\n'
    assert "consoles.corebank.db: a sandbox console" in refusal(project_with(tmp_path, with_db))
    made_up = CONSOLE + "password = { sandbox = true }\n"
    message = refusal(project_with(tmp_path, made_up))
    assert "consoles.corebank.password: a sandbox secret" in message
    assert not (tmp_path / "project" / "var").exists()  # nothing was made up


def test_the_environment_may_not_move_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELLER_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    folder = project_with(tmp_path, CONSOLE + REFERENCE)
    message = refusal(folder)
    assert message.startswith(str(folder / "teller.toml"))
    assert (
        "TELLER_DATABASE_URL: production mode takes database_url from teller.toml only" in message
    )
    allowed = project_with(tmp_path, 'allow_env = ["database_url"]\n' + CONSOLE + REFERENCE)
    assert load_settings(allowed).store_url == f"sqlite:///{tmp_path / 'elsewhere.db'}"
    # sandbox mode: an operator's override, as before
    sandbox = project_with(tmp_path, 'mode = "sandbox"\n', name="sandbox")
    assert load_settings(sandbox).store_url.endswith("elsewhere.db")


def test_the_environment_may_not_move_a_console_but_may_tune_harmless_things(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project_with(tmp_path, CONSOLE + REFERENCE)
    monkeypatch.setenv("TELLER_CONTEXTS", "2")
    monkeypatch.setenv("TELLER_LOG_LEVEL", "DEBUG")
    settings = load_settings(folder)
    assert (settings.contexts, settings.log_level) == (2, "DEBUG")
    monkeypatch.setenv("TELLER_CONSOLES__COREBANK__BASE_URL", "http://evil.example")
    assert "TELLER_CONSOLES__COREBANK__BASE_URL: production mode" in refusal(folder)
    monkeypatch.delenv("TELLER_CONSOLES__COREBANK__BASE_URL")
    monkeypatch.setenv("TELLER_CONSOLES__COREBANK__PASSWORD", '{"env": "OTHER"}')
    assert "TELLER_CONSOLES__COREBANK__PASSWORD: production mode" in refusal(folder)
    allowed = project_with(tmp_path, 'allow_env = ["consoles.corebank"]\n' + CONSOLE + REFERENCE)
    assert load_settings(allowed).consoles["corebank"].password.env == "OTHER"  # type: ignore[union-attr]


def test_the_mode_comes_from_the_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELLER_MODE", "sandbox")
    message = refusal(project_with(tmp_path, CONSOLE + 'password = "in-the-file"\n'))
    assert "TELLER_MODE: mode is read from teller.toml only" in message
    monkeypatch.delenv("TELLER_MODE")
    with pytest.raises(ConfigError, match="not a setting the environment may override"):
        load_settings(project_with(tmp_path, 'allow_env = ["mode"]\n'))


@pytest.mark.parametrize("mode", ["production", "sandbox"])
def test_teller_project_never_moves_the_project_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    folder = project_with(tmp_path, f'mode = "{mode}"\n')
    other = project_with(tmp_path, f'mode = "{mode}"\n', name="other")
    monkeypatch.setenv("TELLER_PROJECT", str(other))
    message = refusal(folder)
    assert f"TELLER_PROJECT names another project folder than {folder}" in message
    monkeypatch.setenv("TELLER_PROJECT", str(folder))  # the same folder: nothing to refuse
    assert load_settings(folder).project == folder
    allowed = project_with(tmp_path, f'mode = "{mode}"\nallow_env = ["project"]\n')
    monkeypatch.setenv("TELLER_PROJECT", str(other))
    assert load_settings(allowed).project == other


def test_refuse_in_production(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, ""))
    with pytest.raises(ConfigError, match="teller demo is for the sandbox only"):
        settings.refuse_in_production("teller demo")
    Settings(project=tmp_path, mode="sandbox").refuse_in_production("teller demo")


def test_production_needs_the_flows_policy_file(tmp_path: Path) -> None:
    flow = load_flow("payroll")
    production = Settings(project=tmp_path)
    with pytest.raises(ConfigError) as caught:
        policy_for(production, flow)
    assert str(caught.value) == (
        f"{tmp_path / 'policies' / 'payroll.toml'}: missing; "
        "production mode needs the flow's policy file"
    )
    assert policy_for(Settings(project=tmp_path, mode="sandbox"), flow) == Policy()


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (["demo"], "teller demo"),
        (["consoles", "serve", "corebank"], "teller consoles serve"),
        (["sample", "payroll", "--out", "pay.xlsx"], "teller sample payroll"),
        (["sample", "account-loss"], "teller sample account-loss"),
    ],
)
def test_sandbox_commands_are_refused_in_production(
    tmp_path: Path, command: list[str], what: str
) -> None:
    folder = project_with(tmp_path, CONSOLE + REFERENCE)
    done = teller(folder, *command)
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())  # rich may wrap it
    assert message.startswith(f"error: {folder / 'teller.toml'}: {what}"), message
    assert "is for the sandbox only; this project is in production mode" in message
    assert not (folder / "var" / "corebank.db").exists()


def test_a_sample_workbook_alone_may_be_made_in_production(tmp_path: Path) -> None:
    folder = project_with(tmp_path, CONSOLE + REFERENCE)
    book = tmp_path / "pay.xlsx"
    done = teller(folder, "sample", "payroll", "--out", str(book), "--lines", "3", "--no-console")
    assert done.returncode == 0, done.stdout + done.stderr
    assert book.stat().st_size > 0


def teller(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "teller", *command, "--project", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
        cwd=folder,
    )


def test_production_needs_its_keys_given_and_never_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(project_with(tmp_path, CONSOLE + REFERENCE))
    with pytest.raises(ConfigError, match=r"teller.toml: keys.seal: not set; production"):
        settings.key("seal")
    written = '[keys]\nseal = "a-key-written-in-the-file"\n'
    message = refusal(project_with(tmp_path, CONSOLE + REFERENCE + written))
    assert "keys.seal: a secret written in teller.toml" in message
    assert "a-key-written" not in message
    made_up = refusal(project_with(tmp_path, "[keys]\naudit = { sandbox = true }\n"))
    assert "keys.audit: a sandbox secret" in made_up
    given = project_with(tmp_path, '[keys]\nseal = { env = "SEAL_KEY" }\n')
    monkeypatch.setenv("SEAL_KEY", "k" * 32)
    assert load_settings(given).key("seal") == b"k" * 32
    monkeypatch.setenv("SEAL_KEY", "short")
    with pytest.raises(ConfigError, match="keys.seal: a key of at least 16 characters"):
        load_settings(given).key("seal")


def test_a_sandbox_makes_its_keys_up_once_outside_the_store(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, 'mode = "sandbox"\n'))
    seal, audit = settings.key("seal"), settings.key("audit")
    assert seal != audit and len(seal) >= 16
    assert settings.key("seal") == seal  # the same key next time
    kept = settings.var / "secrets" / "keys.seal"
    assert kept.read_bytes().strip() == seal and kept.stat().st_mode & 0o777 == 0o600
