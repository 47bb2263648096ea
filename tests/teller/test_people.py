"""People, roles and sign-in in the store (SQLite and PostgreSQL), as a hostile clerk tries them.

The end-to-end cases, with the console's ledger, are in tests/flows/test_four_eyes.py.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import update

from teller._errors import (
    AccessDenied,
    ApprovalRefused,
    LoginRefused,
    NotSignedIn,
    RoleRequired,
    TransitionRefused,
    UsernameRefused,
)
from teller.clearance import Clearance
from teller.gate import Gate, Policy
from teller.people import LOCK_AFTER, People, Person, canonical
from teller.runs import approve, reject, start_run
from teller.settings import Settings
from teller.store import Store, User
from tests.teller.test_runner import ScriptedFlow, seal_key

PASSWORD = "correct horse battery"
HOST = "robot-1"


def _pw(name: str) -> str:
    """A user's own password (never holding their name)."""
    return f"{PASSWORD} no. {len(name)}{ord(name[0])}"


def _code(seed: str) -> str:
    return pyotp.TOTP(seed).now()


def _people(store: Store) -> tuple[People, Person]:
    people = People(store)
    seed = people.bootstrap("root", password=PASSWORD).seed
    admin, _ = people.login("root", PASSWORD, _code(seed), os_user="ops", host=HOST, minutes=5)
    return people, admin


def _enrolled(people: People, admin: Person, name: str, *roles: str) -> str:
    """Add a user and have them enrol; their TOTP seed."""
    temporary = people.add(admin, name, roles=roles).password
    return people.enrol(name, temporary, _pw(name)).seed


def _sign_in(people: People, name: str, seed: str = "", **options: object) -> Person:
    code = _code(seed) if seed else ""
    opened = dict(os_user="ops", host=HOST, minutes=5)
    opened.update(options)  # type: ignore[arg-type]
    person, _ = people.login(name, _pw(name), code, **opened)  # type: ignore[arg-type]
    return person


@pytest.mark.parametrize("spelling", ["alice", "ALICE", " Alice ", "ａｌｉｃｅ", "ＡＬＩＣＥ"])
def test_one_spelling_per_person(spelling: str) -> None:
    assert canonical(spelling) == "alice"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ali\u200bce", "invisible"),  # zero-width space
        ("al\u00adice", "invisible"),  # soft hyphen
        ("alice\u200d", "invisible"),  # zero-width joiner
        ("аlice", "more than one script"),  # Cyrillic а
        ("alicε", "more than one script"),  # Greek ε
        ("al ice", "space"),
        ("alice\u0353", "combining"),  # a combining mark NFKC does not compose
        ("alice٣", "digit other than 0-9"),
        ("al:ice", "only letters"),
    ],
)
def test_names_that_could_pass_for_another_are_refused(name: str, why: str) -> None:
    with pytest.raises(UsernameRefused, match=why):
        canonical(name)


def test_look_alike_accounts_cannot_be_created(store: Store) -> None:
    people, admin = _people(store)
    people.add(admin, "alice", roles=["operator"])
    with pytest.raises(UsernameRefused, match="exists already"):
        people.add(admin, "ALICE", roles=["approver"])
    for twin in ("a1ice", "al.ice", "a-lice", "aIice", "alic3"):
        with pytest.raises(UsernameRefused, match="could pass for the existing 'alice'"):
            people.add(admin, twin, roles=["approver"])
    assert [u.username for u in people.users()] == ["alice", "root"]


def test_roles_an_admin_cannot_hold_and_bootstrap_only_once(store: Store) -> None:
    people, admin = _people(store)
    with pytest.raises(AccessDenied, match="admin does no payment work"):
        people.add(admin, "boss", roles=["admin", "approver"])
    with pytest.raises(AccessDenied, match="unknown role"):
        people.add(admin, "boss", roles=["superuser"])
    with pytest.raises(AccessDenied, match="has an admin already"):
        people.bootstrap("second", password=PASSWORD)
    clerk = Person(99, "clerk", frozenset({"operator"}), "s")
    with pytest.raises(RoleRequired):
        people.add(clerk, "mallory", roles=["approver"])
    with store.engine.connect() as connection:
        stored = connection.execute(User.__table__.select()).mappings().all()
    assert all(row["password_hash"].startswith("$argon2id$") for row in stored)
    assert not any(PASSWORD in str(dict(row)) for row in stored)


