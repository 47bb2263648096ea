"""The Desk's application: its pages (one router per page, ``_home``, ``_approvals``, ...),
the security headers on every answer, and what a refusal looks like."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from teller._errors import RoleRequired
from teller.desk import _approvals, _audit, _home, _run, _schedules, _signin, _submit, _users
from teller.desk._core import HERE, Desk, Refused, SignInNeeded
from teller.desk._guard import SECURITY_HEADERS
from teller.settings import Settings

__all__ = ["create_app"]

ROUTERS = (
    _signin.router,
    _home.router,
    _approvals.router,
    _submit.router,
    _run.router,
    _audit.router,
    _schedules.router,
    _users.router,
)


class Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_app(settings: Settings) -> FastAPI:
    """The Desk for the project of ``settings``."""
    desk = Desk(settings)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.desk = desk
    app.add_middleware(Headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)

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

    return app
