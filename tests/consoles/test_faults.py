"""Fault injection on the corebank console: seeded rates, one-shot faults, counters, reset.

Outcomes are read from the console's own ledger, never from what a client believes.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from flask.testing import FlaskClient

from consoles.corebank import FAULT_KINDS, FaultSettingsError, create_app
from consoles.corebank.__main__ import main
from tests._console_server import Server, start_corebank
from tests.consoles.conftest import TRANSFER_LABELS, Page

if TYPE_CHECKING:
    from tests.consoles.conftest import Corebank

A, B = "6222000000001001", "6222000000001002"
ACCOUNTS = [
    {"account_no": A, "name": "張三", "balance": "1000.00", "status": "open"},
    {"account_no": B, "name": "李四", "balance": "50.00", "status": "open"},
]
PAYMENT = {"debit_account": A, "credit_account": B, "payee_name": "李四", "amount": "1.00"}
PRISTINE = {
    "seed": None,
    "rates": dict.fromkeys(FAULT_KINDS, 0.0),
    "draws": 0,
    "armed": dict.fromkeys(FAULT_KINDS, 0),
    "slow_page_seconds": 20.0,
    "expire_session_after": None,
    "latency_ms": 0,
    "injected": dict.fromkeys((*FAULT_KINDS, "sessions_expired"), 0),
}


@pytest.fixture
def corebank(make_corebank: Callable[..., Corebank]) -> Corebank:
    """The console with default options on a seeded ledger."""
    corebank = make_corebank()
    corebank.seed(ACCOUNTS)
    return corebank


def _faults(corebank: Corebank, **settings: Any) -> dict[str, Any]:
    answer = corebank.client().post("/admin/faults", json=settings)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _pay(corebank: Corebank, client: FlaskClient, reference: str) -> int:
    return corebank.transfer(client, **PAYMENT, reference=reference)[0]


def _posted(corebank: Corebank, reference: str) -> bool:
    rows = corebank.query("SELECT COUNT(*) FROM transfers WHERE reference = ?", (reference,))
    return rows == [(1,)]


def _outcomes(corebank: Corebank, prefix: str, count: int) -> list[str]:
    """Pay ``count`` times; what each POST met, as told by status and ledger together."""
    client = corebank.login()
    seen = {(200, True): "ok", (500, False): "error_before_post", (500, True): "error_after_commit"}
    outcomes = []
    for n in range(count):
        reference = f"{prefix}-{n}"
        outcomes.append(seen[_pay(corebank, client, reference), _posted(corebank, reference)])
    return outcomes


def _replayed(seed: int, rates: dict[str, float], count: int) -> list[str]:
    """The documented draw: one ``random()`` per POST walks the rates in FAULT_KINDS order."""
    draw, outcomes = random.Random(seed), []
    for _ in range(count):
        number, bound, outcome = draw.random(), 0.0, "ok"
        for kind in FAULT_KINDS:
            bound += rates.get(kind, 0.0)
            if number < bound:
                outcome = kind
                break
        outcomes.append(outcome)
    return outcomes


# -- seeded rates ----------------------------------------------------------


def test_the_same_seed_gives_the_same_faults(corebank: Corebank) -> None:
    rates = {"error_before_post": 0.25, "error_after_commit": 0.25}
    _faults(corebank, seed=42, rates=rates)
    first = _outcomes(corebank, "FIRST", 24)
    _faults(corebank, reset=True, seed=42, rates=rates)
    second = _outcomes(corebank, "SECOND", 24)
    assert first == second == _replayed(42, rates, 24)
    assert {"ok", "error_before_post", "error_after_commit"} <= set(first)
    report = _faults(corebank)
    assert report["draws"] == 24 and report["seed"] == 42
    assert report["injected"]["error_before_post"] == second.count("error_before_post")
    assert report["injected"]["error_after_commit"] == second.count("error_after_commit")
    _faults(corebank, reset=True, seed=43, rates=rates)
    assert _outcomes(corebank, "OTHER", 24) == _replayed(43, rates, 24) != first


def test_rates_without_a_seed_report_the_seed_they_drew(corebank: Corebank) -> None:
    settings = _faults(corebank, rates={"error_before_post": 0.5})
    assert isinstance(settings["seed"], int)
    assert settings["rates"] == {**dict.fromkeys(FAULT_KINDS, 0.0), "error_before_post": 0.5}


def test_error_before_post_at_rate_one_posts_nothing(corebank: Corebank) -> None:
    _faults(corebank, seed=1, rates={"error_before_post": 1.0})
    client = corebank.login()
    for n in range(3):
        assert _pay(corebank, client, f"NEVER-{n}") == 500
    assert corebank.query("SELECT COUNT(*) FROM transfers") == [(0,)]
    assert corebank.balances()[A] == "1000.00"
    assert _faults(corebank)["injected"]["error_before_post"] == 3


def test_one_shot_faults_take_precedence_over_rates(corebank: Corebank) -> None:
    _faults(corebank, seed=5, rates={"error_before_post": 1.0}, error_after_commit=1)
    client = corebank.login()
    assert _pay(corebank, client, "ARMED") == 500 and _posted(corebank, "ARMED")
    assert _pay(corebank, client, "RATED") == 500 and not _posted(corebank, "RATED")
    report = _faults(corebank)
    assert report["armed"] == dict.fromkeys(FAULT_KINDS, 0)
    assert report["draws"] == 2  # the armed POST drew too, so the sequence stays the seed's
    assert report["injected"]["error_after_commit"] == 1
    assert report["injected"]["error_before_post"] == 1


# -- slow pages and session expiry -----------------------------------------


def test_slow_page_sleeps_then_commits(corebank: Corebank) -> None:
    _faults(corebank, seed=3, rates={"slow_page": 1.0}, slow_page_seconds=0.3)
    client = corebank.login()
    started = time.monotonic()
    status, page = corebank.transfer(client, **PAYMENT, reference="SLOW-1")
    assert time.monotonic() - started >= 0.3
    assert status == 200 and "交易成功 Transaction successful" in page.html
    assert _posted(corebank, "SLOW-1")
    assert _faults(corebank)["injected"]["slow_page"] == 1


def _slow_pay_in_background(
    corebank: Corebank, reference: str
) -> tuple[threading.Thread, list[int]]:
    client, statuses = corebank.login(), list[int]()
    thread = threading.Thread(
        target=lambda: statuses.append(_pay(corebank, client, reference)), daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 5
    while _faults(corebank)["injected"]["slow_page"] == 0:
        assert time.monotonic() < deadline, "the slow page never started"
        time.sleep(0.02)
    return thread, statuses


def test_a_reset_cuts_a_slow_page_short_and_it_posts(corebank: Corebank) -> None:
    _faults(corebank, slow_page=1, slow_page_seconds=60)
    thread, statuses = _slow_pay_in_background(corebank, "WOKEN")
    _faults(corebank, reset=True)
    thread.join(timeout=5)
    assert not thread.is_alive() and statuses == [200]
    assert _posted(corebank, "WOKEN")


def test_stopping_the_console_ends_a_slow_page_without_posting(corebank: Corebank) -> None:
    _faults(corebank, slow_page=1, slow_page_seconds=60)
    thread, statuses = _slow_pay_in_background(corebank, "STOPPED")
    corebank.app.extensions["corebank.faults"].stop()
    thread.join(timeout=5)
    assert not thread.is_alive() and statuses == [500]
    assert not _posted(corebank, "STOPPED")


def test_expire_session_after_two_transfers_ends_every_session_once(corebank: Corebank) -> None:
    payer, onlooker = corebank.login(), corebank.login()
    assert _faults(corebank, expire_session_after=2)["expire_session_after"] == 2
    assert _pay(corebank, payer, "EXP-1") == 200
    assert onlooker.get("/transfer").status_code == 200
    assert _pay(corebank, payer, "EXP-2") == 200  # the second still gets its receipt
    for client in (payer, onlooker):
        assert client.get("/transfer").headers["Location"] == "/login?timeout=1"
    report = _faults(corebank)
    assert report["expire_session_after"] is None
    assert report["injected"]["sessions_expired"] == 1
    again = corebank.login()
    for n in range(3):
        assert _pay(corebank, again, f"EXP-AFTER-{n}") == 200
    assert again.get("/transfer").status_code == 200
    assert _faults(corebank)["injected"]["sessions_expired"] == 1


def test_manual_session_expiry_is_counted(corebank: Corebank) -> None:
    corebank.login()
    assert corebank.client().post("/admin/sessions/expire").get_json() == {"expired": 1}
    assert _faults(corebank)["injected"]["sessions_expired"] == 1


# -- report, reset, refusals -----------------------------------------------


def test_get_reports_settings_and_reset_clears_them(corebank: Corebank) -> None:
    assert corebank.client().get("/admin/faults").get_json() == PRISTINE
    settings = _faults(
        corebank,
        seed=9,
        rates={"error_before_post": 0.1, "drop_after_commit": 0.05},
        slow_page_seconds=1.5,
        expire_session_after=30,
        drop_after_commit=2,
    )
    assert settings == {
        **PRISTINE,
        "seed": 9,
        "rates": {**PRISTINE["rates"], "error_before_post": 0.1, "drop_after_commit": 0.05},
        "armed": {**PRISTINE["armed"], "drop_after_commit": 2},
        "slow_page_seconds": 1.5,
        "expire_session_after": 30,
    }
    assert corebank.client().get("/admin/faults").get_json() == settings
    assert _faults(corebank, reset=True) == PRISTINE
    assert _pay(corebank, corebank.login(), "AFTER-RESET") == 200


@pytest.mark.parametrize(
    "settings",
    [
        {"nonsense": 1},
        {"error_before_post": -1},
        {"slow_page": True},
        {"seed": -1},
        {"seed": "42"},
        {"rates": [0.1]},
        {"rates": {"nonsense": 0.1}},
        {"rates": {"error_before_post": 1.5}},
        {"rates": {"error_before_post": True}},
        {"rates": {"error_before_post": 0.6, "slow_page": 0.6}},
        {"slow_page_seconds": -1},
        {"slow_page_seconds": 601},
        {"expire_session_after": 0},
        {"reset": "yes"},
        {"error_before_post": 1, "rates": {"nonsense": 1.0}},
    ],
)
def test_bad_settings_are_refused_whole(corebank: Corebank, settings: dict[str, Any]) -> None:
    answer = corebank.client().post("/admin/faults", json=settings)
    assert answer.status_code == 400 and "error" in answer.get_json()
    assert corebank.client().get("/admin/faults").get_json() == PRISTINE


def test_create_app_refuses_bad_rates(tmp_path: Path) -> None:
    with pytest.raises(FaultSettingsError, match="unknown fault kinds"):
        create_app(db_path=tmp_path / "corebank.db", fault_rates={"meteor": 0.1})


@pytest.mark.parametrize(
    "flags",
    [
        ["--fault-rates", "error_before_post=2"],
        ["--fault-rates", "meteor=0.1"],
        ["--fault-rates", "error_before_post"],
        ["--fault-rates", "error_before_post=0.7,slow_page=0.7"],
        ["--fault-seed", "-3"],
        ["--slow-page-seconds", "soon"],
    ],
)
def test_cli_refuses_bad_fault_flags(
    tmp_path: Path, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(tmp_path / "corebank.db"), *flags])
    assert exited.value.code == 2
    assert "argument --" in capsys.readouterr().err


# -- the real server: dropped connections, a bot that gave up --------------


def _http_pay(server: Server, reference: str, *, timeout: float = 10) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10) as client:
        token = Page(client.get("/login").text).token
        login = {"_token": token, "username": server.user, "password": server.password}
        assert client.post("/login", data=login).status_code == 303
        form = Page(client.get("/transfer").text)
        values = {**PAYMENT, "reference": reference}
        data = {form.name_of(TRANSFER_LABELS[key]): value for key, value in values.items()}
        return client.post("/transfer", data={**data, "_token": form.token}, timeout=timeout)


def _wait_posted(server: Server, reference: str) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if server.rows("SELECT 1 FROM transfers WHERE reference = ?", (reference,)):
            return True
        time.sleep(0.05)
    return False


def test_faults_from_the_command_line_then_switched_while_running(tmp_path: Path) -> None:
    with start_corebank(tmp_path, fault_seed=7, fault_rates={"drop_after_commit": 1.0}) as server:
        server.seed(ACCOUNTS)
        settings = server.faults()
        assert settings["seed"] == 7 and settings["rates"]["drop_after_commit"] == 1.0
        with pytest.raises(httpx.RemoteProtocolError):
            _http_pay(server, "DROPPED")
        assert _wait_posted(server, "DROPPED")
        assert server.injected()["drop_after_commit"] == 1

        # A page slower than the client's patience: it gives up, the console commits anyway.
        server.faults(reset=True, seed=7, rates={"slow_page": 1.0}, slow_page_seconds=1)
        with pytest.raises(httpx.ReadTimeout):
            _http_pay(server, "GAVE-UP", timeout=0.3)
        assert _wait_posted(server, "GAVE-UP")
        assert server.injected() == {**PRISTINE["injected"], "slow_page": 1}


def test_the_readme_examples_are_what_the_console_takes_and_answers(corebank: Corebank) -> None:
    readme = (Path(__file__).parents[2] / "consoles" / "corebank" / "README.md").read_text()
    settings, answer = (
        json.loads(block) for block in re.findall(r"```json\n(.*?)```", readme, re.S)
    )
    report = _faults(corebank, **settings)
    assert report["seed"] == settings["seed"] and report["rates"] == settings["rates"]
    assert report.keys() == answer.keys()
    for key in ("rates", "armed", "injected"):
        assert report[key].keys() == answer[key].keys()