def test_approvers_need_a_one_time_code_that_works_once(store: Store) -> None:
    people, admin = _people(store)
    seed = _enrolled(people, admin, "bob", "approver")
    with pytest.raises(LoginRefused):
        _sign_in(people, "bob")  # no code
    code = _code(seed)
    people.login("bob", _pw("bob"), code, os_user="ops", host=HOST, minutes=5)
    with pytest.raises(LoginRefused):  # the same code again: a replay
        people.login("bob", _pw("bob"), code, os_user="ops", host=HOST, minutes=5)


def test_lock_out_after_repeated_failures(store: Store) -> None:
    people, admin = _people(store)
    _enrolled(people, admin, "olga", "operator")
    for _ in range(LOCK_AFTER):
        with pytest.raises(LoginRefused):
            people.login("olga", "guess " * 3, os_user="ops", host=HOST, minutes=5)
    with pytest.raises(LoginRefused):  # the right password, but locked
        _sign_in(people, "olga")
    trail = [(r.actor, r.what, r.detail) for r in store.audit_records()]
    assert ("olga", "login refused", "wrong password; locked for 15 minutes") in trail
    assert trail[-1][2].startswith("locked until")


def test_sessions_act_only_while_valid(store: Store) -> None:
    people, admin = _people(store)
    _enrolled(people, admin, "olga", "operator")
    token = people.login("olga", _pw("olga"), os_user="ops", host=HOST, minutes=5)[1]
    acting = people.person(token, os_user="ops")
    assert (acting.username, acting.os_user) == ("olga", "ops")
    with pytest.raises(NotSignedIn, match="another OS user"):
        people.person(token, os_user="intruder")
    short = people.login("olga", _pw("olga"), os_user="ops", host=HOST, minutes=0.01)[1]
    time.sleep(0.8)
    with pytest.raises(NotSignedIn, match="expired"):
        people.person(short, os_user="ops")
    people.reset_password(admin, "olga")  # ends her sessions; she must enrol again
    with pytest.raises(NotSignedIn):
        people.person(token, os_user="ops")
    people.logout(token)
    with pytest.raises(NotSignedIn):
        people.person("made-up-token", os_user="ops")


def test_a_disabled_user_cannot_sign_in_or_act(store: Store) -> None:
    people, admin = _people(store)
    _enrolled(people, admin, "olga", "operator")
    token = people.login("olga", _pw("olga"), os_user="ops", host=HOST, minutes=5)[1]
    people.disable(admin, "olga", reason="left")
    with pytest.raises(NotSignedIn):
        people.person(token, os_user="ops")
    with pytest.raises(LoginRefused):
        _sign_in(people, "olga")


def test_roles_are_read_at_each_use(store: Store) -> None:
    people, admin = _people(store)
    seed = _enrolled(people, admin, "bob", "approver")
    person_token = people.login("bob", _pw("bob"), _code(seed), os_user="ops", host=HOST, minutes=5)
    people.set_roles(admin, "bob", ["auditor"])
    assert people.person(person_token[1], os_user="ops").roles == {"auditor"}
    with pytest.raises(AccessDenied, match="own roles"):
        people.set_roles(admin, "root", ["auditor"])
    trail = [(r.actor, r.what, r.detail) for r in store.audit_records()]
    assert ("root", "roles changed", "bob: approver -> auditor") in trail


def test_every_change_to_people_is_in_the_trail_and_no_secret_is(store: Store) -> None:
    people, admin = _people(store)
    temporary = people.add(admin, "olga", roles=["operator"]).password
    seed = people.enrol("olga", temporary, _pw("olga"), os_user="olga-os", host="ws7").seed
    people.disable(admin, "olga", reason="test")
    people.enable(admin, "olga", reason="test")
    said = [(r.actor, r.what) for r in store.audit_records()]
    for entry in [
        ("bootstrap", "user added"),
        ("root", "login"),
        ("root", "user added"),
        ("olga", "enrolled"),
        ("root", "user disabled"),
        ("root", "user enabled"),
    ]:
        assert entry in said
    enrolled = [r.detail for r in store.audit_records() if r.what == "enrolled"]
    assert enrolled == ["own password and second factor (OS user olga-os on ws7)"]
    text = " ".join(f"{r.actor} {r.what} {r.detail}" for r in store.audit_records())
    for secret in (PASSWORD, temporary, seed, _pw("olga")):
        assert secret not in text
    assert store.verify_audit()[1] is None


