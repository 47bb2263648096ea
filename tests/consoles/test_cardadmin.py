"""The cardadmin console over HTTP (Flask test client, no browser): GBK pages, effects, refusals."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from consoles.cardadmin import OPERATOR, create_app
from consoles.cardadmin._store import Refusal, Store

PASSWORD = "cardadmin-test-pass"
CARD, FROZEN, CLOSED, OTHER = (
    "6222000011112222",
    "6222000033334444",
    "6222000055556666",
    "6222000077778888",
)
ACCOUNT, FROZEN_ACCOUNT = "6222100000000001", "6222100000000002"
SEED = {
    "cards": [
        {"card_no": CARD, "account_no": ACCOUNT, "holder": "張三"},
        {
            "card_no": FROZEN,
            "account_no": ACCOUNT,
            "holder": "張三",
            "status": "frozen_lost",
            "frozen_at": "2026-11-28 09:30:00",
        },
        {"card_no": CLOSED, "account_no": ACCOUNT, "holder": "張三", "status": "closed"},
        {"card_no": OTHER, "account_no": FROZEN_ACCOUNT, "holder": "李四"},
    ],
    "accounts": [
        {"account_no": ACCOUNT, "holder": "張三"},
        {"account_no": FROZEN_ACCOUNT, "holder": "李四", "status": "frozen"},
    ],
}
_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def gbk(fields: dict[str, str]) -> str:
    """Fields encoded as a browser posts them from a GBK page."""
    return urlencode(fields, encoding="gbk", errors="xmlcharrefreplace")


def text(answer: TestResponse) -> str:
    return answer.get_data().decode("gbk")


def error(answer: TestResponse) -> str | None:
    found = re.search(r'id="error-message">([^<]*)<', text(answer))
    return found.group(1) if found else None


def shown(answer: TestResponse, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', text(answer))
    assert found, f"#{element_id} not on the page"
    return found.group(1)


@dataclass
class Console:
    app: Flask
    db_path: Path

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def post(self, client: FlaskClient, path: str, **fields: str) -> TestResponse:
        return client.post(path, data=gbk(fields), content_type="application/x-www-form-urlencoded")

    def token(self, client: FlaskClient, path: str) -> str:
        found = re.search(r'name="_token" value="([^"]+)"', text(client.get(path)))
        assert found
        return found.group(1)

    def login(self, password: str = PASSWORD) -> FlaskClient:
        client = self.client()
        token = self.token(client, "/login")
        answer = self.post(client, "/login", _token=token, username=OPERATOR, password=password)
        assert answer.status_code == 303, text(answer)
        return client

    def effect(self, client: FlaskClient, path: str, **fields: str) -> TestResponse:
        # The token is the session's: any page with a form carries it.
        return self.post(client, path, _token=self.token(client, f"/card?no={CARD}"), **fields)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.db_path)) as db:
            return db.execute(sql, params).fetchall()

    def actions(self, target: str) -> list[tuple[Any, ...]]:
        return self.rows(
            "SELECT ref, kind, reason_code, memo, by FROM actions WHERE target = ? ORDER BY rowid",
            (target,),
        )


@pytest.fixture
def make_console(tmp_path: Path) -> Callable[..., Console]:
    def make(**options: Any) -> Console:
        db_path = tmp_path / "cardadmin.db"
        app = create_app(db_path=db_path, password=PASSWORD, **options)
        app.testing = True
        console = Console(app, db_path)
        assert console.client().post("/admin/cards", json=SEED).get_json() == {"added": 6}
        return console

    return make


@pytest.fixture
def console(make_console: Callable[..., Console]) -> Console:
    return make_console()


def test_pages_are_gbk_with_the_charset_in_header_and_meta(console: Console) -> None:
    answer = console.client().get("/login")
    assert answer.headers["Content-Type"] == "text/html; charset=GBK"
    assert '<meta charset="GBK">' in text(answer)
    assert "用戶名 Username".encode("gbk") in answer.get_data()
    page = console.login().get(f"/card?no={CARD}")
    assert page.headers["Content-Type"] == "text/html; charset=GBK"
    assert shown(page, "card-status") == "正常"


def test_login_refuses_a_wrong_password_and_a_bad_token(console: Console) -> None:
    client = console.client()
    token = console.token(client, "/login")
    wrong = console.post(client, "/login", _token=token, username=OPERATOR, password="nope")
    assert wrong.status_code == 200 and "Wrong username or password" in text(wrong)
    forged = console.post(client, "/login", _token="forged", username=OPERATOR, password=PASSWORD)
    assert forged.status_code == 403 and "Invalid form token" in text(forged)
    assert console.client().get("/card").headers["Location"] == "/login"


def test_idle_session_goes_back_to_the_login_page(make_console: Callable[..., Console]) -> None:
    console = make_console(session_idle_seconds=1)
    client = console.login()
    assert client.get("/card").status_code == 200
    time.sleep(1.2)
    answer = client.get("/card")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?timeout=1"
    assert "Session timed out" in text(client.get(answer.headers["Location"]))


def test_card_page_shows_the_card_and_its_freeze(console: Console) -> None:
    client = console.login()
    page = client.get(f"/card?no={FROZEN}")
    assert shown(page, "card-status") == "掛失凍結"
    assert shown(page, "freeze-ref") == "FRZ00000001"
    assert shown(page, "freeze-at") == "2026-11-28 09:30:00"
    assert shown(page, "freeze-memo") == "seeded"
    assert 'id="unfreeze-form"' in text(page)
    active = client.get(f"/card?no={CARD}")
    assert "freeze-ref" not in text(active) and 'id="unfreeze-form"' not in text(active)
    assert shown(active, "unfreeze-unavailable") == "卡片未掛失 Card not frozen as lost"
    assert error(client.get("/card?no=6222999999999999")) == "無此卡 No such card"
    assert error(client.get("/card")) is None  # the bare search form


def test_freeze_card_writes_one_action_and_refuses_a_second(console: Console) -> None:
    client = console.login()
    answer = console.effect(client, "/card/freeze", card_no=CARD, reason="02", memo="LR-1 被盜")
    assert answer.status_code == 200
    assert shown(answer, "action-ref") == "FRZ00000002"  # FRZ00000001 is the seeded one
    assert _TIME.match(shown(answer, "action-at"))
    assert console.rows("SELECT status FROM cards WHERE card_no = ?", (CARD,)) == [("frozen_lost",)]
    assert console.actions(CARD) == [("FRZ00000002", "freeze_card", "02", "LR-1 被盜", OPERATOR)]
    again = console.effect(client, "/card/freeze", card_no=CARD, reason="01", memo="LR-1 again")
    assert error(again) == "卡片已凍結 Card already frozen (FRZ00000002)"
    closed = console.effect(client, "/card/freeze", card_no=CLOSED, reason="01", memo="LR-2")
    assert error(closed) == "卡片已銷卡 Card closed"
    assert len(console.actions(CARD)) == 1 and console.actions(CLOSED) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "04", "memo": "x"}, "原因代碼無效 Invalid reason code"),
        ({"reason": "01", "memo": "  "}, "備注必填 Memo required"),
        ({"reason": "01", "memo": "長" * 201}, "備注過長 Memo longer than 200 characters"),
        ({"reason": "01", "memo": "x", "card_no": "6222999999999999"}, "無此卡 No such card"),
    ],
)
def test_bad_freeze_forms_are_refused(
    console: Console, fields: dict[str, str], message: str
) -> None:
    client = console.login()
    answer = console.effect(client, "/card/freeze", **{"card_no": CARD, **fields})
    assert answer.status_code == 200 and error(answer) == message
    assert console.rows("SELECT COUNT(*) FROM actions WHERE by = ?", (OPERATOR,)) == [(0,)]


def test_a_post_without_the_token_changes_nothing(console: Console) -> None:
    client = console.login()
    answer = console.post(client, "/card/freeze", _token="x", card_no=CARD, reason="01", memo="m")
    assert answer.status_code == 403 and "Invalid form token" in (error(answer) or "")
    assert console.rows("SELECT status FROM cards WHERE card_no = ?", (CARD,)) == [("active",)]
    assert console.actions(CARD) == []


def test_gbk_posts_are_decoded_and_characters_gbk_lacks_come_back(console: Console) -> None:
    client = console.login()
    memo = "掛失 遺失 補卡 😀 &#65;"  # an emoji GBK lacks; a literal reference stays literal
    answer = console.effect(client, "/card/freeze", card_no=CARD, reason="01", memo=memo)
    assert shown(answer, "action-memo") == "掛失 遺失 補卡 &#128512; &amp;#65;"  # as HTML
    assert console.rows("SELECT memo FROM actions WHERE target = ?", (CARD,)) == [(memo,)]
    found = client.get("/actions?" + gbk({"memo": memo}))
    assert text(found).count("FRZ00000002") == 1


def test_replacement_is_ordered_once(console: Console) -> None:
    client = console.login()
    answer = console.effect(client, "/card/replace", card_no=CARD, memo="LR-3 補卡")
    assert shown(answer, "action-ref") == "RPL00000001"
    again = console.effect(client, "/card/replace", card_no=CARD, memo="LR-3 補卡")
    assert error(again) == "已申請補卡 already ordered (RPL00000001)"
    closed = console.effect(client, "/card/replace", card_no=CLOSED, memo="LR-4")
    assert error(closed) == "卡片已銷卡 Card closed"
    assert console.actions(CARD) == [("RPL00000001", "replace_card", None, "LR-3 補卡", OPERATOR)]
    assert console.rows("SELECT status FROM cards WHERE card_no = ?", (CARD,)) == [("active",)]
    page = client.get(f"/card?no={CARD}")
    assert "RPL00000001" in text(page) and "LR-3 補卡" in text(page)


def test_unfreeze_only_a_card_frozen_as_lost(console: Console) -> None:
    client = console.login()
    refused = console.effect(client, "/card/unfreeze", card_no=CARD, memo="LR-5")
    assert error(refused) == "卡片未掛失 Card not frozen as lost"
    answer = console.effect(client, "/card/unfreeze", card_no=FROZEN, memo="LR-5 找回")
    assert shown(answer, "action-ref") == "UFZ00000001"
    assert console.rows("SELECT status FROM cards WHERE card_no = ?", (FROZEN,)) == [("active",)]
    again = console.effect(client, "/card/unfreeze", card_no=FROZEN, memo="LR-5 找回")
    assert error(again) == "卡片未掛失 Card not frozen as lost"
    assert [row[:2] for row in console.actions(FROZEN)] == [
        ("FRZ00000001", "freeze_card"),
        ("UFZ00000001", "unfreeze_card"),
    ]


def test_freeze_account_once(console: Console) -> None:
    client = console.login()
    page = client.get(f"/account?no={ACCOUNT}")
    assert shown(page, "account-status") == "正常"
    answer = console.effect(client, "/account/freeze", account_no=ACCOUNT, memo="LR-6")
    assert shown(answer, "action-ref") == "FRA00000002"  # FRA00000001: the seeded frozen one
    assert console.rows("SELECT status FROM accounts WHERE account_no = ?", (ACCOUNT,)) == [
        ("frozen",)
    ]
    again = console.effect(client, "/account/freeze", account_no=ACCOUNT, memo="LR-6")
    assert error(again) == "賬戶已凍結 Account already frozen (FRA00000002)"
    assert console.actions(ACCOUNT) == [("FRA00000002", "freeze_account", None, "LR-6", OPERATOR)]
    frozen = client.get(f"/account?no={ACCOUNT}")
    assert shown(frozen, "account-freeze-ref") == "FRA00000002"
    assert error(client.get("/account?no=6222100000000009")) == "無此賬戶 No such account"
    missing = console.effect(client, "/account/freeze", account_no="6222100000000009", memo="m")
    assert error(missing) == "無此賬戶 No such account"


def test_action_search_by_exact_memo(console: Console) -> None:
    client = console.login()
    console.effect(client, "/card/freeze", card_no=CARD, reason="01", memo="LR-7 掛失")
    console.effect(client, "/card/replace", card_no=CARD, memo="LR-7 掛失")
    console.effect(client, "/card/replace", card_no=OTHER, memo="LR-7")
    page = text(client.get("/actions?" + gbk({"memo": "LR-7 掛失"})))
    assert re.findall(r"<td>((?:FRZ|RPL)\d{8})</td>", page) == ["FRZ00000002", "RPL00000001"]
    assert "補卡" in page and "遺失 Lost" in page
    assert "無記錄 No records" in text(client.get("/actions?memo=nothing"))


def test_a_fault_after_commit_keeps_the_effect(console: Console) -> None:
    client = console.login()
    assert console.client().post("/admin/faults", json={"error_after_commit": 1}).get_json() == {
        "armed": {"error_after_commit": 1, "drop_after_commit": 0}
    }
    answer = console.effect(client, "/card/freeze", card_no=CARD, reason="01", memo="LR-8")
    assert answer.status_code == 500 and 'id="system-error"' in text(answer)
    assert console.actions(CARD) == [("FRZ00000002", "freeze_card", "01", "LR-8", OPERATOR)]
    console.client().post("/admin/faults", json={"drop_after_commit": 1})
    dropped = console.effect(client, "/card/replace", card_no=CARD, memo="LR-8")
    assert dropped.status_code == 500  # no socket to drop in the test client
    assert len(console.actions(CARD)) == 2
    bad = console.client().post("/admin/faults", json={"slow": 1})
    assert bad.status_code == 400


def test_concurrent_freezes_apply_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "race.db")
    store.seed([{"card_no": CARD, "account_no": ACCOUNT, "holder": "張三"}], [])
    outcomes: list[str] = []

    def freeze(n: int) -> None:
        try:
            outcomes.append(store.freeze_card(CARD, reason="01", memo=f"race {n}", by="t").ref)
        except Refusal as refusal:
            outcomes.append(refusal.message)

    threads = [threading.Thread(target=freeze, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("FRZ00000001") == 1
    assert outcomes.count("卡片已凍結 Card already frozen (FRZ00000001)") == 7
    with closing(sqlite3.connect(tmp_path / "race.db")) as db:
        assert db.execute("SELECT COUNT(*) FROM actions").fetchone() == (1,)


def test_admin_seeding_checks_its_input_and_answers_loopback_only(console: Console) -> None:
    admin = console.client()
    bad = [
        {"cards": [{"card_no": "1", "account_no": "2", "holder": "x", "status": "lost"}]},
        {"cards": [{"card_no": "1", "holder": "x"}]},
        {"cards": [{"card_no": "1", "account_no": "2", "holder": "x", "frozen_at": "today"}]},
        {"cards": "none"},
    ]
    for body in bad:
        assert admin.post("/admin/cards", json=body).status_code == 400
    # Seeding again changes nothing: a card already frozen gets no second seeded freeze.
    assert admin.post("/admin/cards", json=SEED).get_json() == {"added": 6}
    assert console.rows("SELECT ref, target, memo, at FROM actions ORDER BY rowid") == [
        ("FRA00000001", FROZEN_ACCOUNT, "seeded", console.rows("SELECT at FROM actions")[0][0]),
        ("FRZ00000001", FROZEN, "seeded", "2026-11-28 09:30:00"),
    ]
    remote = admin.get("/admin/health", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert remote.status_code == 403
    assert admin.get("/admin/health").get_json() == {"ok": True}


def test_latency_slows_the_screens_not_the_admin(make_console: Callable[..., Console]) -> None:
    console = make_console(latency_ms=150)
    client = console.client()
    started = time.monotonic()
    client.get("/admin/health")
    assert time.monotonic() - started < 0.15
    started = time.monotonic()
    client.get("/login")
    assert time.monotonic() - started >= 0.15
