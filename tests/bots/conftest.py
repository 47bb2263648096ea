"""Fixtures for the bots: a live corebank console in a subprocess, on a fresh ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._console_server import Server, start_corebank


@pytest.fixture
def corebank_server(tmp_path: Path) -> Iterator[Server]:
    """A running corebank console (``.base_url``, ``.db_path``, ``.password``), empty ledger."""
    with start_corebank(tmp_path) as server:
        yield server
