"""Fixtures for the sandbox consoles at the HTTP level: Flask test clients, no browser."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consoles.corebank import create_app

PASSWORD = "test-pass-01"
TRANSFER_LABELS = {
    "debit_account": "付款賬號 Debit Account",
    "credit_account": "收款賬號 Credit Account",
    "payee_name": "收款戶名 Payee Name",
    "amount": "金額 Amount",
    "reference": "參考號 Reference",
    "memo": "備注 Memo",
}


class _Form(HTMLParser):
    """Collects labels, inputs and the error message of one console page."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: dict[str, str] = {}  # label text -> input id
        self.inputs: dict[str, dict[str, str]] = {}  # input id or name -> attributes
        self._label_for: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "label":
            self._label_for, self._text = attributes.get("for", ""), []
        elif tag == "input":
            self.inputs[attributes.get("id") or attributes.get("name", "")] = attributes

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_for is not None:
            self.labels["".join(self._text).strip()] = self._label_for
            self._label_for = None


@dataclass
class Page:
    """A parsed console page: find inputs by their label, as a teller would."""

    html: str

    def __post_init__(self) -> None:
        self._form = _Form()
        self._form.feed(self.html)

    def name_of(self, label: str) -> str:
        return self._form.inputs[self._form.labels[label]]["name"]

    def id_of(self, label: str) -> str:
        return self._form.labels[label]

    @property
    def token(self) -> str:
        return self._form.inputs["_token"]["value"]

    @property
    def error(self) -> str | None:
        found = re.search(r'<div class="error"[^>]*>(.*?)</div>', self.html, re.S)
        return found.group(1).strip() if found else None


@dataclass
class Corebank:
    """A console app on a fresh ledger, with the helpers the tests share."""

    app: Flask
    db_path: Path
    password: str = PASSWORD

    @staticmethod
    def parse(html: str) -> Page:
        return Page(html)

    def seed(self, accounts: list[dict[str, str]]) -> None:
        answer = self.client().post("/admin/accounts", json={"accounts": accounts})
        assert answer.get_json() == {"upserted": len(accounts)}

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def login(self, client: FlaskClient | None = None) -> FlaskClient:
        client = client or self.client()
        token = Page(client.get("/login").get_data(as_text=True)).token
        answer = client.post(
            "/login", data={"_token": token, "username": "teller01", "password": PASSWORD}
        )
        assert answer.status_code == 303, answer.get_data(as_text=True)
        return client

    def transfer(self, client: FlaskClient, **values: str) -> tuple[int, Page]:
        """Fill and post the transfer form; values by field key (debit_account, ...)."""
        form = Page(client.get("/transfer").get_data(as_text=True))
        data = {form.name_of(TRANSFER_LABELS[key]): value for key, value in values.items()}
        data["_token"] = form.token
        answer = client.post("/transfer", data=data)
        return answer.status_code, Page(answer.get_data(as_text=True))

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(self.db_path)) as db:
            return db.execute(sql, params).fetchall()

    def balances(self) -> dict[str, str]:
        return dict(self.query("SELECT account_no, balance FROM accounts"))  # type: ignore[arg-type]


@pytest.fixture
def make_corebank(tmp_path: Path) -> Callable[..., Corebank]:
    """Build a console on an empty ledger in ``tmp_path``; options go to ``create_app``."""

    def make(**options: Any) -> Corebank:
        db_path = tmp_path / "corebank.db"
        app = create_app(db_path=db_path, password=PASSWORD, **options)
        app.testing = True
        return Corebank(app, db_path)

    return make
