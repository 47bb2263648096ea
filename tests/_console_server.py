"""Run a sandbox console in a subprocess for a test: ``start_corebank(tmp_path)``,
``start_coreplus(tmp_path)``, ``start_console(name, ...)``.

with start_corebank(tmp_path, idle_seconds=2) as server:
    server.seed([{"account_no": "6222...", "name": "張三", "balance": "100.00"}])
    ... drive server.base_url, then assert on server.rows("SELECT ...")

with start_corebank(tmp_path, fault_seed=42, fault_rates={"drop_after_commit": 0.1}) as server:
    ... then report server.injected()
"""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "COREPLUS_PASSWORD",
    "COREPLUS_TOTP_SEED",
    "PASSWORD",
    "Server",
    "start_console",
    "start_corebank",
    "start_coreplus",
    "start_spapay",
]

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "corebank-test-pass"
COREPLUS_PASSWORD = "coreplus-test-pass"
# A base32 one-time-code seed, as an authenticator (and pyotp) takes it.
COREPLUS_TOTP_SEED = "KRSXG5CTMVSWI4DMOVZTGMRQGI3A2345"
# The console is on loopback: never through a proxy the environment might name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Server:
    """A running console: where it listens, its ledger file and the operator's password."""

    base_url: str
    db_path: Path
    password: str
    log_path: Path
    user: str = "teller01"
    name: str = "corebank"
    # the operator's one-time-code seed (base32), for a console that asks for codes
    totp_seed: str | None = None

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call an admin endpoint (POST when a body is given) and return its JSON."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/admin/{path.lstrip('/')}",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with _OPENER.open(request, timeout=10) as answer:
            return json.load(answer)

    def faults(self, **settings: Any) -> dict[str, Any]:
        """Change fault injection (``POST /admin/faults``); returns settings and counters.

        E.g. ``server.faults(seed=42, rates={"drop_after_commit": 0.1})``, ``server.faults(reset=True)``.
        """
        return self.admin("faults", settings)

    def injected(self) -> dict[str, int]:
        """What the console injected so far, by fault kind, and ``sessions_expired``."""
        return self.admin("faults")["injected"]

    def settings_toml(
        self,
        *,
        preamble: str = "contexts = 2\nretry_backoff = 0.05\n",
        extra: str = "",
        mode: str | None = "sandbox",
    ) -> str:
        """A teller.toml pointing a project at this console (``extra`` goes in its section).

        Sandbox mode, as the password is written in it; ``mode=None`` leaves the line out
        (for a section joined to another file's top).
        """
        head = "" if mode is None else f'mode = "{mode}"\n'
        totp = "" if self.totp_seed is None else f'totp = "{self.totp_seed}"\n'
        return (
            f'{head}{preamble}\n[consoles.{self.name}]\nbase_url = "{self.base_url}"\n'
            f'user = "{self.user}"\npassword = "{self.password}"\n{totp}{extra}'
        )

    def seed(self, accounts: list[dict[str, str]]) -> None:
        """Upsert accounts (``account_no``, ``name``, ``balance``, optional ``status``)."""
        self.admin("accounts", {"accounts": accounts})

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Query the console's own ledger: the ground truth a test asserts on."""
        with closing(sqlite3.connect(self.db_path)) as db:
            return db.execute(sql, params).fetchall()


