"""Passwords (Argon2id) and one-time codes (TOTP, RFC 6238).

Argon2id with RFC 9106's second recommended profile ("low memory": 64 MiB, 3 passes,
4 lanes): about 0.15 s per check on a 2-core robot machine (BENCHMARKS.md), slow enough
that a stolen hash is costly to guess, cheap enough for a login. A hash made with older
parameters is replaced at the next successful login.
"""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "MIN_PASSWORD",
    "check_password",
    "code_step",
    "hash_password",
    "needs_rehash",
    "new_seed",
    "password_problem",
    "provisioning_uri",
    "temporary_password",
]

MIN_PASSWORD = 12
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the step before or after is accepted: clocks drift
HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# checked when the name is unknown, so a wrong name costs as long as a wrong password
_DECOY = HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """True if the password matches; a missing or damaged hash never matches."""
    try:
        return HASHER.verify(stored or _DECOY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)


def password_problem(password: str, username: str) -> str | None:
    """Why a chosen password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if username.casefold() in password.casefold():
        return "a password may not contain the user name"
    return None


def temporary_password() -> str:
    """A one-time password an admin hands over; the user replaces it at the first login."""
    return secrets.token_urlsafe(12)


def new_seed() -> str:
    return pyotp.random_base32()


def provisioning_uri(seed: str, username: str) -> str:
    """What an authenticator app reads (as a QR code or typed): ``otpauth://totp/...``."""
    return pyotp.TOTP(seed).provisioning_uri(name=username, issuer_name="Teller")


def code_step(seed: str, code: str, *, after: int, at: float | None = None) -> int | None:
    """The time step at which ``code`` is valid for ``seed``, if later than ``after``.

    A code is accepted once: a step at or before the last one accepted is refused, so a
    code read over a shoulder or from a log cannot be replayed.
    """
    if not seed or not code.isdigit():
        return None
    totp = pyotp.TOTP(seed)
    current = int(time.time() if at is None else at) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
