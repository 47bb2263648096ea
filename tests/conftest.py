"""Fixtures shared by every test: stores on SQLite and PostgreSQL, a project folder."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from teller.store import Store
from tests._console_server import (
    Server,
    start_console,
    start_corebank,
    start_coreplus,
    start_spapay,
)

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# the audit key of the `store` fixture: a test key, as keys.audit would give one
AUDIT_KEY = b"test-audit-key-0123456789abcdef"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL into a fresh schema of the local PostgreSQL, dropped afterwards."""
    schema = f"teller_test_{secrets.token_hex(4)}"
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The store, once on SQLite and once on the local PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'teller.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    made = Store(url, audit_key=AUDIT_KEY)
    yield made
    made.close()


@pytest.fixture
def corebank(tmp_path: Path) -> Iterator[Server]:
    with start_corebank(tmp_path) as server:
        yield server


@pytest.fixture
def coreplus(tmp_path: Path) -> Iterator[Server]:
    """The coreplus console (a second core-banking vendor) on a fresh ledger: operator
    ``cpteller01``, ``.password`` then a one-time code of ``.totp_seed``."""
    with start_coreplus(tmp_path) as server:
        yield server


@pytest.fixture
def spapay(tmp_path: Path) -> Iterator[Server]:
    """The spapay console (a single-page payables app) on a fresh ledger."""
    with start_spapay(tmp_path) as server:
        yield server


# The account-loss consoles: name -> (operator user, test password).
LOSS_CONSOLES = {
    "servicedesk": ("agent07", "servicedesk-test-pass"),
    "cif": ("cifview", "cif-test-pass"),
    "cardadmin": ("cardops", "cardadmin-test-pass"),
}


def _loss_console(name: str, tmp_path: Path) -> Iterator[Server]:
    user, password = LOSS_CONSOLES[name]
    with start_console(name, tmp_path, user=user, password=password) as server:
        yield server


@pytest.fixture
def servicedesk(tmp_path: Path) -> Iterator[Server]:
    """The servicedesk console (loss-report tickets) on a fresh database."""
    yield from _loss_console("servicedesk", tmp_path)


@pytest.fixture
def cif(tmp_path: Path) -> Iterator[Server]:
    """The cif console (customer information) on a fresh database."""
    yield from _loss_console("cif", tmp_path)


@pytest.fixture
def cardadmin(tmp_path: Path) -> Iterator[Server]:
    """The cardadmin console (card status, freezes, replacements) on a fresh database."""
    yield from _loss_console("cardadmin", tmp_path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder like the repository's: teller.toml, selectors/, policies/."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(ROOT / "teller.toml", folder / "teller.toml")
    shutil.copytree(ROOT / "selectors", folder / "selectors")
    shutil.copytree(ROOT / "policies", folder / "policies")
    return folder


def set_input(project: Path, mode: str) -> None:
    """Every screen of the project's selector files in one input mode, ``fill`` or
    ``simulate``: the end-to-end tests pay in both."""
    for path in (project / "selectors").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for screen in data["screens"].values():
            screen["input"] = mode
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
