"""What every page of the Desk stands on: its state, the signed-in person, the CSRF check,
refusals, and rendering a page in the person's language.

Every page needs a live session of a person of the store (People); every request that
changes state also its CSRF token (:func:`changing`) and the role the engine's call asks
for: the pages call the engine's own functions, which decide (four-eyes, seals, states).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from teller._errors import ConfigError, NotSignedIn
from teller.desk._guard import (
    LANGUAGE_COOKIE,
    OS_USER,
    SESSION_COOKIE,
    RateLimit,
    csrf_for,
    same_token,
)
from teller.desk._i18n import LANGUAGES, Language, language
from teller.flow import Flow, load_flow
from teller.people import People, Person
from teller.settings import Settings
from teller.store import Store, open_store

__all__ = ["Desk", "Reader", "Refused", "SignInNeeded", "changing", "desk_of"]

HERE = Path(__file__).parent

# the pages in the header's navigation: (path, message, the roles it is shown to; none:
# everyone signed in), in order. The pages themselves check the roles of what they do.
NAV = [
    ("/", "Home", ()),
    ("/submit", "Submit", ("operator",)),
    ("/approvals", "Approvals", ()),
    ("/runs", "Runs", ()),
    ("/audit", "Audit", ()),
    ("/schedules", "Schedules", ()),
    ("/users", "Users", ("admin",)),
]


class SignInNeeded(Exception):
    """No live session: a page sends the person to sign in, a request is refused (401)."""


class Refused(Exception):
    """A request the Desk refuses (403 unless said): its reason, shown on the page."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


class Desk:
    """The Desk's state: settings, store, people, keys, templates."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store = open_store(settings)
        self.people = People(self.store)
        self.key = settings.key("seal")
        self.limit = RateLimit(settings.desk.signins_per_minute)
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.idle = timedelta(minutes=settings.desk.idle_minutes)
        self.longest = timedelta(hours=settings.desk.longest_hours)

    @cached_property
    def flows(self) -> dict[str, Flow]:
        """The project's flows by name (configured or registered), loaded once."""
        names = set(self.settings.flows) | {e.name for e in entry_points(group="teller.flows")}
        found = {}
        for name in sorted(names):
            try:
                found[name] = load_flow(name, settings=self.settings)
            except ConfigError:
                continue
        return found

    def language(self, request: Request) -> Language:
        chosen = request.cookies.get(LANGUAGE_COOKIE, "")
        return language(chosen if chosen in LANGUAGES else self.settings.desk.language)

    def person(self, request: Request) -> Person:
        """The signed-in person of this request, or SignInNeeded; each request keeps the
        session alive for the idle time."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise SignInNeeded()
        try:
            found = self.people.person(token, os_user=OS_USER)
            self.people.keep_alive(found, idle=self.idle, longest=self.longest)
        except NotSignedIn:
            raise SignInNeeded() from None
        return found

    def page(
        self, request: Request, name: str, person: Person | None, status: int = 200, **more: Any
    ) -> HTMLResponse:
        lang = self.language(request)
        context = {
            "_": lang.gettext,
            "lang": lang,
            "languages": LANGUAGES,
            "person": person,
            "csrf": csrf_for(self.key, person.session) if person else "",
            "path": request.url.path,
            "nav": [
                (h, label) for h, label, roles in NAV if not roles or person and person.has(*roles)
            ],
            **more,
        }
        return self.templates.TemplateResponse(request, name, context, status_code=status)


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _reader(request: Request) -> Person:
    return desk_of(request).person(request)


# the signed-in person of a request (a page without one sends to the sign-in form)
Reader = Annotated[Person, Depends(_reader)]


def changing(request: Request, person: Person, csrf: str) -> None:
    """A state-changing request: same-site, with this session's CSRF token."""
    desk = desk_of(request)
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused("cross-site request refused")
    if not same_token(csrf, csrf_for(desk.key, person.session)):
        raise Refused("the form's security token is missing or not this session's")
