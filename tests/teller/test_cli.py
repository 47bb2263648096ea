"""The ``teller`` command line, as the README uses it, against the sandbox console.

Each command runs as a real process, as the person signed in with ``teller login``;
every payment check reads the console's ledger.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from flows._loss_sample import scenario
from teller.settings import load_settings
from tests._console_server import Server
from tests._people import Team

pytestmark = pytest.mark.e2e


def teller(
    project: Path | None,
    *args: str,
    check: bool = True,
    answer: str | None = None,
    timeout: float = 240,
) -> subprocess.CompletedProcess[str]:
    """A ``teller`` command that needs no sign-in (``sample``, ``demo``, ``report verify``)."""
    env = {**os.environ, "COLUMNS": "200"}
    where = ["--project", str(project)] if project else []
    done = subprocess.run(
        [sys.executable, "-m", "teller", *args, *where],
        capture_output=True,
        input=answer,
        text=True,
        env=env,
        timeout=timeout,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"teller {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
    return done


@pytest.fixture
def wired(project: Path, corebank: Server) -> Path:
    """The project's teller.toml pointed at the test console."""
    (project / "teller.toml").write_text(corebank.settings_toml(), encoding="utf-8")
    return project


def _accounts(book: Path) -> list[str]:
    sheet = load_workbook(book)["Payroll"]
    return [str(row[2]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[2]]


def _paid(server: Server) -> dict[str, int]:
    rows = server.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference")
    return dict(rows)


def test_readme_workflow(wired: Path, corebank: Server, tmp_path: Path) -> None:
    book = tmp_path / "pay.xlsx"
    teller(
        wired,
        "sample",
        "payroll",
        "--lines",
        "12",
        "--over-limit",
        "2",
        "--refused",
        "1",
        "--out",
        str(book),
    )

    # alice submits and, holding the approver role too, tries to approve her own batch
    team = Team(wired, {"alice": ("operator", "approver"), "bob": ("approver",)})
    team.login("alice")
    dry = team.teller("run", "payroll", "--input", str(book), "--dry-run")
    assert "12 items, valid" in dry.stdout and dry.stdout.count("needs_approval") == 2
    assert _paid(corebank) == {}

    run = team.teller("run", "payroll", "--input", str(book))
    run_id = re.search(r"run (R[\d-]+-[0-9a-f]{4})", run.stdout).group(1)  # type: ignore[union-attr]
    paid = _paid(corebank)
    assert len(paid) == 9 and set(paid.values()) == {1}

    assert run_id in team.teller("runs", "list").stdout
    shown = team.teller("runs", "show", run_id).stdout
    assert "failed_business" in shown and "needs_approval" in shown
    accounts = _accounts(book)
    assert "corebank-test-pass" not in shown and not any(a in shown for a in accounts)

    held = team.teller("approvals", "list", "--run", run_id).stdout
    assert "2 item(s) waiting for approval" in held and "auto-approval limit" in held
    refused = team.teller("approvals", "approve", "--run", run_id, "--all", "--yes", check=False)
    assert refused.returncode == 2 and "may not decide" in refused.stderr
    team.login("bob")
    asked = team.teller("approvals", "approve", "--run", run_id, "--all", answer="n\n", check=False)
    assert asked.returncode != 0 and re.search(
        r"approve 2 line\(s\), total [\d,]+\.\d\d\?", asked.stdout
    )
    assert "2 item(s) waiting" in team.teller("approvals", "list", "--run", run_id).stdout
    team.teller("approvals", "approve", "--run", run_id, "--all", "--yes")
    team.login("alice")
    team.teller("resume", run_id)
    paid = _paid(corebank)
    assert len(paid) == 11 and set(paid.values()) == {1}

    log = (wired / "var" / "runs" / run_id / "run.log.jsonl").read_text(encoding="utf-8")
    assert "corebank-test-pass" not in log and not any(a in log for a in accounts)
    assert "****" in log  # accounts were logged, masked
    report = next((wired / "var" / "runs" / run_id).glob("reconciliation-*.xlsx"))
    assert load_workbook(report)["Lines"].max_row == 13
    _check_integrity(team, run_id, report, book)


def _check_integrity(team: Team, run_id: str, report: Path, book: Path) -> None:
    """The auditor's checks: the trail is sound, the report and its sources match."""
    assert "audit trail sound" in team.teller("audit", "verify").stdout
    trail = team.teller("audit", "show", "--run", run_id, "--last", "500").stdout
    assert "login" in trail and "needs_approval -> approved" in trail and "bob" in trail
    checked = teller(team.project, "report", "verify", str(report)).stdout
    assert f"{book}: OK" in checked and "statement" in checked and f"{report.name}: OK" in checked
    data = bytearray(report.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte of the report
    report.write_bytes(bytes(data))
    changed = teller(team.project, "report", "verify", str(report), check=False)
    assert changed.returncode == 1 and f"{report.name}: CHANGED" in changed.stdout
    store = sqlite3.connect(team.project / "var" / "teller.db")
    with store:
        store.execute("UPDATE audit SET detail = detail || ' ' WHERE seq = 7")
    store.close()
    broken = team.teller("audit", "verify", check=False)
    assert broken.returncode == 1 and "audit record 7 changed" in broken.stderr


def test_a_bad_workbook_is_refused_whole(wired: Path, corebank: Server, tmp_path: Path) -> None:
    book = tmp_path / "pay.xlsx"
    teller(wired, "sample", "payroll", "--lines", "6", "--out", str(book))
    workbook = load_workbook(book)
    workbook["Payroll"]["D4"] = "-5"
    workbook["Payroll"]["D5"] = "abc"
    workbook.save(book)
    team = Team(wired, {"clerk": ("operator",)})
    team.login("clerk")
    done = team.teller("run", "payroll", "--input", str(book), check=False)
    assert done.returncode == 2
    assert "row 4" in done.stderr and "row 5" in done.stderr and "Nothing was paid" in done.stderr
    assert _paid(corebank) == {}
    assert not (wired / "var" / "runs").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.timeout(660)
def test_demo_starts_its_consoles_pays_and_freezes(project: Path) -> None:
    consoles = {
        "corebank": ("teller01", "corebank-demo-pass"),
        "servicedesk": ("agent07", "servicedesk-demo-pass"),
        "cif": ("cifview", "cif-demo-pass"),
        "cardadmin": ("cardops", "cardadmin-demo-pass"),
    }
    (project / "teller.toml").write_text(
        'mode = "sandbox"\n'
        + "".join(
            f'[consoles.{name}]\nbase_url = "http://127.0.0.1:{_free_port()}"\n'
            f'user = "{user}"\npassword = "{password}"\ndb = "var/{name}.db"\n'
            for name, (user, password) in consoles.items()
        ),
        encoding="utf-8",
    )
    # about a minute and a half on a quiet 2-core machine; far longer on a loaded one
    done = teller(project, "demo", "--lines", "40", "--tickets", "12", timeout=600)
    assert "teller approvals approve --run" in done.stdout and "report:" in done.stdout
    assert "account-loss: handled 12 items" in done.stdout
    ledger = sqlite3.connect(project / "var" / "corebank.db")
    references = [r for (r,) in ledger.execute("SELECT reference FROM transfers")]
    ledger.close()
    # 40 lines: one above the limit and one the console refuses are not paid
    assert len(references) == len(set(references)) == 38
    desk = sqlite3.connect(project / "var" / "servicedesk.db")
    statuses = Counter(s for (s,) in desk.execute("SELECT status FROM tickets"))
    desk.close()
    expected = Counter(scenario(12).expected.values())
    assert (
        statuses["closed"] == expected["closed"]
        and statuses["handed_over"] == expected["handed_over"]
    )
    reports = list((project / "var" / "reports").glob("loss-handling-*.xlsx"))
    assert len(reports) == 1 and load_workbook(reports[0])["Tickets"].max_row == 13


def test_a_bad_input_of_a_flow_that_pays_nothing_says_nothing_was_done(
    wired: Path, tmp_path: Path
) -> None:
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("not,a,ticket,file\n", encoding="utf-8")
    team = Team(wired, {"clerk": ("operator",)})
    team.login("clerk")
    done = team.teller("run", "account-loss", "--input", str(tickets), check=False)
    assert done.returncode == 2, done.stderr
    assert "Nothing was done: the whole batch is rejected." in done.stderr
    assert "paid" not in done.stderr


def test_consoles_serve_gives_a_console_that_asks_for_codes_the_robots_seed(
    project: Path,
) -> None:
    """`teller consoles serve coreplus` starts it with the project's sandbox TOTP seed."""
    port = _free_port()
    command = [sys.executable, "-m", "teller", "consoles", "serve", "coreplus"]
    command += ["--port", str(port), "--project", str(project)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as web:
            _wait_up(web)
            settings = load_settings(
                project
            )  # the secrets the command made up, as a robot reads them
            token = _form_token(web.get("/login").text)
            user = settings.console("coreplus").user
            password = settings.console_password("coreplus")
            step = web.post(
                "/login", data={"_token": token, "username": user, "password": password}
            )
            assert (step.status_code, step.headers["location"]) == (303, "/login/otp")
            token = _form_token(web.get("/login/otp").text)
            code = settings.console_code("coreplus")
            signed = web.post("/login/otp", data={"_token": token, "otp": code})
            refused = re.findall(r'class="msg-error">([^<]*)', signed.text)
            assert (signed.status_code, signed.headers.get("location"), refused) == (303, "/", [])
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_up(web: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            web.get("/admin/health")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _form_token(html: str) -> str:
    found = re.search(r'name="_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_the_demo_pays_payroll_into_the_second_vendors_console(project: Path) -> None:
    """`teller demo --flow payroll-coreplus`: the same flow, by its console map, on coreplus."""
    (project / "teller.toml").write_text(
        'mode = "sandbox"\n'
        f'[consoles.coreplus]\nbase_url = "http://127.0.0.1:{_free_port()}"\n'
        'user = "cpteller01"\npassword = { sandbox = true }\ntotp = { sandbox = true }\n'
        'db = "var/coreplus.db"\n'
        '[flows.payroll-coreplus]\nflow = "payroll"\nconsole = "coreplus"\n'
        'policy = "policies/payroll-coreplus.toml"\n',
        encoding="utf-8",
    )
    done = teller(project, "demo", "--flow", "payroll-coreplus", "--lines", "20", timeout=600)
    assert "sandbox coreplus console at" in done.stdout and "report:" in done.stdout
    ledger = sqlite3.connect(project / "var" / "coreplus.db")
    references = [r for (r,) in ledger.execute("SELECT reference FROM transfers")]
    ledger.close()
    # 20 lines: one above the limit and one the console refuses are not paid
    assert len(references) == len(set(references)) == 18
