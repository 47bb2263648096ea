"""What sets one console's web side apart: its name, cookie, home screen, users and encoding."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Response, current_app, render_template, request

from consoles._shared._sessions import SessionStore

__all__ = ["HasLatency", "Latency", "Site", "single_user"]


class HasLatency(Protocol):
    """Anything holding the console's added latency per request, settable by the admin API."""

    latency_ms: int


@dataclass
class Latency:
    """The added latency per request of a console that has no fault injection to keep it in."""

    latency_ms: int = 0


@dataclass
class Site:
    """One console's login settings; the shared views and guards read them from the app.

    Subclass it to read forms and query strings, or send pages, other than as UTF-8.
    """

    name: str
    # Cookies are shared by every port of 127.0.0.1: a name of its own keeps the consoles apart.
    cookie: str
    # The endpoint a successful login redirects to.
    home: str
    sessions: SessionStore[Any]
    latency: HasLatency
    # Whether a username and password may log in.
    check_user: Callable[[str, str], bool]

    def form(self) -> Mapping[str, str]:
        """The posted form fields."""
        return request.form

    def args(self) -> Mapping[str, str]:
        """The query string's fields."""
        return request.args

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        """Render a template as a response with ``status``."""
        return current_app.make_response((render_template(template, **context), status))


def single_user(username: str, password: str) -> Callable[[str, str], bool]:
    """A login check that knows one user with one password (compared in constant time)."""

    def check(given_user: str, given_password: str) -> bool:
        return given_user == username and hmac.compare_digest(
            given_password.encode(), password.encode()
        )

    return check
