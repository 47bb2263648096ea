"""People: users and roles in the store, sign-in with a password and a one-time code."""

from __future__ import annotations

from teller._errors import UsernameRefused
from teller.people._credentials import MIN_PASSWORD, provisioning_uri
from teller.people._names import canonical, skeleton
from teller.people._people import ROLES, SECOND_FACTOR, Enrolment, Person, roles_problem
from teller.people._signin import LOCK_AFTER, LOCK_FOR, People

__all__ = [
    "LOCK_AFTER",
    "LOCK_FOR",
    "MIN_PASSWORD",
    "ROLES",
    "SECOND_FACTOR",
    "Enrolment",
    "People",
    "Person",
    "canonical",
    "provisioning_uri",
    "roles_problem",
    "same_person",
    "skeleton",
]


def same_person(a: str, b: str) -> bool:
    """Whether two recorded user names are one account (names are stored canonical;
    an older record's free text is compared case-folded and trimmed)."""
    return _key(a) == _key(b)


def _key(name: str) -> str:
    try:
        return canonical(name)
    except UsernameRefused:  # an older store's free text: compare as it was compared then
        return name.strip().casefold()