def _held(store: Store, tmp_path: Path, maker: str) -> int:
    """A run made by ``maker`` whose line "big" waits for two approvers."""
    flow = ScriptedFlow({"small": ["ok"], "big": ["ok"]})
    policy = Policy(auto_limit=Decimal("100.00"), dual_limit=Decimal("200.00"))
    run_id = start_run(
        store,
        flow,
        flow.load(tmp_path / "x"),
        Gate(policy),
        submitted_by=maker,
        key=seal_key(tmp_path),
    )
    return next(i.id for i in store.items(run_id) if i.key == "big")


def _why_not(store: Store, tmp_path: Path, item_id: int) -> str | None:
    """Why the runner would not pay the item now (None: it would)."""
    item = store.item(item_id)
    settings = Settings(mode="sandbox", project=tmp_path)
    run = store.run(item.run_id)
    flow = ScriptedFlow({"small": ["ok"], "big": ["ok"]})
    return Clearance(settings, store, flow, run, key=seal_key(tmp_path)).check(item).reason


def test_maker_checker_compares_accounts(store: Store, tmp_path: Path) -> None:
    people, admin = _people(store)
    seeds = {n: _enrolled(people, admin, n, "operator", "approver") for n in ("alice", "bob")}
    alice = _sign_in(people, "alice", seeds["alice"])
    bob = _sign_in(people, "bob", seeds["bob"])
    item_id = _held(store, tmp_path, "alice")
    with pytest.raises(ApprovalRefused, match="maker"):
        approve(store, item_id, key=seal_key(tmp_path), by=alice)
    with pytest.raises(ApprovalRefused, match="maker"):
        reject(store, item_id, key=seal_key(tmp_path), by=alice, reason="mine")
    approve(store, item_id, key=seal_key(tmp_path), by=bob)
    other_session = Person(bob.id, bob.username, bob.roles, "another-session")
    with pytest.raises(ApprovalRefused, match="already"):
        approve(store, item_id, key=seal_key(tmp_path), by=other_session)
    item = store.item(item_id)
    assert item.state == "needs_approval"
    assert _why_not(store, tmp_path, item_id) == "1 valid approval(s) of 2 needed"
    auditor = Person(7, "dave", frozenset({"auditor"}), "s")
    with pytest.raises(RoleRequired):
        approve(store, item_id, key=seal_key(tmp_path), by=auditor)
    # an approval recorded by hand under the maker's name, or without an account, is void:
    # it breaks the record's seal
    with store.transaction() as session:
        forged = [*item.approvals, {"by": "ALICE", "user": alice.id, "hash": item.content_hash}]
        forged.append({"by": "mallory", "hash": item.content_hash})
        session.execute(update(type(item)).where(type(item).id == item_id).values(approvals=forged))
    assert _why_not(store, tmp_path, item_id).startswith("seal does not match")


def test_a_decision_never_overwrites_one_made_meanwhile(store: Store, tmp_path: Path) -> None:
    people, admin = _people(store)
    seeds = {n: _enrolled(people, admin, n, "approver") for n in ("bob", "carol")}
    item_id = _held(store, tmp_path, "alice")
    seen = store.item(item_id)  # bob looks at the item ...
    approve(
        store, item_id, key=seal_key(tmp_path), by=_sign_in(people, "carol", seeds["carol"])
    )  # ... carol decides
    mine = {"by": "bob", "user": 2, "hash": seen.content_hash}
    with pytest.raises(TransitionRefused, match="another decision"):
        store.move(item_id, "needs_approval", actor="bob", seen=seen.fence, approvals=[mine])
    assert [a["by"] for a in store.item(item_id).approvals] == ["carol"]
