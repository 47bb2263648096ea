"""The cif console at the HTTP level (Flask test client, no browser); its database judges."""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consoles.cif import OPERATOR, create_app
from consoles.cif._pages import mask_phone
from tests._console_server import Server

PASSWORD = "cif-test-pass"
ZHANG_ID, LI_ID = "11010519491231002X", "310101198001010011"
ZHANG = {
    "customer_no": "C0001",
    "id_number": ZHANG_ID.lower(),  # stored upper-case, as the ID card prints it
    "name": "張三",
    "phone": "13812341234",
    "accounts": [
        {"account_no": "6222020200001111", "opened": "2020-01-02 09:30:00"},
        {"account_no": "6222020200002222", "opened": "2021-05-06 10:00:00", "status": "frozen"},
    ],
    "cards": [
        {"card_no": "6217000010001111222", "account_no": "6222020200001111"},
        {
            "card_no": "6217000010003333444",
            "account_no": "6222020200002222",
            "status": "frozen_lost",
        },
    ],
}
LI = {"customer_no": "C0002", "id_number": LI_ID, "name": "李四", "phone": "13900009999"}


def rows(app: Flask, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(app.extensions["cif.db"].path)) as db:
        return db.execute(sql).fetchall()


def token_of(html: str) -> str:
    found = re.search(r'name="_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def login(client: FlaskClient, password: str = PASSWORD) -> Any:
    token = token_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"_token": token, "username": OPERATOR, "password": password})


@pytest.fixture
def make_app(tmp_path: Path) -> Any:
    def make(**options: Any) -> Flask:
        app = create_app(db_path=tmp_path / "cif.db", password=PASSWORD, **options)
        app.testing = True
        return app

    return make


@pytest.fixture
def app(make_app: Any) -> Flask:
    made: Flask = make_app()
    answer = made.test_client().post("/admin/customers", json={"customers": [ZHANG, LI]})
    assert answer.get_json() == {"added": 2}
    return made


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client).status_code == 303
    return client


# -- login and session -----------------------------------------------------------


def test_login_with_token_goes_to_the_search(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "用戶名 Username" in page and "密碼 Password" in page and 'type="hidden"' in page
    answer = login(client)
    assert answer.status_code == 303 and answer.headers["Location"] == "/search"
    assert "證件號碼 ID number" in client.get("/search").get_data(as_text=True)


def test_login_without_the_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    client.get("/login")
    answer = client.post("/login", data={"username": OPERATOR, "password": PASSWORD})
    assert answer.status_code == 403
    assert "Invalid form token" in answer.get_data(as_text=True)
    assert client.get("/search").headers["Location"] == "/login"


def test_wrong_password_is_refused(app: Flask) -> None:
    client = app.test_client()
    answer = login(client, password="nope")
    assert answer.status_code == 200
    assert "用戶名或密碼錯誤 Wrong username or password" in answer.get_data(as_text=True)
    assert client.get("/search").status_code == 302


@pytest.mark.parametrize("path", ["/", "/search", "/customer?no=C0001", "/cards?customer=C0001"])
def test_every_screen_needs_a_login(app: Flask, path: str) -> None:
    answer = app.test_client().get(path)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"


def test_idle_session_goes_back_to_the_login_page(make_app: Any) -> None:
    client = make_app(session_idle_seconds=1).test_client()
    assert login(client).status_code == 303
    time.sleep(1.1)
    answer = client.get("/search")
    assert answer.headers["Location"] == "/login?timeout=1"
    assert "會話已超時 Session timed out" in client.get("/login?timeout=1").get_data(as_text=True)


def test_admin_can_end_every_session(app: Flask, client: FlaskClient) -> None:
    assert app.test_client().post("/admin/sessions/expire").get_json() == {"expired": 1}
    assert client.get("/search").headers["Location"] == "/login?timeout=1"


def test_logout_ends_the_session(client: FlaskClient) -> None:
    client.get("/logout")
    assert client.get("/search").headers["Location"] == "/login"


def test_latency_slows_screens_but_not_admin(make_app: Any) -> None:
    client = make_app(latency_ms=200).test_client()
    started = time.monotonic()
    client.get("/admin/health")
    assert time.monotonic() - started < 0.15
    started = time.monotonic()
    client.get("/login")
    assert time.monotonic() - started >= 0.2


# -- screens ---------------------------------------------------------------------


def test_search_lists_the_customer_with_a_popup_details_link(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"id_number": ZHANG_ID.lower()}).get_data(
        as_text=True
    )
    assert "<td>C0001</td><td>張三</td>" in page
    link = re.search(r"<a ([^>]*)>詳情 Details</a>", page)
    assert link is not None
    assert 'href="#"' in link.group(1)  # no URL in the link: window.open from its onclick
    assert "onclick='return openDetail(\"C0001\")'" in link.group(1)
    assert 'window.open("/customer?no=" + encodeURIComponent(no), "cifDetail"' in page
    assert "李四" not in page


def test_search_without_a_match_says_so(client: FlaskClient) -> None:
    page = client.get("/search?id_number=110105194912310000").get_data(as_text=True)
    assert "未找到客戶 No customer found" in page and "詳情 Details" not in page


