"""The demo's sandbox consoles: one that does not answer is an error, never a hang."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from sandbox import demo as _demo
from teller import ConfigError
from teller.settings import load_settings


def test_a_console_that_never_answers_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # served at the port's root, asked at /elsewhere/admin/health: up, but never healthy
    (tmp_path / "teller.toml").write_text(
        'mode = "sandbox"\n[consoles.corebank]\n'
        f'base_url = "http://127.0.0.1:{port}/elsewhere"\npassword = "pw-for-the-test"\n'
        'db = "var/corebank.db"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(_demo, "START_SECONDS", 4)
    started = time.monotonic()
    with pytest.raises(ConfigError, match="sandbox corebank did not start at .* within 4 s"):
        with _demo.sandbox_console(load_settings(tmp_path)):
            pass
    assert time.monotonic() - started < 30
