"""The Desk's application: pages by role on the store, through the engine's own calls.

Every page needs a live session of a person of the store (People); every request that
changes state also its CSRF token, and the role the engine's call asks for (approving
is ``teller.runs.approve``: four-eyes and seals are the engine's, not the page's).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from teller._errors import AccessDenied, ApprovalRefused, LoginRefused, NotSignedIn, RoleRequired
from teller.desk._guard import (
    LANGUAGE_COOKIE,
    OS_USER,
    PRE_COOKIE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    RateLimit,
    csrf_for,
    new_binding,
    same_token,
)
from teller.desk._held import HeldLine, by_rule, total
from teller.desk._i18n import LANGUAGES, ZONE, Language, language
from teller.people import People, Person
from teller.runs import approve, reject
from teller.settings import Settings
from teller.store import Store, open_store

__all__ = ["create_app"]

HERE = Path(__file__).parent


class SignInNeeded(Exception):
    """No live session: a page sends the person to sign in, a request is refused (401)."""


class Refused(Exception):
    """A request the Desk refuses (403 unless said): its reason, shown on the page."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


class Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


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
            **more,
        }
        return self.templates.TemplateResponse(request, name, context, status_code=status)


def _reader(request: Request) -> Person:
    desk: Desk = request.app.state.desk
    return desk.person(request)


# the signed-in person of a request (a page without one sends to the sign-in form)
Reader = Annotated[Person, Depends(_reader)]


def changing(request: Request, person: Person, csrf: str) -> None:
    """A state-changing request: same-site, with this session's CSRF token."""
    desk: Desk = request.app.state.desk
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused("cross-site request refused")
    if not same_token(csrf, csrf_for(desk.key, person.session)):
        raise Refused("the form's security token is missing or not this session's")


def create_app(settings: Settings) -> FastAPI:
    """The Desk for the project of ``settings``."""
    desk = Desk(settings)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.desk = desk
    app.add_middleware(Headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(SignInNeeded)
    def _sign_in(request: Request, _exc: SignInNeeded) -> Response:
        if request.method == "GET":
            return RedirectResponse("/signin", status_code=303)
        return desk.page(request, "error.html", None, 401, reason="not signed in")

    @app.exception_handler(Refused)
    def _refused(request: Request, exc: Refused) -> Response:
        return desk.page(request, "error.html", None, exc.status, reason=exc.reason)

    @app.exception_handler(RoleRequired)
    def _role(request: Request, exc: RoleRequired) -> Response:
        return desk.page(request, "error.html", None, 403, reason=str(exc))

    _sign_in_routes(app, desk)
    _pages(app, desk)
    return app


def _sign_in_routes(app: FastAPI, desk: Desk) -> None:
    def form(request: Request, status: int = 200, refusal: str = "") -> Response:
        binding = request.cookies.get(PRE_COOKIE) or new_binding()
        page = desk.page(
            request,
            "signin.html",
            None,
            status,
            signin_csrf=csrf_for(desk.key, f"signin:{binding}"),
            refusal=refusal,
        )
        page.set_cookie(
            PRE_COOKIE,
            binding,
            httponly=True,
            secure=True,
            samesite="strict",
            path="/",
            max_age=3600,
        )
        return page

    @app.get("/signin")
    def signin_page(request: Request) -> Response:
        return form(request)

    @app.post("/signin")
    def signin(
        request: Request,
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        code: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        _ = desk.language(request).gettext
        address = request.client.host if request.client else "?"
        if not desk.limit.allow(address):
            return form(request, 429, _("Too many sign-in attempts. Wait a minute."))
        binding = request.cookies.get(PRE_COOKIE, "")
        if not binding or not same_token(csrf, csrf_for(desk.key, f"signin:{binding}")):
            return form(request, 403, _("The form expired. Sign in again."))
        try:
            person, token = desk.people.login(
                username,
                password,
                code,
                os_user=OS_USER,
                host=address,
                minutes=desk.longest.total_seconds() / 60,
            )
            desk.people.keep_alive(person, idle=desk.idle, longest=desk.longest)
        except LoginRefused:
            return form(request, 401, _("Sign-in refused: check name, password and code."))
        except AccessDenied as denied:
            return form(request, 403, str(denied))
        done = RedirectResponse("/", status_code=303)
        done.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            secure=True,
            samesite="strict",
            path="/",
        )
        done.delete_cookie(PRE_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return done

    @app.get("/language/{code}")
    def choose_language(code: str) -> Response:
        back = RedirectResponse("/", status_code=303)
        if code in LANGUAGES:
            back.set_cookie(LANGUAGE_COOKIE, code, samesite="lax", path="/", max_age=31536000)
        return back


def _pages(app: FastAPI, desk: Desk) -> None:
    @app.post("/signout")
    def signout(request: Request, person: Reader, csrf: Annotated[str, Form()] = "") -> Response:
        changing(request, person, csrf)
        desk.people.logout(request.cookies.get(SESSION_COOKIE, ""))
        gone = RedirectResponse("/signin", status_code=303)
        gone.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return gone

    @app.get("/")
    def home(request: Request, person: Reader) -> Response:
        today = datetime.now(ZONE).date()
        runs = [
            r
            for r in desk.store.runs(limit=200)
            if r.created_at.replace(tzinfo=UTC).astimezone(ZONE).date() == today
        ]
        states = {r.id: _states(desk.store, r.id) for r in runs}
        held = desk.store.items(states=["needs_approval"])
        waiting = sum((i.amount or Decimal(0) for i in held), Decimal(0))
        return desk.page(
            request, "home.html", person, runs=runs, states=states, held=held, waiting=waiting
        )

    @app.get("/approvals")
    def approvals(request: Request, person: Reader) -> Response:
        groups = by_rule(desk.store.items(states=["needs_approval"]))
        can_decide = person.has("approver")
        return desk.page(request, "approvals.html", person, groups=groups, can_decide=can_decide)

    @app.post("/approvals/confirm")
    def confirm(
        request: Request,
        person: Reader,
        action: Annotated[str, Form()] = "",
        item: Annotated[list[int] | None, Form()] = None,
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        changing(request, person, csrf)
        person.require(action or "decide", "approver")
        if action not in ("approve", "reject"):
            raise Refused("approve or reject", 400)
        held = {i.id: i for i in desk.store.items(states=["needs_approval"])}
        lines = [HeldLine.of(held[i]) for i in dict.fromkeys(item or []) if i in held]
        if not lines:
            raise Refused("no held line chosen (or none still held)", 400)
        return desk.page(
            request, "confirm.html", person, action=action, lines=lines, total=total(lines)
        )

    @app.post("/approvals/decide")
    def decide(
        request: Request,
        person: Reader,
        action: Annotated[str, Form()] = "",
        item: Annotated[list[int] | None, Form()] = None,
        reason: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        changing(request, person, csrf)
        person.require(action or "decide", "approver")
        if action not in ("approve", "reject"):
            raise Refused("approve or reject", 400)
        results: list[tuple[int, str]] = []
        for item_id in item or []:
            try:
                if action == "approve":
                    moved = approve(desk.store, item_id, by=person, key=desk.key, reason=reason)
                else:
                    moved = reject(desk.store, item_id, by=person, key=desk.key, reason=reason)
                results.append((item_id, moved.state))
            except (ApprovalRefused, AccessDenied) as refused:
                results.append((item_id, f"refused: {refused}"))
        return desk.page(request, "decided.html", person, action=action, results=results)


def _states(store: Store, run_id: str) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in store.items(run_id):
        counted[item.state] = counted.get(item.state, 0) + 1
    return counted
