"""People: users and roles in the store, sign-in with a password and a one-time code."""

from __future__ import annotations

from teller.people._credentials import MIN_PASSWORD, provisioning_uri
from teller.people._names import canonical, same_person, skeleton
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
