"""Four-eyes against a hostile clerk, through the commands people type; the ledger decides.

Every user is made with ``teller users add`` and signs in with ``teller login``; runs are
started and approved by the ``teller`` command; what was paid is read from the sandbox
console's own ledger, never from Teller.
"""

from __future__ import annotations

import os
import pwd
import re
import time
from pathlib import Path

import pytest

from flows.payroll import PayrollFlow
from teller.settings import load_settings
from teller.store import Store, open_store
from tests._console_server import Server
from tests._people import Team

pytestmark = pytest.mark.e2e


def _project(project: Path, corebank: Server, *, dual: bool = False) -> None:
    (project / "teller.toml").write_text(corebank.settings_toml(), encoding="utf-8")
    if dual:  # every line above the auto-approval limit waits for two approvers
        policy = project / "policies" / "payroll.toml"
        text = policy.read_text(encoding="utf-8")
        policy.write_text(text.replace('"200000.00"', '"50000.01"'), encoding="utf-8")


def _sample(project: Path, corebank: Server, seed: int) -> tuple[Path, str]:
    made = PayrollFlow().sample(
        project / f"pay-{seed}.xlsx",
        lines=6,
        console_url=corebank.base_url,
        seed=seed,
        over_limit=2,
    )
    return made.path, made.batch_id


def _paid(corebank: Server, batch_id: str) -> dict[str, int]:
    rows = corebank.rows(
        "SELECT reference, COUNT(*) FROM transfers WHERE reference LIKE ? GROUP BY reference",
        (f"{batch_id}:%",),
    )
    return dict(rows)


def _store(project: Path) -> Store:
    return open_store(load_settings(project))


def _held(project: Path, run_id: str) -> set[str]:
    return {i.key for i in _store(project).items(run_id, states=["needs_approval"])}


def _approve(team: Team, run_id: str) -> tuple[int, str]:
    """``teller approvals approve --run RUN --all --yes`` as whoever signed in last: its exit
    code, and of the words expected, the ones it said (or its whole output)."""
    code, said = team.attempt("approvals", "approve", "--run", run_id, "--all", "--yes")
    for words in EXPECTED:
        if words in said:
            return code, words
    return code, said


EXPECTED = (
    "maker of run",
    "needs the role approver",
    "approved it already",
    "approved 2 item(s)",
    "expired",
    "ended",
)


def _run_id(said: str) -> str:
    found = re.search(r"(R\d{8}-\d{6}-[0-9a-f]{4})", said)
    assert found, said
    return found.group(1)


def test_the_maker_cannot_approve_under_any_spelling_and_one_account_is_not_two_approvers(
    project: Path, corebank: Server
) -> None:
    _project(project, corebank, dual=True)
    team = Team(
        project,
        {
            "alice": ("operator", "approver"),  # a maker who is also a checker of others' work
            "bob": ("approver",),
            "carol": ("approver",),
            "olga": ("operator",),
            "dave": ("auditor",),
        },
    )
    book, batch_id = _sample(project, corebank, seed=41)
    # her own name in another spelling is her own account: she is the maker, and
    # maker-checker refuses her approval
    said = team.invoke(["login", "ＡＬＩＣＥ"], answer=team.answer("alice"))
    assert "signed in as alice" in said
    run_id = _run_id(team.teller("run", "payroll", "--input", str(book)).stdout)
    held = _held(project, run_id)
    assert len(held) == 2 and len(_paid(corebank, batch_id)) == 4
    assert _store(project).run(run_id).submitted_by == "alice"
    assert _approve(team, run_id) == (2, "maker of run")
    # look-alikes of her name or of another's, with her password: no account, no session
    hers = team.passwords["alice"]
    for spelling in ("alice\u200b", "аlice", "al\u00adice", "bob\u200d", "Ьob", "b o b", "BOB"):
        said = team.invoke(["login", spelling], answer=f"{hers}\n000000\n", check=False)
        assert "signed in" not in said and ("refused" in said), (spelling, said)
    # users without the approver role cannot approve, whatever they type
    for name in ("olga", "dave"):
        team.login(name)
        assert _approve(team, run_id) == (2, "needs the role approver")

    # one account is one approver, in one session or another
    team.login("bob")
    assert _approve(team, run_id) == (0, "approved 2 item(s)")
    assert _approve(team, run_id) == (2, "approved it already")
    team.login("olga")
    team.teller("resume", run_id)
    assert set(_paid(corebank, batch_id)).isdisjoint(held)  # one approval of two: unpaid
    assert _held(project, run_id) == held

    team.login("carol")
    assert _approve(team, run_id) == (0, "approved 2 item(s)")
    team.login("olga")
    team.teller("resume", run_id)
    paid = _paid(corebank, batch_id)
    assert held <= set(paid) and set(paid.values()) == {1}
    approvals = {i.key: i.approvals for i in _store(project).items(run_id) if i.key in held}
    for records in approvals.values():  # the account, its session, what was approved
        assert {a["by"] for a in records} == {"bob", "carol"}
        assert all(a["session"] and a["user"] and len(a["hash"]) == 64 for a in records)