def test_search_with_an_empty_id_asks_for_one(client: FlaskClient) -> None:
    page = client.get("/search?id_number=+").get_data(as_text=True)
    assert "請輸入證件號碼 Enter an ID number" in page
    assert "No customer found" not in client.get("/search").get_data(as_text=True)


def test_customer_popup_shows_the_phone_masked_and_the_accounts(client: FlaskClient) -> None:
    page = client.get("/customer?no=C0001").get_data(as_text=True)
    assert '<td class="lbl">姓名 Name</td><td>張三</td>' in page
    assert f'<td class="lbl">證件號碼 ID number</td><td>{ZHANG_ID}</td>' in page
    assert '<td class="lbl">電話 Phone</td><td>138****1234</td>' in page
    assert "13812341234" not in page
    assert (
        "<td>6222020200001111</td><td>2020-01-02 09:30:00</td><td>正常 active</td>" in page
        and "<td>6222020200002222</td><td>2021-05-06 10:00:00</td><td>凍結 frozen</td>" in page
    )
    assert 'value="卡片 Cards" onclick=\'openCards("C0001")\'' in page
    assert 'encodeURIComponent(no), "cifCards"' in page


def test_cards_popup_lists_card_account_and_status(client: FlaskClient) -> None:
    page = client.get("/cards?customer=C0001").get_data(as_text=True)
    assert "<td>6217000010001111222</td><td>6222020200001111</td><td>正常 active</td>" in page
    assert (
        "<td>6217000010003333444</td><td>6222020200002222</td><td>掛失凍結 frozen_lost</td>" in page
    )
    assert "無記錄 No records" in client.get("/cards?customer=C0002").get_data(as_text=True)


def test_unknown_customer_in_a_popup_is_not_found(client: FlaskClient) -> None:
    for path in ("/customer?no=C9999", "/cards?customer=C9999"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "未找到客戶 No customer found" in answer.get_data(as_text=True)


def test_phone_masking() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("1234") == "****1234"
    assert mask_phone("") == ""


# -- admin seeding -----------------------------------------------------------------


def test_seeding_writes_customers_accounts_and_cards(app: Flask) -> None:
    assert rows(app, "SELECT * FROM customers ORDER BY customer_no") == [
        ("C0001", ZHANG_ID, "張三", "13812341234"),
        ("C0002", LI_ID, "李四", "13900009999"),
    ]
    assert rows(app, "SELECT * FROM accounts ORDER BY account_no") == [
        ("6222020200001111", "C0001", "2020-01-02 09:30:00", "active"),
        ("6222020200002222", "C0001", "2021-05-06 10:00:00", "frozen"),
    ]
    assert rows(app, "SELECT * FROM cards ORDER BY card_no") == [
        ("6217000010001111222", "6222020200001111", "C0001", "active"),
        ("6217000010003333444", "6222020200002222", "C0001", "frozen_lost"),
    ]


def test_seeding_again_updates_in_place(app: Flask) -> None:
    changed = {
        **LI,
        "name": "李四二",
        "accounts": [{"account_no": "6222020200003333"}],
        "cards": [{"card_no": "6217000010001111222", "account_no": "6222020200003333"}],
    }
    answer = app.test_client().post("/admin/customers", json={"customers": [changed]})
    assert answer.get_json() == {"added": 1}
    assert rows(app, "SELECT name FROM customers WHERE customer_no = 'C0002'") == [("李四二",)]
    [(opened,)] = rows(app, "SELECT opened FROM accounts WHERE account_no = '6222020200003333'")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", opened)
    assert rows(app, "SELECT customer_no FROM cards WHERE card_no = '6217000010001111222'") == [
        ("C0002",)
    ]
    assert rows(app, "SELECT COUNT(*) FROM customers") == [(2,)]


@pytest.mark.parametrize(
    "bad",
    [
        {"customer_no": "C0003", "name": "王五"},  # no ID number
        {**LI, "customer_no": "C0003"},  # another customer's ID number
        {
            **LI,
            "customer_no": "C0003",
            "id_number": "1",
            "accounts": [{"account_no": "1", "status": "Open!"}],
        },
        {**LI, "customer_no": "C0003", "id_number": "1", "cards": [{"card_no": "1"}]},
        {**LI, "customer_no": "C0003", "id_number": "1", "accounts": "6222"},
        {
            **LI,
            "customer_no": "C0003",
            "id_number": "1",
            "accounts": [{"account_no": "1", "opened": "May"}],
        },
    ],
)
def test_bad_seed_is_refused_and_writes_nothing(app: Flask, bad: dict[str, Any]) -> None:
    good = {"customer_no": "C0004", "id_number": "2", "name": "趙六"}
    answer = app.test_client().post("/admin/customers", json={"customers": [good, bad]})
    assert answer.status_code == 400 and "error" in answer.get_json()
    assert rows(app, "SELECT customer_no FROM customers ORDER BY 1") == [("C0001",), ("C0002",)]


def test_admin_is_for_loopback_only(app: Flask) -> None:
    client = app.test_client()
    answer = client.get("/admin/health", environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert answer.status_code == 403
    assert client.get("/admin/health").get_json() == {"ok": True}


def test_the_console_starts_as_a_subprocess(cif: Server) -> None:
    assert cif.base_url.startswith("http://127.0.0.1:")
    assert cif.admin("health") == {"ok": True}
    assert cif.rows("SELECT COUNT(*) FROM customers") == [(0,)]
