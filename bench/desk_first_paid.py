"""Time from a clerk's submit at the Desk to the first item paid on the console (issue 19).

    .venv/bin/python bench/desk_first_paid.py [--trials 5]

A fresh project (the repository's teller.toml, selectors and policies) pointed at a fresh
corebank sandbox console; people made by the admin's commands (``tests/_people.Team``);
one ``teller scheduler start`` process, started by the clerk signed in, and the Desk served
in this process (uvicorn, ``tests/desk/_desk.serving``). Each trial is a fresh 4-line
payroll workbook (its own batch id, no line held by the gate) driven over HTTP as a clerk
would: the Submit page, the upload with its dry run, then the Submit form. t0 is taken
just before that last POST; then every 50 ms the bench reads the store (the run's status,
its items) and the console's own ledger (``transfers`` in its SQLite file) until the first
transfer with one of the run's references is there. The next trial starts once the run
has ended (the scheduler works one queued run at a time). Seconds from t0:

- ``post``: the Submit POST's answer (the Desk loads, gates and queues the run);
- ``wait``: until the run leaves ``queued`` (the scheduler looks every 3 s);
- ``startup``: from then to the last console sign-in of the run's browser contexts (the
  audit trail's ``login`` records): Chromium's launch, contexts, sign-ins;
- ``first_payment``: from then to the first transfer in the console's ledger;
- ``first_paid``: t0 to that transfer, the figure asked for; ``first_done``: t0 to the
  store showing the first item ``done``.

Prints one JSON line per trial, then one per figure (median, max, the series); a copy of
every line goes to ``bench/results/desk_first_paid-<UTC time>.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from teller.settings import load_settings  # noqa: E402
from teller.store import Store, open_store  # noqa: E402
from tests._console_server import Server, start_corebank  # noqa: E402
from tests._people import Team  # noqa: E402
from tests.desk._desk import PEOPLE, serving, sign_in  # noqa: E402
from tests.desk._workbooks import good_book  # noqa: E402

FIGURES = ("post", "wait", "startup", "first_payment", "first_paid", "first_done")
ENDED = ("finished", "waiting", "failed", "refused", "stopped")
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_cookies(client: httpx.Client) -> None:
    """The Desk's cookies are ``__Host-`` and Secure: a browser sends them to 127.0.0.1
    over HTTP (a secure context), httpx's cookie jar does not; send them all."""

    def add(request: httpx.Request) -> None:
        if client.cookies:
            request.headers["cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())

    client.event_hooks["request"] = [add]


def ready(client: httpx.Client, book: Path) -> dict[str, str]:
    """The Submit page, the upload and its dry run: the Submit form's fields."""
    fields = dict(_HIDDEN.findall(client.get("/submit").text))
    checked = client.post(
        "/submit/check",
        data={"csrf": fields["csrf"], "flow": "payroll"},
        files={"workbook": (book.name, book.read_bytes(), _XLSX)},
    )
    assert checked.status_code == 200, checked.text[:2000]
    form = checked.text.split('class="queue"', 1)[1].split("</form>", 1)[0]
    assert "auto_approved" in checked.text and "needs_approval" not in checked.text
    return dict(_HIDDEN.findall(form))


def ledger_first(console: Server, keys: list[str]) -> bool:
    marks = ",".join("?" * len(keys))
    return bool(console.rows(f"SELECT 1 FROM transfers WHERE reference IN ({marks})", tuple(keys)))


def trial(client: httpx.Client, store: Store, console: Server, book: Path) -> dict[str, Any]:
    form = ready(client, book)
    t0 = time.time()
    answer = client.post("/submit/queue", data=form, follow_redirects=False)
    posted = time.time()
    assert answer.status_code == 303, answer.text[:2000]
    run_id = answer.headers["location"].rsplit("/", 1)[1]
    keys = [item.key for item in store.items(run_id)]
    seen: dict[str, float] = {}
    deadline = t0 + 180
    while len(seen) < 3:
        assert time.time() < deadline, f"run {run_id}: {store.run(run_id).status}, {seen}"
        moment = time.time()
        if "taken" not in seen and store.run(run_id).status != "queued":
            seen["taken"] = moment
        if "paid" not in seen and ledger_first(console, keys):
            seen["paid"] = moment
        if "done" not in seen and store.items(run_id, states=["done"]):
            seen["done"] = moment
        time.sleep(0.05)
    while store.run(run_id).status not in ENDED:
        assert time.time() < deadline, f"run {run_id}: {store.run(run_id).status}"
        time.sleep(0.5)
    run = store.run(run_id)
    logins = [r.at for r in store.audit_records(run_id=run_id) if r.what == "login"]
    signed = max(datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp() for at in logins)
    paid = dict(console.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference"))
    assert run.status == "finished" and {k: paid.get(k) for k in keys} == dict.fromkeys(keys, 1)
    return {
        "figure": "trial",
        "run": run_id,
        "batch": run.batch_id,
        "items": len(keys),
        "logins": len(logins),
        "post": posted - t0,
        "wait": seen["taken"] - t0,
        "startup": signed - seen["taken"],
        "first_payment": seen["paid"] - signed,
        "first_paid": seen["paid"] - t0,
        "first_done": seen["done"] - t0,
        "run_s": (run.finished_at.replace(tzinfo=UTC).timestamp() - t0)
        if run.finished_at
        else None,
    }


def rounded(result: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}


def measure(folder: Path, trials: int, emit: Any) -> None:
    project = folder / "project"
    project.mkdir()
    for part in ("selectors", "policies"):
        shutil.copytree(ROOT / part, project / part)
    with start_corebank(folder) as console:
        (project / "teller.toml").write_text(console.settings_toml(), encoding="utf-8")
        team = Team(project, PEOPLE)
        team.login("clerk")  # the scheduler is started by a signed-in operator
        log = folder / "scheduler.log"
        with log.open("w") as sink:
            command = [sys.executable, "-m", "teller", "scheduler", "start"]
            scheduler = subprocess.Popen(
                [*command, "--project", str(project)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=team.env,
            )
        store = open_store(load_settings(project))
        try:
            deadline = time.monotonic() + 60
            while "scheduler started" not in log.read_text(encoding="utf-8", errors="replace"):
                assert scheduler.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            results = []
            with serving(project) as url, httpx.Client(base_url=url, trust_env=False) as client:
                send_cookies(client)
                sign_in(client, team, "clerk")
                for n in range(trials):
                    book = good_book(
                        folder / f"pay-{n}.xlsx", console_url=console.base_url, seed=101 + n
                    )
                    results.append(trial(client, store, console, book))
                    emit(rounded(results[-1]))
            for figure in FIGURES:
                series = [r[figure] for r in results]
                emit(
                    rounded(
                        {
                            "figure": figure,
                            "trials": len(series),
                            "median_s": statistics.median(series),
                            "max_s": max(series),
                            "series": [round(s, 3) for s in series],
                        }
                    )
                )
        finally:
            store.close()
            scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=60)
            except subprocess.TimeoutExpired:
                scheduler.kill()
                scheduler.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    options = parser.parse_args()
    if options.trials < 1:
        parser.error("--trials: expected at least 1")
    started = datetime.now(UTC)
    out = ROOT / "bench" / "results" / f"desk_first_paid-{started:%Y%m%dT%H%M%SZ}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)

    def emit(result: dict[str, Any]) -> None:
        line = json.dumps(result, ensure_ascii=False)
        print(line, flush=True)
        with out.open("a", encoding="utf-8") as results:
            results.write(line + "\n")

    folder = Path(tempfile.mkdtemp(prefix="teller-first-paid-"))
    try:
        measure(folder, options.trials, emit)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