def test_a_disabled_user_and_an_expired_session_cannot_act(project: Path, corebank: Server) -> None:
    _project(project, corebank)
    team = Team(project, {"clerk": ("operator",), "bob": ("approver",), "carol": ("approver",)})
    book, batch_id = _sample(project, corebank, seed=42)
    team.login("clerk")
    run_id = _run_id(team.teller("run", "payroll", "--input", str(book)).stdout)
    held = _held(project, run_id)
    assert len(held) == 2

    # an expired session: carol signs in for a few seconds, then tries
    settings_file = project / "teller.toml"
    plain = settings_file.read_text(encoding="utf-8")
    settings_file.write_text("session_minutes = 0.03\n" + plain, encoding="utf-8")
    team.login("carol")
    settings_file.write_text(plain, encoding="utf-8")
    time.sleep(2.5)
    assert _approve(team, run_id) == (2, "expired")

    # a disabled user: their live session stops acting, and they cannot sign in again
    team.login("bob")
    token_file = next((team.config / "teller" / "sessions").iterdir())
    bobs = token_file.read_text()
    team.login("admin")
    team.invoke(["users", "disable", "bob", "--reason", "left the bank"])
    token_file.write_text(bobs)
    assert _approve(team, run_id) == (2, "ended")  # disabling ended every session of hers
    said = team.invoke(["login", "bob"], answer=team.answer("bob"), check=False)
    assert "signed in" not in said and "login refused" in said

    team.login("clerk")
    team.teller("resume", run_id)
    assert set(_paid(corebank, batch_id)).isdisjoint(held)
    assert _held(project, run_id) == held
    trail = [(r.actor, r.what, r.detail) for r in _store(project).audit_records()]
    assert ("admin", "user disabled", "bob: left the bank") in trail
    assert ("bob", "login refused", "account disabled") in trail


def test_a_scheduled_runs_lines_cannot_be_approved_by_its_owner(
    project: Path, corebank: Server
) -> None:
    _project(project, corebank)
    team = Team(
        project, {"alice": ("operator", "approver"), "bob": ("approver",), "olga": ("operator",)}
    )
    (project / "schedules").mkdir(exist_ok=True)
    (project / "schedules" / "pay.toml").write_text(
        'name = "pay"\nflow = "payroll"\nowner = "Alice"\ncron = "0 22 * * *"\n'
        'calendar = "every_day"\ninput = { folder = "var/inbox" }\n',
        encoding="utf-8",
    )
    book, batch_id = _sample(project, corebank, seed=43)
    inbox = project / "var" / "inbox"
    inbox.mkdir(parents=True)
    book.rename(inbox / book.name)
    # dropped by the bank's file transfer account, not by the OS account people sign in from
    # here (whoever dropped it is a maker too: tests/teller/test_runs.py)
    nobody = pwd.getpwnam("nobody")
    os.chown(inbox / book.name, nobody.pw_uid, nobody.pw_gid)
    team.login("olga")  # whoever fires it, the schedule's owner is the maker
    fired = team.teller("schedule", "run", "pay")
    run_id = _run_id(fired.stdout)
    run = _store(project).run(run_id)
    assert (run.submitted_by, run.file_owner) == ("alice", "nobody")  # and the file's owner
    held = _held(project, run_id)
    assert len(held) == 2

    team.login("alice")
    assert _approve(team, run_id) == (2, "maker of run")
    team.login("olga")
    team.teller("resume", run_id)
    assert set(_paid(corebank, batch_id)).isdisjoint(held)

    team.login("bob")
    assert _approve(team, run_id) == (0, "approved 2 item(s)")
    team.login("olga")
    team.teller("resume", run_id)
    assert held <= set(_paid(corebank, batch_id))
