"""The seals of people records: who an account is and may do, whose a session is.

A user row's MAC covers its name, roles, credentials and state; a session row's covers
its id, token hash, user, OS user, host and start. Both are made with ``Store.record_mac``
(a key derived from the audit key, which the store does not hold). Someone who can edit
the database can change a row, blank its MAC or insert one, but cannot make a MAC that
verifies: such an account does not sign in, such a session does not act, and the
refusal is in the audit trail with its true reason.

A session's token is looked up by a keyed digest too, so a row cannot even be found
for a token chosen outside Teller.
"""

from __future__ import annotations

import hmac

from teller.store import LoginSession, Store, User

__all__ = ["session_mac", "token_digest", "user_mac", "user_sound"]


def user_mac(store: Store, user: User) -> str:
    return store.record_mac(
        "user",
        user.id,
        user.username,
        user.skeleton,
        ",".join(sorted(user.roles)),
        user.password_hash,
        user.totp_seed,
        user.must_change,
        user.disabled,
        user.password_set_at,
        user.created_at,
    )


def user_sound(store: Store, user: User) -> bool:
    return bool(user.mac) and hmac.compare_digest(user.mac, user_mac(store, user))


def session_mac(store: Store, found: LoginSession) -> str:
    return store.record_mac(
        "session",
        found.id,
        found.token_hash,
        found.user_id,
        found.os_user,
        found.host,
        found.created_at,
    )


def token_digest(store: Store, token: str) -> str:
    return store.record_mac("session token", token)
