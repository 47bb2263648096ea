"""People and roles in the store: who they are, what they may do, every change in the trail.

Roles: ``operator`` (submits and runs work: the maker), ``approver`` (the checker),
``auditor`` (reads; changes nothing), ``admin`` (manages people and schedules). An admin
does no payment work: ``admin`` is never held with ``operator`` or ``approver``, so the
one who makes accounts cannot also submit or approve with them. Approvers and admins
sign in with a one-time code besides their password.

An admin never knows the credentials that act: ``add`` and ``reset-password`` give a
temporary password, and at the next login the person chooses a password and enrols a
second factor of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teller._errors import AccessDenied, RecordChanged, RoleRequired, UsernameRefused
from teller.people._credentials import (
    hash_password,
    new_seed,
    password_problem,
    provisioning_uri,
    temporary_password,
)
from teller.people._names import canonical, same_person, skeleton
from teller.people._seal import user_mac, user_sound
from teller.store import AuditEntry, AuditRecord, LoginSession, Store, User, append_audit, now

__all__ = [
    "ADMIN_ONLY",
    "Accounts",
    "Person",
    "ROLES",
    "SECOND_FACTOR",
    "Enrolment",
    "record",
    "roles_problem",
]

ROLES = ("operator", "approver", "auditor", "admin")
SECOND_FACTOR = frozenset({"approver", "admin"})
ADMIN_ONLY = frozenset({"operator", "approver"})  # never held together with admin


@dataclass(frozen=True)
class Person:
    """A signed-in user, as every action that changes state is given it."""

    id: int
    username: str
    roles: frozenset[str]
    session: str = ""  # the public id of the session it acts through
    os_user: str = ""  # the OS account that session belongs to

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def maker_of(self, run_id: str, submitted_by: str, file_owner: str) -> str | None:
        """How this person made a run, if they did: submitted it, or dropped its input
        file from their OS account (a scheduled run's maker is its schedule's owner)."""
        if same_person(self.username, submitted_by):
            return f"{self.username} is the maker of run {run_id}"
        if file_owner and self.os_user == file_owner:
            return (
                f"{self.username} acts from OS account {file_owner}, which dropped the input "
                f"file of run {run_id}"
            )
        return None

    def require(self, action: str, *roles: str) -> None:
        if not self.has(*roles):
            raise RoleRequired(self.username, action, roles)


@dataclass(frozen=True)
class Enrolment:
    """What a new account's holder is told once: a password to replace, or a code seed."""

    username: str
    password: str = ""
    seed: str = ""

    @property
    def uri(self) -> str:
        return provisioning_uri(self.seed, self.username) if self.seed else ""


def roles_problem(roles: Iterable[str]) -> str | None:
    """Why a set of roles may not be held by one person, or None."""
    chosen = set(roles)
    unknown = chosen.difference(ROLES)
    if unknown:
        return f"unknown role(s) {', '.join(sorted(unknown))}; roles: {', '.join(ROLES)}"
    if not chosen:
        return "a user needs at least one role"
    if "admin" in chosen and chosen & ADMIN_ONLY:
        return "an admin does no payment work: admin is not held with operator or approver"
    return None


SEALED = "accounts sealed"  # the audit record of a store whose accounts carry seals


def record(session: Session, actor: str, what: str, detail: str) -> None:
    """One audit record of a change to people or sessions, in the caller's transaction."""
    append_audit(session, [AuditEntry(now(), actor, what, "", "", detail)])


