"""The servicedesk console at the HTTP level: every check is made on its own SQLite file."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consoles.servicedesk import OPERATOR, create_app

PASSWORD = "desk-test-pass"
ID_NUMBER = "11010519491231002X"
CARD = "6222020200001234567"


def ticket(number: int, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ticket_id": f"LR-20261128-{number:04d}",
        "kind": "loss",
        "reported_at": f"2026-11-28 09:{number // 60:02d}:{number % 60:02d}",
        "channel": "phone",
        "customer_name": "張三",
        "id_number": ID_NUMBER,
        "card_no": CARD,
        "freeze_account": True,
        "replacement": False,
    }
    values.update(fields)
    return values


@dataclass
class Desk:
    """A console app on a fresh database, with the helpers the tests share."""

    app: Flask
    db_path: Path

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def seed(self, tickets: list[dict[str, Any]]) -> None:
        answer = self.client().post("/admin/tickets", json={"tickets": tickets})
        assert answer.get_json() == {"added": len(tickets)}, answer.get_json()

    def login(self) -> FlaskClient:
        client = self.client()
        data = {"_token": token(client.get("/login")), "username": OPERATOR, "password": PASSWORD}
        answer = client.post("/login", data=data)
        assert answer.status_code == 303 and answer.location.endswith("/queue")
        return client

    def act(self, client: FlaskClient, ticket_id: str, action: str, **form: str) -> tuple[int, str]:
        """Post one action form of the ticket page with its token: (status, page)."""
        data = {"_token": token(client.get(f"/ticket/{ticket_id}")), **form}
        answer = client.post(f"/ticket/{ticket_id}/{action}", data=data)
        return answer.status_code, answer.get_data(as_text=True)

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.db_path)) as db:
            return db.execute(sql, params).fetchall()

    def state(self, ticket_id: str) -> tuple[Any, ...]:
        (row,) = self.rows(
            "SELECT status, assignee, close_reference, closed_at, closed_by, handed_over_at,"
            " hand_over_reason FROM tickets WHERE ticket_id = ?",
            (ticket_id,),
        )
        return row


def token(answer: Any) -> str:
    found = re.search(r'name="_token" value="([^"]+)"', answer.get_data(as_text=True))
    assert found, "no form token on the page"
    return found.group(1)


def message(page: str, kind: str = "error") -> str | None:
    found = re.search(rf'<div class="{kind}">(.*?)</div>', page, re.S)
    return found.group(1).strip() if found else None


@pytest.fixture
def make_desk(tmp_path: Path) -> Callable[..., Desk]:
    def make(**options: Any) -> Desk:
        db_path = tmp_path / "servicedesk.db"
        app = create_app(db_path=db_path, password=PASSWORD, **options)
        app.testing = True
        return Desk(app, db_path)

    return make


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    """The console with one new ticket, LR-20261128-0001."""
    made = make_desk()
    made.seed([ticket(1)])
    return made


T1 = "LR-20261128-0001"


# -- login and session -----------------------------------------------------


def test_login_with_token_opens_the_queue(desk: Desk) -> None:
    client = desk.login()
    page = client.get("/queue").get_data(as_text=True)
    assert "工單號 Ticket ID" in page and T1 in page
    assert client.get("/").location.endswith("/queue")


@pytest.mark.parametrize("sent", [None, "forged-token"])
def test_login_without_the_right_token_is_refused(desk: Desk, sent: str | None) -> None:
    client = desk.client()
    client.get("/login")
    data = {"username": OPERATOR, "password": PASSWORD}
    if sent is not None:
        data["_token"] = sent
    answer = client.post("/login", data=data)
    assert answer.status_code == 403
    assert "Invalid form token" in answer.get_data(as_text=True)
    assert client.get("/queue").location.endswith("/login")


def test_wrong_password_stays_on_the_login_page(desk: Desk) -> None:
    client = desk.client()
    data = {"_token": token(client.get("/login")), "username": OPERATOR, "password": "x"}
    answer = client.post("/login", data=data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert message(page) == "用戶名或密碼錯誤 Wrong username or password"
    assert "用戶名 Username" in page and "密碼 Password" in page


def test_idle_session_goes_back_to_login_and_posts_nothing(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(session_idle_seconds=1)
    desk.seed([ticket(1)])
    client = desk.login()
    page_token = token(client.get(f"/ticket/{T1}"))
    time.sleep(1.2)
    answer = client.post(f"/ticket/{T1}/claim", data={"_token": page_token})
    assert answer.status_code == 302 and answer.location.endswith("/login?timeout=1")
    assert "會話已超時 Session timed out" in client.get(answer.location).get_data(as_text=True)
    assert desk.state(T1)[:2] == ("new", None)


def test_admin_expiry_ends_every_session(desk: Desk) -> None:
    client = desk.login()
    assert desk.client().post("/admin/sessions/expire").get_json() == {"expired": 1}
    assert client.get("/queue").location.endswith("/login?timeout=1")


def test_logout_ends_the_session(desk: Desk) -> None:
    client = desk.login()
    client.get("/logout")
    assert client.get("/queue").location.endswith("/login")


# -- screens -------------------------------------------------------------------


def test_queue_pages_twenty_at_a_time_with_masked_id_numbers(
    make_desk: Callable[..., Desk],
) -> None:
    desk = make_desk()
    desk.seed([ticket(n, channel="app") for n in range(1, 26)])
    desk.seed([ticket(90, status="claimed", assignee="agent03")])
    client = desk.login()
    first = client.get("/queue?status=new&page=1").get_data(as_text=True)
    assert len(re.findall(r'<a href="/ticket/LR-', first)) == 20
    assert '<a href="/queue?status=new&amp;page=2">下一頁 Next</a>' in first
    assert "110105********002X" in first and ID_NUMBER not in first and CARD not in first
    assert "<td>手機銀行</td>" in first and "<td>掛失</td>" in first
    second = client.get("/queue?status=new&page=2").get_data(as_text=True)
    assert re.findall(r">(LR-20261128-\d{4})</a>", second) == [
        f"LR-20261128-{n:04d}" for n in range(21, 26)
    ]
    assert "下一頁 Next" not in second and "上一頁 Previous" in second
    claimed = client.get("/queue?status=claimed").get_data(as_text=True)
    assert re.findall(r">(LR-20261128-\d{4})</a>", claimed) == ["LR-20261128-0090"]
    assert "<td>agent03</td>" in claimed
    everything = client.get("/queue?status=all&page=2").get_data(as_text=True)
    assert len(re.findall(r'<a href="/ticket/LR-', everything)) == 6
    for option in ("new", "claimed", "handed_over", "closed", "all"):
        assert f'<option value="{option}"' in first


def test_ticket_page_shows_every_field_in_full(desk: Desk) -> None:
    page = desk.login().get(f"/ticket/{T1}").get_data(as_text=True)
    for header, value in [
        ("工單號 Ticket ID", T1),
        ("證件號碼 ID Number", ID_NUMBER),
        ("卡號 Card Number", CARD),
        ("渠道 Channel", "電話"),
        ("同時凍結賬戶 Freeze Account", "是 Yes"),
        ("補發新卡 Replacement Card", "否 No"),
        ("狀態 Status", "new"),
    ]:
        assert f"<th>{header}</th><td>{value}</td>" in page
    assert "return confirm('確認結單 Close ticket" in page
    for label in ("備注 Comment", "原因 Reason", "參考號 Reference", "結單說明 Note"):
        assert f">{label}</label>" in page


def test_unknown_ticket_is_404(desk: Desk) -> None:
    client = desk.login()
    answer = client.get("/ticket/LR-NOPE")
    assert answer.status_code == 404
    assert "無此工單 No such ticket" in answer.get_data(as_text=True)


# -- rules -----------------------------------------------------------------------


def test_claim_takes_a_new_ticket_and_again_changes_nothing(desk: Desk) -> None:
    client = desk.login()
    status, page = desk.act(client, T1, "claim")
    assert status == 200 and message(page, "ok") == "認領成功 Ticket claimed"
    assert desk.state(T1)[:2] == ("claimed", OPERATOR)
    status, page = desk.act(client, T1, "claim")
    assert message(page, "ok") == "已由您認領 Already claimed by you"
    assert desk.state(T1)[:2] == ("claimed", OPERATOR)


@pytest.mark.parametrize(
    ("seeded", "refusal"),
    [
        ({"status": "claimed", "assignee": "agent03"}, "已被他人認領 Already claimed by agent03"),
        (
            {"status": "closed", "assignee": "agent03", "close_reference": "CASE-9"},
            "已結單 already closed (reference CASE-9), 不能認領 cannot claim",
        ),
        ({"status": "handed_over"}, "已轉人工 already handed over, 不能認領 cannot claim"),
    ],
)
def test_claim_refusals_change_nothing(
    make_desk: Callable[..., Desk], seeded: dict[str, str], refusal: str
) -> None:
    desk = make_desk()
    desk.seed([ticket(1, **seeded)])
    before = desk.state(T1)
    status, page = desk.act(desk.login(), T1, "claim")
    assert status == 200 and message(page) == refusal
    assert desk.state(T1) == before


def test_comment_is_recorded_with_author_and_time(desk: Desk) -> None:
    client = desk.login()
    status, page = desk.act(client, T1, "comment", text="  客戶來電 called back  ")
    assert message(page, "ok") == "備注已添加 Comment added"
    [(author, text, at)] = desk.rows("SELECT author, text, at FROM comments")
    assert (author, text) == (OPERATOR, "客戶來電 called back")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", at)
    assert "客戶來電 called back" in client.get(f"/ticket/{T1}").get_data(as_text=True)
    _, page = desk.act(client, T1, "comment", text="  ")
    assert message(page) == "備注為空 Comment is empty"
    assert desk.rows("SELECT COUNT(*) FROM comments") == [(1,)]


def test_hand_over_once_then_says_so(desk: Desk) -> None:
    client = desk.login()
    _, page = desk.act(client, T1, "hand_over", reason="客戶要求 customer asked")
    assert message(page, "ok") == "已轉人工 Handed over"
    first = desk.state(T1)
    assert first[0:2] == ("handed_over", "人工隊列") and first[6] == "客戶要求 customer asked"
    _, page = desk.act(client, T1, "hand_over", reason="again")
    assert message(page, "ok") == "已轉人工 Already handed over"
    assert desk.state(T1) == first


def test_hand_over_needs_a_reason(desk: Desk) -> None:
    _, page = desk.act(desk.login(), T1, "hand_over", reason="")
    assert message(page) == "請填寫原因 Reason required"
    assert desk.state(T1)[0] == "new"


def test_close_by_the_assignee_records_reference_time_and_note(desk: Desk) -> None:
    client = desk.login()
    desk.act(client, T1, "claim")
    _, page = desk.act(client, T1, "close", reference="LOSS-1", note="已凍結 frozen")
    assert message(page, "ok") == "結單成功 Ticket closed"
    status, assignee, reference, closed_at, closed_by, *_ = desk.state(T1)
    assert (status, assignee, reference, closed_by) == ("closed", OPERATOR, "LOSS-1", OPERATOR)
    assert f"<th>結單時間 Closed At</th><td>{closed_at}</td>" in page
    assert desk.rows("SELECT author, text FROM comments") == [(OPERATOR, "已凍結 frozen")]
    _, page = desk.act(client, T1, "close", reference="LOSS-2")
    assert message(page) == "已結單 already closed (reference LOSS-1)"
    assert desk.state(T1)[2:4] == ("LOSS-1", closed_at)


@pytest.mark.parametrize(
    ("seeded", "form", "refusal"),
    [
        ({}, {"reference": "R"}, "請先認領 Claim the ticket first"),
        (
            {"status": "claimed", "assignee": "agent03"},
            {"reference": "R"},
            "工單由他人處理 Ticket is assigned to agent03",
        ),
        (
            {"status": "claimed", "assignee": OPERATOR},
            {"reference": " "},
            "請填寫參考號 Reference required",
        ),
        (
            {"status": "handed_over"},
            {"reference": "R"},
            "已轉人工 already handed over, 不能結單 cannot close",
        ),
    ],
)
def test_close_refusals_change_nothing(
    make_desk: Callable[..., Desk], seeded: dict[str, str], form: dict[str, str], refusal: str
) -> None:
    desk = make_desk()
    desk.seed([ticket(1, **seeded)])
    before = desk.state(T1)
    status, page = desk.act(desk.login(), T1, "close", **form)
    assert status == 200 and message(page) == refusal
    assert desk.state(T1) == before
    assert desk.rows("SELECT COUNT(*) FROM comments") == [(0,)]


@pytest.mark.parametrize("action", ["claim", "comment", "hand_over", "close"])
def test_action_without_the_right_token_is_refused(desk: Desk, action: str) -> None:
    client = desk.login()
    form = {"_token": "forged", "text": "x", "reason": "x", "reference": "x"}
    answer = client.post(f"/ticket/{T1}/{action}", data=form)
    assert answer.status_code == 403
    assert "Invalid form token" in answer.get_data(as_text=True)
    assert desk.state(T1)[:2] == ("new", None)
    assert desk.rows("SELECT COUNT(*) FROM comments") == [(0,)]


def test_action_on_an_unknown_ticket_is_404(desk: Desk) -> None:
    client = desk.login()
    page_token = token(client.get(f"/ticket/{T1}"))
    answer = client.post("/ticket/LR-NOPE/claim", data={"_token": page_token})
    assert answer.status_code == 404
    assert "無此工單 No such ticket" in answer.get_data(as_text=True)


# -- admin -------------------------------------------------------------------------


def test_admin_seeds_defaults_and_lists_every_field(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk()
    client = desk.client()
    assert client.get("/admin/health").get_json() == {"ok": True}
    seeded = ticket(1)
    del seeded["ticket_id"], seeded["reported_at"]
    desk.seed([seeded, ticket(2, reported_at="2026-11-28 08:00:00", status="handed_over")])
    [(made_id, reported_at)] = desk.rows(
        "SELECT ticket_id, reported_at FROM tickets WHERE ticket_id <> 'LR-20261128-0002'"
    )
    assert re.fullmatch(r"LR-\d{8}-\d{4}", made_id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", reported_at)
    desk.act(desk.login(), made_id, "comment", text="note")
    listed = {t["ticket_id"]: t for t in client.get("/admin/tickets").get_json()["tickets"]}
    assert listed[made_id]["status"] == "new" and listed[made_id]["freeze_account"] is True
    assert listed[made_id]["id_number"] == ID_NUMBER and listed[made_id]["card_no"] == CARD
    assert [c["text"] for c in listed[made_id]["comments"]] == ["note"]
    handed = listed["LR-20261128-0002"]
    assert (handed["assignee"], handed["handed_over_at"]) == ("人工隊列", "2026-11-28 08:00:00")


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "theft"},
        {"channel": "fax"},
        {"status": "open"},
        {"id_number": "123"},
        {"reported_at": "yesterday"},
        {"status": "claimed"},
        {"status": "closed"},
        {"colour": "red"},
        {"customer_name": ""},
    ],
)
def test_admin_refuses_a_bad_ticket_and_adds_none(desk: Desk, bad: dict[str, str]) -> None:
    answer = desk.client().post("/admin/tickets", json={"tickets": [ticket(2), ticket(3, **bad)]})
    assert answer.status_code == 400 and "error" in answer.get_json()
    assert desk.rows("SELECT COUNT(*) FROM tickets") == [(1,)]


def test_admin_refuses_a_duplicate_ticket_id(desk: Desk) -> None:
    answer = desk.client().post("/admin/tickets", json={"tickets": [ticket(1)]})
    assert answer.status_code == 400
    assert desk.client().post("/admin/tickets", json={"nope": 1}).status_code == 400


def test_latency_slows_pages_not_admin(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(latency_ms=200)
    client = desk.client()
    started = time.monotonic()
    client.get("/admin/health")
    assert time.monotonic() - started < 0.2
    client.get("/login")
    assert time.monotonic() - started >= 0.2