@contextmanager
def start_corebank(
    tmp_path: Path,
    *,
    idle_seconds: int = 300,
    latency_ms: int = 0,
    password: str = PASSWORD,
    fault_seed: int | None = None,
    fault_rates: Mapping[str, float] | None = None,
    slow_page_seconds: float | None = None,
    allow_reused_references: bool = False,
) -> Iterator[Server]:
    """Start ``python -m consoles.corebank`` on a free port with a ledger in ``tmp_path``.

    ``fault_seed``, ``fault_rates`` (kind -> chance per transfer POST) and
    ``slow_page_seconds`` start it with fault injection on (``--fault-*`` flags).
    """
    flags = ["--idle-seconds", str(idle_seconds)]
    if fault_seed is not None:
        flags += ["--fault-seed", str(fault_seed)]
    if fault_rates is not None:
        flags += ["--fault-rates", ",".join(f"{k}={v}" for k, v in fault_rates.items())]
    if slow_page_seconds is not None:
        flags += ["--slow-page-seconds", str(slow_page_seconds)]
    if allow_reused_references:
        flags += ["--allow-reused-references"]
    with start_console(
        "corebank", tmp_path, password=password, latency_ms=latency_ms, flags=flags
    ) as server:
        yield server


@contextmanager
def start_coreplus(
    tmp_path: Path,
    *,
    idle_seconds: int = 300,
    latency_ms: int = 0,
    password: str = COREPLUS_PASSWORD,
    totp_seed: str = COREPLUS_TOTP_SEED,
    allow_reused_references: bool = False,
) -> Iterator[Server]:
    """Start ``python -m consoles.coreplus`` on a free port with a ledger in ``tmp_path``.

    Its operator is ``cpteller01``, signing in with ``password`` and then a one-time
    code of ``totp_seed`` (``server.totp_seed``). Faults: ``server.faults(...)``.
    """
    flags = ["--idle-seconds", str(idle_seconds), "--totp-seed", totp_seed]
    if allow_reused_references:
        flags += ["--allow-reused-references"]
    with start_console(
        "coreplus",
        tmp_path,
        password=password,
        user="cpteller01",
        latency_ms=latency_ms,
        flags=flags,
        totp_seed=totp_seed,
    ) as server:
        yield server


@contextmanager
def start_spapay(
    tmp_path: Path,
    *,
    password: str = "spapay-test-pass",
    idle_seconds: int = 300,
    latency_ms: int = 0,
    defaults_seed: int = 1,
    allow_reused_references: bool = False,
) -> Iterator[Server]:
    """Start ``python -m consoles.spapay`` (the single-page payables app) on a free port."""
    flags = ["--idle-seconds", str(idle_seconds), "--defaults-seed", str(defaults_seed)]
    if allow_reused_references:
        flags.append("--allow-reused-references")
    with start_console(
        "spapay", tmp_path, password=password, user="payclerk", latency_ms=latency_ms, flags=flags
    ) as server:
        yield server


@contextmanager
def start_console(
    name: str,
    tmp_path: Path,
    *,
    password: str,
    user: str = "teller01",
    latency_ms: int = 0,
    flags: list[str] | None = None,
    totp_seed: str | None = None,
) -> Iterator[Server]:
    """Start ``python -m consoles.<name>`` on a free port with its database in ``tmp_path``.

    Every sandbox console takes ``--port 0 --db PATH --password P --latency-ms N``,
    announces its URL on its first stdout line and answers ``GET /admin/health``.
    """
    db_path = tmp_path / f"{name}.db"
    log_path = tmp_path / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        f"consoles.{name}",
        "--port",
        "0",
        "--db",
        str(db_path),
        "--password",
        password,
        "--latency-ms",
        str(latency_ms),
        *(flags or []),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log)
        try:
            base_url = _announced_url(process, log_path, name)
            server = Server(
                base_url, db_path, password, log_path, user=user, name=name, totp_seed=totp_seed
            )
            _wait_healthy(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _announced_url(process: subprocess.Popen[bytes], log_path: Path, name: str) -> str:
    """The URL from the console's first stdout line (it was told to pick any free port)."""
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            line = process.stdout.readline().decode()
            for word in line.split():
                if word.startswith("http://"):
                    return word.rstrip("/")
        if process.poll() is not None:
            break
    raise RuntimeError(f"{name} did not start: {log_path.read_text(errors='replace')[-2000:]}")


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if server.admin("health") == {"ok": True}:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)
