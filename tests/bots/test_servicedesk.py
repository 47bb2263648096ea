"""The ServiceDesk bot drives real headless Chromium against the live console; its database judges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import pytest
from playwright.async_api import Route

from bots.servicedesk import QueueRow, ServiceDesk, Ticket
from teller import ConsoleError, ConsoleRefused, InDoubt, SessionExpired
from tests._console_server import Server
from tests.bots._drive import drive_bot

pytestmark = pytest.mark.e2e

ID_NUMBER = "11010519491231002X"
CARD = "6222020200001234567"
CHANNELS = ("phone", "branch", "app", "web")
T = TypeVar("T")


def ticket(number: int, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ticket_id": f"LR-20261128-{number:04d}",
        "kind": "loss" if number % 3 else "unfreeze",
        "reported_at": f"2026-11-28 10:{number // 60:02d}:{number % 60:02d}",
        "channel": CHANNELS[number % 4],
        "customer_name": f"客戶{number}",
        "id_number": ID_NUMBER,
        "card_no": CARD,
        "freeze_account": number % 2 == 0,
        "replacement": number % 5 == 0,
    }
    values.update(fields)
    return values


def drive(
    server: Server, scenario: Callable[[ServiceDesk], Awaitable[T]], *, login: bool = True
) -> T:
    """Run ``scenario`` with a bot on a fresh Chromium page (logged in unless told not to)."""
    return drive_bot(ServiceDesk, server, scenario, login=login, timeout=5)


def state(server: Server, ticket_id: str) -> tuple[Any, ...]:
    (row,) = server.rows(
        "SELECT status, assignee, close_reference, closed_at, closed_by, hand_over_reason"
        " FROM tickets WHERE ticket_id = ?",
        (ticket_id,),
    )
    return row


T1, T2, OTHERS = "LR-20261128-0001", "LR-20261128-0002", "LR-20261128-0003"


@pytest.fixture
def server(servicedesk: Server) -> Server:
    servicedesk.admin(
        "tickets",
        {"tickets": [ticket(1), ticket(2), ticket(3, status="claimed", assignee="agent03")]},
    )
    return servicedesk


def test_queue_reads_every_page_as_the_database_has_it(servicedesk: Server) -> None:
    servicedesk.admin("tickets", {"tickets": [ticket(n) for n in range(1, 44)]})
    servicedesk.admin("tickets", {"tickets": [ticket(50, status="claimed", assignee="agent03")]})

    async def scenario(bot: ServiceDesk) -> tuple[list[QueueRow], list[QueueRow]]:
        return await bot.queue(), await bot.queue(status="all")

    new, everything = drive(servicedesk, scenario)
    rows = servicedesk.rows(
        "SELECT ticket_id, kind, reported_at, channel, customer_name, status, assignee"
        " FROM tickets ORDER BY reported_at, ticket_id"
    )
    as_rows = [
        (r.ticket_id, r.kind, f"{r.reported_at:%Y-%m-%d %H:%M:%S}", r.channel)
        + (r.customer_name, r.status, r.assignee)
        for r in everything
    ]
    assert as_rows == rows and len(everything) == 44
    assert [r.ticket_id for r in new] == [r[0] for r in rows if r[5] == "new"]
    assert {r.channel for r in new} == set(CHANNELS) and {r.kind for r in new} == {
        "loss",
        "unfreeze",
    }


def test_ticket_reads_every_field_in_full(server: Server) -> None:
    tickets = drive(server, lambda bot: bot.ticket(OTHERS))
    (row,) = server.rows(
        "SELECT ticket_id, kind, reported_at, channel, customer_name, id_number, card_no,"
        " freeze_account, replacement, status, assignee FROM tickets WHERE ticket_id = ?",
        (OTHERS,),
    )
    assert tickets == Ticket(
        ticket_id=row[0],
        kind=row[1],
        reported_at=datetime.fromisoformat(row[2]),
        channel=row[3],
        customer_name=row[4],
        id_number=row[5],
        card_no=row[6],
        freeze_account=bool(row[7]),
        replacement=bool(row[8]),
        status=row[9],
        assignee=row[10],
        close_reference=None,
        closed_at=None,
        hand_over_reason=None,
    )
    assert ID_NUMBER not in repr(tickets) and CARD not in repr(tickets)


def test_claim_comment_close_and_close_again(server: Server) -> None:
    async def scenario(bot: ServiceDesk) -> tuple[datetime, datetime, ConsoleRefused]:
        await bot.claim(T1)
        await bot.claim(T1)  # ours already: fine
        await bot.comment(T1, "客戶來電確認 customer confirmed")
        closed_at = await bot.close(T1, reference="LOSS-20261128-1", note="已凍結 frozen")
        again = await bot.close(T1, reference="LOSS-20261128-1")
        with pytest.raises(ConsoleRefused) as caught:
            await bot.close(T1, reference="LOSS-OTHER")
        return closed_at, again, caught.value

    closed_at, again, refused = drive(server, scenario)
    status, assignee, reference, stored_at, closed_by, _ = state(server, T1)
    assert (status, assignee, reference, closed_by) == (
        "closed",
        "agent07",
        "LOSS-20261128-1",
        "agent07",
    )
    assert f"{closed_at:%Y-%m-%d %H:%M:%S}" == stored_at and again == closed_at
    assert refused.reason == "已結單 already closed (reference LOSS-20261128-1)"
    assert server.rows("SELECT author, text FROM comments ORDER BY id") == [
        ("agent07", "客戶來電確認 customer confirmed"),
        ("agent07", "已凍結 frozen"),
    ]


def test_refusals_in_the_consoles_words_change_nothing(server: Server) -> None:
    async def scenario(bot: ServiceDesk) -> list[str]:
        reasons = []
        for attempt in (
            bot.claim(OTHERS),
            bot.close(OTHERS, reference="R-1"),
            bot.close(T2, reference="R-2"),
            bot.ticket("LR-NOPE"),
        ):
            with pytest.raises(ConsoleRefused) as caught:
                await attempt
            reasons.append(caught.value.reason)
        return reasons

    before = [state(server, t) for t in (T1, T2, OTHERS)]
    assert drive(server, scenario) == [
        "已被他人認領 Already claimed by agent03",
        "工單由他人處理 Ticket is assigned to agent03",
        "請先認領 Claim the ticket first",
        "無此工單 No such ticket: LR-NOPE",
    ]
    assert [state(server, t) for t in (T1, T2, OTHERS)] == before


def test_hand_over_is_idempotent(server: Server) -> None:
    async def scenario(bot: ServiceDesk) -> Ticket:
        await bot.hand_over(T2, "客戶要求人工 wants a person")
        await bot.hand_over(T2, "second time")
        return await bot.ticket(T2)

    shown = drive(server, scenario)
    assert state(server, T2) == (
        "handed_over",
        "人工隊列",
        None,
        None,
        None,
        "客戶要求人工 wants a person",
    )
    assert (shown.status, shown.assignee, shown.hand_over_reason) == state(server, T2)[:1] + (
        "人工隊列",
        "客戶要求人工 wants a person",
    )


@pytest.mark.parametrize("answer", ["drop", "http_500"])
def test_close_with_no_clear_answer_is_in_doubt(server: Server, answer: str) -> None:
    async def scenario(bot: ServiceDesk) -> tuple[InDoubt, datetime]:
        await bot.claim(T1)

        async def after_commit(route: Route) -> None:
            # The POST reaches the console and commits; the browser never hears of it.
            fetched = await route.fetch()
            if answer == "drop":
                await route.abort("connectionreset")
            else:
                await route.fulfill(response=fetched, status=500)

        await bot._page.route("**/close", after_commit)
        with pytest.raises(InDoubt) as caught:
            await bot.close(T1, reference="LOSS-DOUBT")
        await bot._page.unroute("**/close")
        # How the flow resolves it: closing again with the same reference returns closed_at.
        return caught.value, await bot.close(T1, reference="LOSS-DOUBT")

    error, closed_at = drive(server, scenario)
    assert error.reference == T1 and CARD not in str(error)
    assert state(server, T1)[:3] == ("closed", "agent07", "LOSS-DOUBT")
    assert f"{closed_at:%Y-%m-%d %H:%M:%S}" == state(server, T1)[3]


def test_expired_session_is_session_expired(server: Server) -> None:
    async def scenario(bot: ServiceDesk) -> None:
        server.admin("sessions/expire", {})
        with pytest.raises(SessionExpired):
            await bot.claim(T1)
        await bot.login(server.user, server.password)
        await bot.claim(T1)

    drive(server, scenario)
    assert state(server, T1)[:2] == ("claimed", "agent07")


def test_queue_without_login_is_session_expired(server: Server) -> None:
    async def scenario(bot: ServiceDesk) -> None:
        with pytest.raises(SessionExpired):
            await bot.queue()

    drive(server, scenario, login=False)


def test_wrong_password_is_a_console_error(server: Server) -> None:
    async def scenario(bot: ServiceDesk) -> ConsoleError:
        with pytest.raises(ConsoleError) as caught:
            await bot.login("agent07", "not-the-password")
        return caught.value

    error = drive(server, scenario, login=False)
    assert "Wrong username or password" in str(error)
    assert "not-the-password" not in str(error)
