"""The ``teller`` command line."""

from __future__ import annotations

from teller.cli._app import app, main

__all__ = ["app", "main"]
