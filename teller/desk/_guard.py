"""What every Desk request passes: security headers, the session cookie, CSRF tokens and
the sign-in rate limit.

The session cookie holds a People session token (the store keeps only its hash), as
``__Host-`` cookie: HttpOnly, SameSite=Strict, Secure, path /. Every state-changing
request carries a CSRF token bound to its session by an HMAC under the seal key; the
sign-in form, before any session, a token bound to a cookie of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

__all__ = [
    "PRE_COOKIE",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "OS_USER",
    "RateLimit",
    "csrf_for",
    "same_token",
]

SESSION_COOKIE = "__Host-teller-desk"
PRE_COOKIE = "__Host-teller-signin"  # binds the sign-in form's CSRF token (login CSRF)
LANGUAGE_COOKIE = "teller-language"
# the OS user a Desk session belongs to: ':' is in no OS account's name, so a Desk session
# can never pass for a CLI session, nor a person at the Desk for an OS account's file owner
OS_USER = "desk:"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


def csrf_for(key: bytes, bound_to: str) -> str:
    """The CSRF token of a session (or of a sign-in form's cookie)."""
    return hmac.new(key, f"desk-csrf:{bound_to}".encode(), hashlib.sha256).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def new_binding() -> str:
    return secrets.token_urlsafe(24)


class RateLimit:
    """At most ``per_minute`` events per key in any 60 seconds (sign-ins per address)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True