class Accounts:
    """The users of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def user(self, username: str) -> User | None:
        """The account of ``username``, if there is one; RecordChanged if its row does not
        verify (changed outside Teller: the refusal is recorded)."""
        try:
            name = canonical(username)
        except UsernameRefused:
            return None
        with self.store.transaction() as session:
            found = session.scalar(select(User).where(User.username == name))
        if found is not None and not user_sound(self.store, found):
            with self.store.transaction() as session:
                record(session, name, "account record refused", "its seal does not verify")
            raise RecordChanged(f"the account {name}")
        return found

    def _seal(self, session: Session, user_id: int) -> None:
        """Seal the account's row as it now stands, in the caller's transaction (after a
        change made through Teller, to a row that verified before it)."""
        session.flush()
        row = session.execute(
            select(User).where(User.id == user_id).execution_options(populate_existing=True)
        ).scalar_one()
        row.mac = user_mac(self.store, row)

    def users(self) -> list[User]:
        with self.store.transaction() as session:
            return list(session.scalars(select(User).order_by(User.username)))

    def bootstrap(self, username: str, *, password: str, full_name: str = "") -> Enrolment:
        """The first admin, on a store with none; its holder chooses the password now."""
        name = canonical(username)
        with self.store.transaction() as session:
            # the audit record first: it takes the chain's head row, so of two bootstraps
            # at once the second waits here and then finds the first one's admin
            record(session, "bootstrap", "user added", f"{name}: roles admin (the first admin)")
            if self._admins(session):
                raise AccessDenied(
                    "bootstrap refused: this store has an admin already; "
                    "an admin adds users with `teller users add`"
                )
            problem = password_problem(password, name)
            if problem:
                raise AccessDenied(f"password refused: {problem}")
            seed = new_seed()
            made = self._insert(
                session, name, ["admin"], full_name, by="bootstrap", password=password
            )
            record(session, "bootstrap", SEALED, "every account is sealed from the first")
            session.execute(
                update(User).where(User.id == made).values(must_change=False, totp_seed=seed)
            )
            self._seal(session, made)
        return Enrolment(name, seed=seed)

    def add(
        self, by: Person, username: str, *, roles: Iterable[str], full_name: str = ""
    ) -> Enrolment:
        """A new user with a temporary password; the holder enrols at the first login."""
        by.require("add users", "admin")
        chosen = sorted(set(roles))
        problem = roles_problem(chosen)
        if problem:
            raise AccessDenied(f"roles refused: {problem}")
        name = canonical(username)
        password = temporary_password()
        with self.store.transaction() as session:
            made = self._insert(session, name, chosen, full_name, by=by.username, password=password)
            self._seal(session, made)
            record(session, by.username, "user added", f"{name}: roles {', '.join(chosen)}")
        return Enrolment(name, password=password)

    def _insert(
        self,
        session: Session,
        name: str,
        roles: list[str],
        full_name: str,
        *,
        by: str,
        password: str,
    ) -> int:
        """The new user's id."""
        looks = skeleton(name)
        clash = session.scalar(select(User.username).where(User.skeleton == looks))
        if clash is not None:
            why = "exists already" if clash == name else f"could pass for the existing {clash!r}"
            raise UsernameRefused(name, why)
        stamp = now()
        made = User(
            username=name,
            skeleton=looks,
            full_name=full_name,
            roles=roles,
            password_hash=hash_password(password),
            must_change=True,
            password_set_at=stamp,
            created_at=stamp,
            created_by=by,
        )
        try:
            with session.begin_nested():
                session.add(made)
        except IntegrityError:
            raise UsernameRefused(name, "exists already") from None
        return made.id

    def set_roles(self, by: Person, username: str, roles: Iterable[str]) -> list[str]:
        by.require("change roles", "admin")
        chosen = sorted(set(roles))
        problem = roles_problem(chosen)
        if problem:
            raise AccessDenied(f"roles refused: {problem}")
        user = self._existing(username)
        if user.id == by.id:
            raise AccessDenied("an admin may not change their own roles")
        with self.store.transaction() as session:
            if "admin" in user.roles and "admin" not in chosen and self._admins(session) <= 1:
                raise AccessDenied("the last admin keeps the admin role")
            session.execute(update(User).where(User.id == user.id).values(roles=chosen))
            self._seal(session, user.id)
            was = ", ".join(user.roles)
            record(
                session,
                by.username,
                "roles changed",
                f"{user.username}: {was} -> {', '.join(chosen)}",
            )
        return chosen

    def disable(self, by: Person, username: str, *, reason: str) -> None:
        """The user can no longer sign in, and every session of theirs ends now."""
        by.require("disable users", "admin")
        if not reason.strip():
            raise AccessDenied("say why the user is disabled (--reason)")
        user = self._existing(username)
        if user.id == by.id:
            raise AccessDenied("an admin may not disable themselves")
        with self.store.transaction() as session:
            session.execute(update(User).where(User.id == user.id).values(disabled=True))
            self._seal(session, user.id)
            self._end_sessions(session, user.id)
            record(session, by.username, "user disabled", f"{user.username}: {reason.strip()}")

    def enable(self, by: Person, username: str, *, reason: str) -> None:
        by.require("enable users", "admin")
        user = self._existing(username)
        with self.store.transaction() as session:
            session.execute(
                update(User).where(User.id == user.id).values(disabled=False, failures=0)
            )
            self._seal(session, user.id)
            record(session, by.username, "user enabled", f"{user.username}: {reason.strip()}")

    def reset_password(self, by: Person, username: str) -> Enrolment:
        """A temporary password; the user enrols anew (password and second factor)."""
        by.require("reset passwords", "admin")
        user = self._existing(username)
        if user.id == by.id:
            raise AccessDenied("an admin may not reset their own password; another admin does")
        password = temporary_password()
        with self.store.transaction() as session:
            session.execute(
                update(User)
                .where(User.id == user.id)
                .values(
                    password_hash=hash_password(password),
                    must_change=True,
                    totp_seed="",
                    failures=0,
                    locked_until=None,
                    password_set_at=now(),
                )
            )
            self._seal(session, user.id)
            self._end_sessions(session, user.id)
            record(session, by.username, "password reset", f"{user.username}: must enrol again")
        return Enrolment(user.username, password=password)

    def seal_unsealed(self) -> list[str]:
        """Once, on a store from before accounts were sealed: seal every account row that
        has no seal yet, as it stands; the names sealed. Refused on a store whose accounts
        were sealed already (an empty seal there was blanked outside Teller)."""
        with self.store.transaction() as session:
            done = session.scalar(select(AuditRecord.seq).where(AuditRecord.what == SEALED))
            if done is not None:
                raise AccessDenied(
                    f"the accounts were sealed already (audit record {done}): an account "
                    "refused now was changed outside Teller; an admin looks at it and "
                    "reseals it (`teller users reseal`)"
                )
            rows = list(session.scalars(select(User).where(User.mac == "")))
            for row in rows:
                row.mac = user_mac(self.store, row)
            named = [f"{r.username} ({', '.join(sorted(r.roles))})" for r in rows]
            record(session, "teller", SEALED, "; ".join(named) or "no account yet")
        return [r.username for r in rows]

    def reseal(self, by: Person, username: str, *, reason: str) -> User:
        """An admin accepts an account row that does not verify, as it stands, after
        looking at it: recorded with its roles and state, and the reason."""
        by.require("reseal accounts", "admin")
        if not reason.strip():
            raise AccessDenied("say why the account is resealed (--reason)")
        name = canonical(username)
        with self.store.transaction() as session:
            row = session.scalar(select(User).where(User.username == name))
            if row is None:
                raise AccessDenied(f"no user {username!r}")
            if row.id == by.id:
                raise AccessDenied("an admin may not reseal their own account; another admin does")
            row.mac = user_mac(self.store, row)
            state = "disabled" if row.disabled else "enabled"
            detail = f"{name}: roles {', '.join(sorted(row.roles))}, {state}; {reason.strip()}"
            record(session, by.username, "account resealed", detail)
        return row

    def _existing(self, username: str) -> User:
        user = self.user(username)
        if user is None:
            raise AccessDenied(f"no user {username!r}")
        return user

    @staticmethod
    def _admins(session: Session) -> int:
        return sum(1 for u in session.scalars(select(User)) if "admin" in u.roles)

    @staticmethod
    def _end_sessions(session: Session, user_id: int) -> None:
        session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
            .values(ended_at=now())
        )

    def count(self) -> int:
        with self.store.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(User)) or 0)
