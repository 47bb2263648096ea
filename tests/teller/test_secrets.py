"""Secret references: each kind read at the moment it is needed, none ever shown."""

from __future__ import annotations

import base64
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pyotp
import pytest
from keyring.backend import KeyringBackend
from keyrings.alt.file import PlaintextKeyring
from loguru import logger

from teller import ConfigError
from teller.logs import configure
from teller.settings import Settings, load_settings

SECRET = "Sx-7f3e9a1c-rotate-me"


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """keyrings.alt's plain-text file keyring, in tmp_path, as the process's keyring."""
    before: KeyringBackend = keyring.get_keyring()
    ring = PlaintextKeyring()
    ring.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def project_with(tmp_path: Path, password: str, *, mode: str = "sandbox", extra: str = "") -> Path:
    """A project whose corebank password is written as ``password`` (a TOML value)."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    (folder / "teller.toml").write_text(
        f'mode = "{mode}"\n[consoles.corebank]\nbase_url = "http://127.0.0.1:1"\n'
        f'user = "teller01"\npassword = {password}\n{extra}',
        encoding="utf-8",
    )
    return folder


def private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def refused(settings: Settings) -> str:
    with pytest.raises(ConfigError) as caught:
        settings.console_password("corebank")
    message = str(caught.value)
    assert SECRET not in message and SECRET not in repr(caught.value)
    assert "teller.toml" in message and "consoles.corebank.password" in message
    return message


def test_env_is_read_at_each_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(project_with(tmp_path, '{ env = "COREBANK_PASSWORD" }'))
    monkeypatch.setenv("COREBANK_PASSWORD", SECRET)
    assert settings.console_password("corebank") == SECRET
    monkeypatch.setenv("COREBANK_PASSWORD", SECRET + "-rotated")
    assert settings.console_password("corebank") == SECRET + "-rotated"
    monkeypatch.delenv("COREBANK_PASSWORD")
    assert "environment variable COREBANK_PASSWORD is not set" in refused(settings)


def test_keyring_entry_is_read_and_a_missing_one_named(
    tmp_path: Path, file_keyring: PlaintextKeyring
) -> None:
    settings = load_settings(project_with(tmp_path, '{ keyring = "teller/corebank" }'))
    message = refused(settings)
    assert "no keyring entry for service 'teller' user 'corebank'" in message
    file_keyring.set_password("teller", "corebank", SECRET)
    assert settings.console_password("corebank") == SECRET
    file_keyring.set_password("teller", "corebank", SECRET + "-rotated")
    assert settings.console_password("corebank") == SECRET + "-rotated"


def test_a_keyring_reference_needs_service_and_user(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='consoles.corebank.password.keyring: .*"service/user"'):
        load_settings(project_with(tmp_path, '{ keyring = "corebank" }'))


def test_file_is_read_whole_without_its_newline_and_rotates(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, '{ file = "private/corebank.password" }'))
    path = private(settings.project / "private" / "corebank.password", SECRET + "\n")
    assert settings.console_password("corebank") == SECRET
    private(path, SECRET + "-rotated\n")
    assert settings.console_password("corebank") == SECRET + "-rotated"


def test_a_file_others_may_read_is_refused(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, '{ file = "private/corebank.password" }'))
    path = private(settings.project / "private" / "corebank.password", SECRET, mode=0o644)
    message = refused(settings)
    assert "mode 0644; it must be 0600" in message and str(path) in message
    path.chmod(0o640)
    assert "mode 0640" in refused(settings)
    path.unlink()
    assert "not found" in refused(settings)


def test_command_output_is_the_secret(tmp_path: Path) -> None:
    vault = private(tmp_path / "vault.py", f"print({SECRET!r})\n")
    settings = load_settings(
        project_with(tmp_path, f'{{ command = ["{sys.executable}", "{vault}"] }}')
    )
    assert settings.console_password("corebank") == SECRET


def test_a_failing_command_is_refused_without_its_output(tmp_path: Path) -> None:
    # a vault that prints the secret, then fails: neither stream may reach the message
    vault = private(
        tmp_path / "vault.py",
        f"import sys\nprint({SECRET!r})\nprint({SECRET!r}, file=sys.stderr)\nsys.exit(3)\n",
    )
    settings = load_settings(
        project_with(tmp_path, f'{{ command = ["{sys.executable}", "{vault}"] }}')
    )
    assert "failed with exit code 3" in refused(settings)
    private(vault, "pass\n")
    assert "printed nothing" in refused(settings)
    private(vault, "import time\ntime.sleep(5)\n")
    slow = f'{{ command = ["{sys.executable}", "{vault}"], timeout = 0.5 }}'
    assert "no answer within 0.5s" in refused(load_settings(project_with(tmp_path, slow)))
    missing = load_settings(project_with(tmp_path, '{ command = ["no-such-vault-cli"] }'))
    assert "command 'no-such-vault-cli' not found" in refused(missing)


def test_a_sandbox_secret_is_made_once_private_and_kept(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, "{ sandbox = true }"))
    first = settings.console_password("corebank")
    assert len(first) >= 20 and settings.console_password("corebank") == first
    path = settings.project / "var" / "secrets" / "corebank.password"
    assert path.read_text(encoding="utf-8").strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["corebank.password"]  # no draft left behind


def test_a_sandbox_totp_is_a_base32_seed_and_a_password_is_not(tmp_path: Path) -> None:
    folder = project_with(tmp_path, "{ sandbox = true }", extra="totp = { sandbox = true }\n")
    settings = load_settings(folder)
    seed = settings.console_totp_seed("corebank")
    assert seed is not None and re.fullmatch(r"[A-Z2-7]{32}", seed)
    assert len(base64.b32decode(seed)) == 20  # 160 bits, as RFC 4226 recommends
    assert settings.console_totp_seed("corebank") == seed  # made once, then kept
    path = folder / "var" / "secrets" / "corebank.totp"
    assert path.read_text(encoding="utf-8") == seed + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = pyotp.TOTP(seed).now()
    assert settings.console_code("corebank") in (before, pyotp.TOTP(seed).now())
    password = settings.console_password("corebank")
    assert len(password) == 24 and not re.fullmatch(r"[A-Z2-7]+", password)
    assert settings.console_secrets("corebank") == (password, seed)


def test_a_literal_is_hidden_in_repr_and_errors(tmp_path: Path) -> None:
    settings = load_settings(project_with(tmp_path, f'"{SECRET}"'))
    assert settings.console_password("corebank") == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert SECRET not in settings.model_dump_json()


def test_every_value_read_is_masked_in_the_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(project_with(tmp_path, '{ env = "COREBANK_PASSWORD" }'))
    monkeypatch.setenv("COREBANK_PASSWORD", SECRET + "-log")
    configure(level="INFO")
    logger.info("about to use {}", settings.console_password("corebank"))
    err = capsys.readouterr().err
    assert "about to use ******" in err and SECRET not in err


def test_a_one_time_code_comes_from_the_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = pyotp.random_base32()
    monkeypatch.setenv("COREBANK_TOTP", seed)
    folder = project_with(tmp_path, '"p"', extra='totp = { env = "COREBANK_TOTP" }\n')
    settings = load_settings(folder)
    before = pyotp.TOTP(seed).now()
    code = settings.console_code("corebank")
    assert code in (before, pyotp.TOTP(seed).now())  # a 30 s window may turn in between
    assert settings.console_secrets("corebank") == ("p", seed)
    monkeypatch.setenv("COREBANK_TOTP", "not base32 !" + SECRET)
    with pytest.raises(ConfigError, match="consoles.corebank.totp: not a base32") as caught:
        settings.console_code("corebank")
    assert SECRET not in str(caught.value)
    assert load_settings(project_with(tmp_path, '"p"')).console_code("corebank") is None


def test_a_reference_of_no_known_kind_says_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(project_with(tmp_path, '{ vault = "x" }'))
    message = str(caught.value)
    assert "field consoles.corebank.password: expected a secret reference" in message
    assert "Where secrets go" in message
