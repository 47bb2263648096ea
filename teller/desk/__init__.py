"""The Desk: Teller's web console for operations staff, approvers and auditors.

Server-rendered pages (FastAPI, Jinja2, htmx vendored) on the store, signed in with the
store's people (password and one-time code), served by uvicorn (``teller desk serve``).
The Desk never drives a browser: it reads the store and calls the engine.
"""

from teller.desk._app import create_app

__all__ = ["create_app"]
