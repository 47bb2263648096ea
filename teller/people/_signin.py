"""Signing in and out: a password, then a one-time code; a short-lived session.

A session is a random token held by the person's OS account (the CLI keeps it in a file
of mode 0600); the store keeps only its SHA-256, the OS user and host it was opened for,
and when it expires. It acts only for that OS user, only until it expires, is ended, or
the account is disabled or its password reset, and with the roles the account has *now*.

Five failed logins in a row lock an account for 15 minutes; a wrong name, password or
code and a locked or disabled account get one and the same answer. Every login, refusal
(with the true reason), enrolment and logout is a record of the audit trail.
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta

from sqlalchemy import select, update

from teller._errors import AccessDenied, LoginRefused, NotSignedIn, RecordChanged, UsernameRefused
from teller.people._credentials import (
    check_password,
    code_step,
    hash_password,
    needs_rehash,
    new_seed,
    password_problem,
)
from teller.people._names import canonical
from teller.people._people import SECOND_FACTOR, Accounts, Enrolment, Person, record
from teller.people._seal import session_mac, token_digest, user_sound
from teller.store import LoginSession, User, now

__all__ = ["LOCK_AFTER", "LOCK_FOR", "PROOF_FOR", "People"]

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
PROOF_FOR = timedelta(minutes=5)  # between the password step and the code step


class People(Accounts):
    """People, plus what signing in needs: passwords, codes, sessions."""

    def _checked(self, username: str, password: str) -> User:
        """The user whose password this is, or LoginRefused (and a failure counted)."""
        try:
            name = canonical(username)
        except UsernameRefused as refused:
            self._refused(None, username, f"name refused: {refused.why}")
            raise LoginRefused(username) from None
        try:
            user = self.user(name)
        except RecordChanged:  # recorded by user(); the answer is the same as for any refusal
            raise LoginRefused(name) from None
        right = check_password(user.password_hash if user else None, password)
        if user is None:
            self._refused(None, name, "no such user")
        elif user.disabled:
            self._refused(user, name, "account disabled")
        elif user.locked_until is not None and user.locked_until > now():
            self._refused(user, name, f"locked until {user.locked_until:%H:%M:%S} UTC")
        elif not right:
            self._refused(user, name, "wrong password", count=True)
        else:
            return user
        raise LoginRefused(name)

    def _refused(self, user: User | None, name: str, why: str, *, count: bool = False) -> None:
        with self.store.transaction() as session:
            if user is not None and count:
                mine = User.id == user.id
                session.execute(update(User).where(mine).values(failures=User.failures + 1))
                locked = session.execute(
                    update(User)
                    .where(mine, User.failures >= LOCK_AFTER)
                    .values(failures=0, locked_until=now() + LOCK_FOR)
                )
                if locked.rowcount:  # type: ignore[attr-defined]
                    why += f"; locked for {LOCK_FOR.seconds // 60} minutes"
            record(session, name, "login refused", why)

    def enrol(
        self, username: str, password: str, new_password: str, *, os_user: str = "", host: str = ""
    ) -> Enrolment:
        """First login after an admin's add or reset: a password of one's own, a new seed."""
        user = self._checked(username, password)
        if not user.must_change:
            raise AccessDenied(f"{user.username} is enrolled already; log in with a code")
        problem = password_problem(new_password, user.username)
        if problem or new_password == password:
            raise AccessDenied(f"password refused: {problem or 'choose a new one'}")
        seed = new_seed()
        with self.store.transaction() as session:
            session.execute(
                update(User)
                .where(User.id == user.id, User.must_change.is_(True))
                .values(
                    password_hash=hash_password(new_password),
                    must_change=False,
                    totp_seed=seed,
                    totp_step=0,
                    failures=0,
                    password_set_at=now(),
                )
            )
            self._seal(session, user.id)
            where = f" (OS user {os_user} on {host})" if os_user else ""
            record(session, user.username, "enrolled", f"own password and second factor{where}")
        return Enrolment(user.username, seed=seed)

    def needs_code(self, username: str) -> bool:
        """Whether a login asks for a one-time code (approvers and admins always do)."""
        user = self.user(username)
        return user is None or bool(SECOND_FACTOR.intersection(user.roles))

    def login(
        self,
        username: str,
        password: str,
        code: str = "",
        *,
        os_user: str,
        host: str,
        minutes: float,
    ) -> tuple[Person, str]:
        """Open a session: the person, and the token to keep (shown nowhere else)."""
        user = self._checked(username, password)
        self._enrolled(user)
        return self._open(user, code, password, os_user=os_user, host=host, minutes=minutes)

    def first_step(self, username: str, password: str, *, binding: str) -> str:
        """The first of two steps (the Desk's sign-in): the password checked as by
        :meth:`login`, and a proof of it for :meth:`second_step`, good for ``PROOF_FOR``, for
        the browser that holds ``binding``, while the account's password and last code
        stay as they are (a code taken since ends it)."""
        user = self._checked(username, password)
        self._enrolled(user)
        issued = int(time.time())
        return f"{issued}:{self._proof(user, issued, binding)}:{user.username}"

    def second_step(
        self, proof: str, code: str, *, binding: str, os_user: str, host: str, minutes: float
    ) -> tuple[Person, str]:
        """The second step: the one-time code, after :meth:`first_step`'s proof."""
        issued, _, rest = proof.partition(":")
        mac, _, name = rest.partition(":")
        try:
            user = self.user(name)
        except RecordChanged:
            raise LoginRefused(name) from None
        fresh = issued.isdigit() and 0 <= time.time() - int(issued) <= PROOF_FOR.total_seconds()
        if user is None or not fresh:
            raise LoginRefused(name)  # a proof out of date: sign in again
        if not hmac.compare_digest(mac, self._proof(user, int(issued), binding)):
            self._refused(user, name, "second step without a valid password step")
            raise LoginRefused(name)
        if user.disabled or (user.locked_until is not None and user.locked_until > now()):
            self._refused(user, name, "account disabled or locked")
            raise LoginRefused(name)
        return self._open(user, code, None, os_user=os_user, host=host, minutes=minutes)

    def _proof(self, user: User, issued: int, binding: str) -> str:
        fields = (user.id, user.password_hash, user.totp_step, user.password_set_at, issued)
        return self.store.record_mac("password step", *fields, binding)

    @staticmethod
    def _enrolled(user: User) -> None:
        if user.must_change:
            raise AccessDenied(
                f"{user.username} must choose a password and enrol a second factor first: "
                "`teller login --enrol`"
            )

    def _open(
        self,
        user: User,
        code: str,
        password: str | None,
        *,
        os_user: str,
        host: str,
        minutes: float,
    ) -> tuple[Person, str]:
        """Check the code (approvers and admins) and open the session; with ``password``,
        rehash it if the hasher's parameters changed."""
        step = code_step(user.totp_seed, code.strip(), after=user.totp_step)
        if step is None and SECOND_FACTOR.intersection(user.roles):
            self._refused(user, user.username, "wrong or reused one-time code", count=True)
            raise LoginRefused(user.username)
        token = secrets.token_urlsafe(32)
        opened = LoginSession(
            id=secrets.token_hex(6),
            token_hash=token_digest(self.store, token),
            user_id=user.id,
            os_user=os_user,
            host=host,
            created_at=now(),
            expires_at=now() + timedelta(minutes=minutes),
        )
        opened.mac = session_mac(self.store, opened)
        with self.store.transaction() as session:
            values: dict[str, object] = {"failures": 0, "locked_until": None}
            if step is not None:
                values["totp_step"] = step
            if password is not None and needs_rehash(user.password_hash):
                values["password_hash"] = hash_password(password)
            # a code is taken once: of two logins racing with one code, one updates the row
            taken = session.execute(
                update(User)
                .where(User.id == user.id, User.totp_step == user.totp_step)
                .values(**values)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                raise LoginRefused(user.username)
            if "password_hash" in values:
                self._seal(session, user.id)
            session.add(opened)
            detail = f"session {opened.id} for OS user {os_user} on {host}, {minutes:g} minutes"
            record(session, user.username, "login", detail)
        return self._person(user, opened.id, os_user), token

    def person(self, token: str, *, os_user: str) -> Person:
        """Who a session token acts for, now; NotSignedIn if it may not act."""
        with self.store.transaction() as session:
            found = session.scalar(
                select(LoginSession).where(
                    LoginSession.token_hash == token_digest(self.store, token)
                )
            )
            if found is None:
                raise NotSignedIn("no such session")
            user = session.get(User, found.user_id)
        what = ""
        if not hmac.compare_digest(found.mac, session_mac(self.store, found)):
            what = f"session {found.id}"
        elif user is not None and not user_sound(self.store, user):
            what = f"the account {user.username}"
        if what:
            with self.store.transaction() as session:
                record(session, "teller", "session refused", f"{what}: its seal does not verify")
            raise RecordChanged(what)
        if found.ended_at is not None:
            raise NotSignedIn(f"session {found.id} ended")
        if found.expires_at <= now():
            raise NotSignedIn(f"session {found.id} expired at {found.expires_at:%H:%M:%S} UTC")
        if found.os_user != os_user:
            raise NotSignedIn(f"session {found.id} belongs to another OS user")
        if user is None or user.disabled:
            raise NotSignedIn("the account is disabled")
        if user.password_set_at > found.created_at or user.must_change:
            raise NotSignedIn("the password was reset since")
        return self._person(user, found.id, os_user)

    def keep_alive(self, person: Person, *, idle: timedelta, longest: timedelta) -> None:
        """Move a live session's end to ``idle`` from now, never past ``longest`` from its
        start: a session left alone for ``idle`` ends (the Desk's idle timeout)."""
        with self.store.transaction() as session:
            found = session.get(LoginSession, person.session)
            if found is None or found.ended_at is not None:
                raise NotSignedIn("no such session")
            found.expires_at = min(now() + idle, found.created_at + longest)

    def logout(self, token: str) -> str | None:
        """End a session; the user it was for, if it was live."""
        with self.store.transaction() as session:
            found = session.scalar(
                select(LoginSession).where(
                    LoginSession.token_hash == token_digest(self.store, token)
                )
            )
            if found is None or found.ended_at is not None:
                return None
            found.ended_at = now()
            user = session.get(User, found.user_id)
            name = user.username if user else "?"
            record(session, name, "logout", f"session {found.id}")
            return name

    @staticmethod
    def _person(user: User, session_id: str, os_user: str) -> Person:
        return Person(user.id, user.username, frozenset(user.roles), session_id, os_user)
