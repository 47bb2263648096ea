"""People records as someone who can edit the database attacks them (SQLite, PostgreSQL).

Each attack writes the tables directly, as a database editor would, never through Teller;
each must leave the attacker unable to sign in or act, the refusal in the audit trail.
The rows are sealed with a key derived from the audit key, which the database never holds.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

import pytest
from sqlalchemy import insert, select, text, update

from teller._errors import AccessDenied, LoginRefused, NotSignedIn, RecordChanged
from teller.people import People, Person
from teller.people._credentials import hash_password
from teller.store import LoginSession, Store, User, now
from tests.teller.test_people import PASSWORD, _enrolled, _people, _pw, _sign_in

OPENED = {"os_user": "ops", "host": "robot-1", "minutes": 5}


def _sql(store: Store, statement: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _row(store: Store, name: str) -> User:
    with store.transaction() as session:
        found = session.scalar(select(User).where(User.username == name))
    assert found is not None
    return found


def _refusals(store: Store) -> list[str]:
    return [
        f"{r.actor}: {r.what}: {r.detail}"
        for r in store.audit_records()
        if r.what in ("account record refused", "session refused", "login refused")
    ]


@pytest.fixture
def team(store: Store) -> tuple[People, Person, dict[str, str]]:
    people, admin = _people(store)
    seeds = {
        "clerk": _enrolled(people, admin, "clerk", "operator"),
        "checker": _enrolled(people, admin, "checker", "approver"),
    }
    return people, admin, seeds


EDITS: dict[str, Callable[[Store], object]] = {
    # a clerk gives themselves the approver role
    "role added": lambda s: (
        update(User).where(User.username == "clerk").values(roles=["operator", "approver"])
    ),
    # a disabled account enabled again, or a temporary password never changed
    "must_change cleared": lambda s: (
        update(User).where(User.username == "clerk").values(must_change=True)
    ),
    # the seal blanked, as if the row came from before sealed accounts
    "seal blanked": lambda s: update(User).where(User.username == "clerk").values(mac=""),
    # the seal of another account copied over
    "seal copied": lambda s: (
        update(User).where(User.username == "clerk").values(mac=_row(s, "checker").mac)
    ),
    # a password hash of the attacker's choosing (here the same password, hashed anew)
    "password hash replaced": lambda s: (
        update(User)
        .where(User.username == "clerk")
        .values(password_hash=hash_password(_pw("clerk")))
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_account_row_edited_outside_teller_neither_signs_in_nor_acts(
    store: Store, team: tuple[People, Person, dict[str, str]], edit: str
) -> None:
    people, _, _ = team
    person, token = people.login("clerk", _pw("clerk"), **OPENED)  # type: ignore[arg-type]
    _sql(store, EDITS[edit](store))
    with pytest.raises(LoginRefused):
        people.login("clerk", _pw("clerk"), **OPENED)  # type: ignore[arg-type]
    with pytest.raises(RecordChanged):
        people.person(token, os_user="ops")  # its open session stops acting too
    assert any("clerk: account record refused" in r for r in _refusals(store))


def test_a_password_and_seed_taken_from_another_account_do_not_sign_in(
    store: Store, team: tuple[People, Person, dict[str, str]]
) -> None:
    people, _, seeds = team
    clerk = _row(store, "clerk")
    # the checker's row gets the clerk's password: the clerk would sign in as the checker
    _sql(
        store,
        update(User)
        .where(User.username == "checker")
        .values(password_hash=clerk.password_hash, totp_seed=seeds["clerk"]),
    )
    with pytest.raises(LoginRefused):
        people.login("checker", _pw("clerk"), "", **OPENED)  # type: ignore[arg-type]


def test_an_account_inserted_outside_teller_does_not_sign_in(
    store: Store, team: tuple[People, Person, dict[str, str]]
) -> None:
    people, _, _ = team
    checker = _row(store, "checker")
    values = {c.name: getattr(checker, c.name) for c in User.__table__.columns if c.name != "id"}
    values.update(username="ghost", skeleton="ghost", password_hash=hash_password(PASSWORD))
    _sql(store, insert(User).values(**values))  # even with a seal copied from a real row
    with pytest.raises(LoginRefused):
        people.login("ghost", PASSWORD, **OPENED)  # type: ignore[arg-type]


def test_a_session_row_inserted_outside_teller_does_not_act(
    store: Store, team: tuple[People, Person, dict[str, str]]
) -> None:
    people, _, _ = team
    checker = _row(store, "checker")
    token = secrets.token_urlsafe(32)
    forged = {
        "id": secrets.token_hex(6),
        "user_id": checker.id,
        "os_user": "ops",
        "host": "robot-1",
        "created_at": now(),
        "expires_at": now().replace(year=now().year + 1),
    }
    # as the store kept tokens before (SHA-256), and with a MAC copied from a real session
    _sql(
        store,
        insert(LoginSession).values(
            token_hash=hashlib.sha256(token.encode()).hexdigest(), **forged
        ),
    )
    with pytest.raises(NotSignedIn):
        people.person(token, os_user="ops")


def test_a_session_moved_to_another_account_does_not_act(
    store: Store, team: tuple[People, Person, dict[str, str]]
) -> None:
    people, _, _ = team
    mine, token = people.login("clerk", _pw("clerk"), **OPENED)  # type: ignore[arg-type]
    checker = _row(store, "checker")
    _sql(
        store,
        update(LoginSession).where(LoginSession.id == mine.session).values(user_id=checker.id),
    )
    with pytest.raises(RecordChanged):
        people.person(token, os_user="ops")
    assert any("session refused" in r and mine.session in r for r in _refusals(store))


def test_a_blanked_seal_cannot_be_laundered_by_sealing_again(
    store: Store, team: tuple[People, Person, dict[str, str]]
) -> None:
    people, admin, seeds = team
    _sql(store, update(User).where(User.username == "clerk").values(roles=["approver"], mac=""))
    with pytest.raises(AccessDenied, match="sealed already"):
        people.seal_unsealed()
    with pytest.raises(LoginRefused):
        people.login("clerk", _pw("clerk"), **OPENED)  # type: ignore[arg-type]
    # an admin who looked at it accepts the row, on the record; never their own
    with pytest.raises(AccessDenied, match="their own"):
        people.reseal(admin, "root", reason="mine")
    people.reseal(admin, "clerk", reason="checked with HR: approver since Monday")
    assert _sign_in(people, "clerk", seeds["clerk"]).roles == frozenset({"approver"})
    resealed = [r for r in store.audit_records() if r.what == "account resealed"]
    assert resealed and "roles approver" in resealed[-1].detail and resealed[-1].actor == "root"


def test_a_store_from_before_seals_is_sealed_once_by_the_key_holder(store: Store) -> None:
    stamp = now()
    _sql(
        store,
        insert(User).values(
            username="old-admin",
            skeleton="oldadmin",
            full_name="",
            roles=["admin"],
            password_hash=hash_password(PASSWORD),
            must_change=True,
            totp_seed="",
            password_set_at=stamp,
            created_at=stamp,
            created_by="bootstrap",
        ),
    )
    people = People(store)
    with pytest.raises(LoginRefused):  # unsealed: refused until sealed
        people.login("old-admin", PASSWORD, **OPENED)  # type: ignore[arg-type]
    assert people.seal_unsealed() == ["old-admin"]
    with pytest.raises(AccessDenied, match="must choose a password"):  # known, now: enrol
        people.login("old-admin", PASSWORD, **OPENED)  # type: ignore[arg-type]
    with pytest.raises(AccessDenied, match="sealed already"):
        people.seal_unsealed()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users WHERE mac = ''")).scalar() == 0


def test_a_disabled_account_enabled_outside_teller_stays_out(
    store: Store, team: tuple[People, Person, dict[str, str]]
) -> None:
    people, admin, _ = team
    people.disable(admin, "clerk", reason="left the bank")
    _sql(store, update(User).where(User.username == "clerk").values(disabled=False))
    with pytest.raises(LoginRefused):
        people.login("clerk", _pw("clerk"), **OPENED)  # type: ignore[arg-type]
