"""Build a console's Flask app around its Site, and serve it with a threaded werkzeug server."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from werkzeug.serving import make_server

from consoles._shared._guard import SITE
from consoles._shared._site import Site
from consoles._shared._views import login, logout, slow_down, system_error

__all__ = ["make_app", "run"]

# Templates every console may include (the login form's fields), after its own.
_templates = Blueprint("consoles_shared", __name__, template_folder="templates")


def make_app(
    import_name: str,
    site: Site,
    *blueprints: Blueprint,
    login_view: Callable[[], ResponseReturnValue] = login,
) -> Flask:
    """A console's app: its blueprints, ``/login``, ``/logout``, latency and the 500 page.

    ``import_name`` is the console's module: its ``templates`` folder comes first.
    ``login_view`` answers ``GET/POST /login`` (endpoint ``login``): the shared one-step
    login unless the console signs in its own way (coreplus: a password, then a code).
    """
    app = Flask(import_name)
    app.extensions[SITE] = site
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(_templates)
    app.add_url_rule("/login", "login", login_view, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", logout)
    app.before_request(slow_down)
    app.register_error_handler(500, system_error)
    return app


def run(
    app: Flask, *, host: str, port: int, about: str, stop: Callable[[], None] | None = None
) -> None:
    """Serve ``app`` until interrupted (blocking); the first stdout line names its URL.

    The line reads ``<name> console on http://HOST:PORT/ (<about>)``; ``stop`` runs on exit.
    """
    server = make_server(host, port, app, threaded=True)
    name = app.extensions[SITE].name
    print(f"{name} console on http://{host}:{server.port}/ ({about})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if stop is not None:
            stop()
        server.server_close()
