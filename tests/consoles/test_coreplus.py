"""The coreplus console driven with real Chromium; every outcome read from its own ledger.

One Chromium for the module, a fresh console (and ledger) per test. The pages are found
as a person finds them: fields by the label cell beside them, buttons by their text.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
import urllib.error
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Frame, Page, async_playwright

from consoles.coreplus.__main__ import main
from teller.browser import launch, new_context
from tests._console_server import Server, start_coreplus
from tests.consoles import _coreplus as drive
from tests.consoles._coreplus import (
    SUCCESS,
    Chromium,
    cell_beside,
    code,
    field,
    fill_transfer,
    open_menu,
    post_transfers,
    press,
    refusal,
    sign_in,
    signed_in,
)

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The operator's debit accounts, a payee without a Luhn check digit (19 digits), a closed one.
PAYROLL, SPARE = "6222021001001234", "6222021001005678"
PAYEE, CLOSED = "6217000010000000001", "6217000010000000002"
ACCOUNTS = [
    {"account_no": PAYROLL, "name": "工资专户", "balance": "2000000.00", "debit": True},
    {"account_no": SPARE, "name": "备用金户", "balance": "300.00", "debit": True},
    {"account_no": PAYEE, "name": "李四", "balance": "0.00"},
    {"account_no": CLOSED, "name": "王五", "balance": "0.00", "status": "closed"},
]
LINE = {
    "debit": PAYROLL,
    "payee_account": PAYEE,
    "payee_name": "李四",
    "amount": "100.00",
    "reference": "PAY-0001",
    "purpose": "工资",
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    loop = asyncio.new_event_loop()
    playwright = loop.run_until_complete(async_playwright().start())
    try:
        browser = loop.run_until_complete(launch(playwright))
        try:
            yield Chromium(loop, browser)
        finally:
            loop.run_until_complete(browser.close())
    finally:
        loop.run_until_complete(playwright.stop())
        loop.close()


@pytest.fixture
def seeded(coreplus: Server) -> Server:
    coreplus.seed(ACCOUNTS)
    return coreplus


async def pay(page: Page, *, again: str | None = None, **overrides: str) -> Frame:
    """A transfer of ``LINE`` with ``overrides``, through the form and its overlay."""
    return await drive.pay(page, {**LINE, **overrides}, again=again)


def transfers(server: Server) -> list[tuple[Any, ...]]:
    return server.rows(
        "SELECT txn_no, reference, posted_at, debit_account, payee_account, payee_name, amount,"
        " purpose, status, operator FROM transfers ORDER BY id"
    )


def balances(server: Server) -> dict[str, str]:
    return dict(server.rows("SELECT account_no, balance FROM accounts"))


# -- sign-in and session -------------------------------------------------------


def test_sign_in_needs_the_password_then_a_current_code(
    chromium: Chromium, coreplus: Server
) -> None:
    async def scenario(browser: Browser) -> None:
        page = await (await new_context(browser)).new_page()
        await page.goto(f"{coreplus.base_url}/login")
        await field(page, "用户名 Username").fill(coreplus.user)
        await field(page, "密码 Password").fill("wrong")
        await press(page, "下一步 Next")
        assert await refusal(page) == "用户名或密码错误 Wrong username or password"
        await field(page, "用户名 Username").fill(coreplus.user)
        await field(page, "密码 Password").fill(coreplus.password)
        await press(page, "下一步 Next")
        assert page.url == f"{coreplus.base_url}/login/otp"
        # half signed in: no screen opens yet
        half = await page.request.get(f"{coreplus.base_url}/transfer", max_redirects=0)
        assert (half.status, half.headers["location"]) == (302, "/login")
        wrong = f"{(int(code(coreplus)) + 1) % 10**6:06d}"
        await field(page, "动态码 One-time code").fill(wrong)
        await press(page, "登录 Sign in")
        assert await refusal(page) == "动态码错误 Wrong one-time code"
        assert page.url == f"{coreplus.base_url}/login/otp"
        # the code of the step before still counts (typed as the step turned)
        await field(page, "动态码 One-time code").fill(code(coreplus, steps_back=1))
        await press(page, "登录 Sign in")
        assert page.url == f"{coreplus.base_url}/"
        for link in ("单笔转账 Transfer", "交易查询 Inquiry", "对账单下载 Statement"):
            assert await page.get_by_role("link", name=link).get_attribute("target") == "work"
        assert await page.get_by_role("link", name="退出 Logout").count() == 1
        assert await page.locator("frameset, frame").count() == 0
        await page.context.close()

    chromium.run(scenario)


def test_three_wrong_codes_or_an_old_one_send_back_to_the_password(
    chromium: Chromium, coreplus: Server
) -> None:
    async def scenario(browser: Browser) -> None:
        page = await (await new_context(browser)).new_page()
        await page.goto(f"{coreplus.base_url}/login")
        await field(page, "用户名 Username").fill(coreplus.user)
        await field(page, "密码 Password").fill(coreplus.password)
        await press(page, "下一步 Next")
        for _ in range(3):  # two steps back: too old
            await field(page, "动态码 One-time code").fill(code(coreplus, steps_back=2))
            await press(page, "登录 Sign in")
        assert page.url.startswith(f"{coreplus.base_url}/login")
        assert "Too many wrong codes" in (await refusal(page) or "")
        assert await field(page, "密码 Password").count() == 1
        await page.context.close()

    chromium.run(scenario)


def test_one_code_signs_in_four_contexts_at_once(chromium: Chromium, coreplus: Server) -> None:
    async def scenario(browser: Browser) -> list[str]:
        shared = code(coreplus)
        contexts = [await new_context(browser) for _ in range(4)]
        pages = [await context.new_page() for context in contexts]
        await asyncio.gather(*(sign_in(page, coreplus, otp=shared) for page in pages))
        urls = [page.url for page in pages]
        for context in contexts:
            await context.close()
        return urls

    assert chromium.run(scenario) == [f"{coreplus.base_url}/"] * 4


def test_an_idle_session_goes_back_to_the_login_page_and_posts_nothing(
    chromium: Chromium, tmp_path: Path
) -> None:
    async def scenario(browser: Browser, server: Server) -> tuple[str, str | None]:
        async with signed_in(browser, server) as page:
            frame = await open_menu(page, "单笔转账 Transfer")
            await fill_transfer(frame, LINE)
            await frame.get_by_role("button", name="提交 Submit").click()
            await frame.locator("div.dialog input[type=text]").fill(LINE["amount"])
            time.sleep(2.5)  # past the idle timeout
            await frame.get_by_role("button", name="确认 Confirm").click()
            # the login page, asked for inside the work frame, takes the whole window
            await page.wait_for_url("**/login?timeout=1")
            return page.url, await refusal(page)

    with start_coreplus(tmp_path, idle_seconds=2) as server:
        server.seed(ACCOUNTS)
        url, message = chromium.run(lambda browser: scenario(browser, server))
        assert url == f"{server.base_url}/login?timeout=1"
        assert message == "会话已超时，请重新登录 Session timed out, please sign in again"
        assert transfers(server) == []


# -- transfers -----------------------------------------------------------------


def test_a_transfer_through_the_overlay_is_in_the_ledger(
    chromium: Chromium, seeded: Server
) -> None:
    purpose = "十二月工资奖金补贴" + "ABCDEFGHIJKL"  # 9 characters of 2 bytes + 12: 30 bytes

    async def scenario(browser: Browser) -> dict[str, Any]:
        async with signed_in(browser, seeded) as page:
            frame = await open_menu(page, "单笔转账 Transfer")
            options = (
                await field(frame, "付款账户 Debit Account").locator("option").all_inner_texts()
            )
            await fill_transfer(frame, {**LINE, "purpose": purpose})
            # Enter in a field submits nothing: the form has no submit button
            await field(frame, "金额 Amount").press("Enter")
            await frame.wait_for_timeout(300)
            posted_after_enter = len(transfers(seeded)), await refusal(frame)
            # Cancel closes the overlay and posts nothing
            await frame.get_by_role("button", name="提交 Submit").click()
            await frame.get_by_role("button", name="取消 Cancel").click()
            hidden = await frame.locator("div.dialog").is_hidden()
            posted_after_cancel = len(transfers(seeded))
            await frame.get_by_role("button", name="提交 Submit").click()
            await frame.locator("div.dialog input[type=text]").fill("100")  # the same number
            async with frame.expect_navigation():
                await frame.get_by_role("button", name="确认 Confirm").click()
            seen = {
                "options": options,
                "hidden": hidden,
                "posted_after_cancel": posted_after_cancel,
                "posted_after_enter": posted_after_enter,
                "result": await frame.locator("p.msg-ok").inner_text(),
                "txn_no": await cell_beside(frame, "交易流水号 Txn No"),
                "again": await frame.get_by_role("link", name="继续转账 New transfer").count(),
            }
            big = await pay(page, amount="1000000.00", reference="PAY-MAX", purpose="")
            seen["max"] = await cell_beside(big, "交易流水号 Txn No")
            return seen

    seen = chromium.run(scenario)
    assert seen["options"] == [
        "-- 请选择 Select --",
        "6222 **** 1234 工资专户",
        "6222 **** 5678 备用金户",
    ]
    assert seen["posted_after_enter"] == (0, None)  # not even a refused post
    assert seen["hidden"] and seen["posted_after_cancel"] == 0
    assert seen["result"] == SUCCESS and seen["again"] == 1
    rows = transfers(seeded)
    assert [row[0] for row in rows] == [seen["txn_no"], seen["max"]]
    txn_no, reference, posted_at, *rest = rows[0]
    today = datetime.now(SHANGHAI).strftime("%Y%m%d")
    assert re.fullmatch(rf"CP{today}\d{{6}}", txn_no) and seen["max"] == f"{txn_no[:-6]}000002"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", posted_at)  # UTC
    assert reference == "PAY-0001"
    assert rest == [PAYROLL, PAYEE, "李四", "100.00", purpose, "success", "cpteller01"]
    assert balances(seeded)[PAYROLL] == "999900.00" and balances(seeded)[PAYEE] == "1000100.00"
    entries = seeded.rows(
        "SELECT account_no, side, amount, balance_after, counterparty_account, counterparty_name"
        " FROM entries WHERE transfer_id = 1 ORDER BY id"
    )
    assert entries == [
        (PAYROLL, "debit", "100.00", "1999900.00", PAYEE, "李四"),
        (PAYEE, "credit", "100.00", "100.00", PAYROLL, "工资专户"),
    ]


# each: what is typed (over LINE), the amount typed again, the message shown
REFUSED = {
    "lower-case ref": ({"reference": "pay-1"}, None, "客户流水号格式错误"),
    "ref of 33": ({"reference": "A" * 33}, None, "客户流水号格式错误"),
    "ref with a space": ({"reference": "B1 E1"}, None, "客户流水号格式错误"),
    "purpose 32 bytes": ({"purpose": "工资" * 8}, None, "用途超长 Purpose longer than 30 bytes"),
    "purpose 31 bytes": ({"purpose": "工资" * 7 + "ABC"}, None, "用途超长"),
    "purpose not GBK": ({"purpose": "工资\U0001f600"}, None, "用途含非法字符"),
    "account of 15": ({"payee_account": "621700001000000"}, None, "收款账号格式错误"),
    "account of 20": ({"payee_account": "62170000100000000012"}, None, "收款账号格式错误"),
    "account spaced": ({"payee_account": "6217 0000 1000 0000"}, None, "收款账号格式错误"),
    "account wide digits": (
        {"payee_account": "６２１７００００１０００００００００１"},
        None,
        "收款账号格式错误",
    ),
    "amount zero": ({"amount": "0.00"}, None, "金额格式错误 Invalid amount"),
    "amount 3 decimals": ({"amount": "1.005"}, None, "金额格式错误"),
    "amount grouped": ({"amount": "1,000.00"}, None, "金额格式错误"),
    "amount negative": ({"amount": "-5"}, None, "金额格式错误"),
    "amount over limit": ({"amount": "1000000.01"}, None, "金额超出单笔限额"),
    "amounts differ": ({}, "100.01", "两次金额不一致 Amounts differ"),
    "amount not again": ({}, "", "两次金额不一致"),
    "payee name": ({"payee_name": "李四四"}, None, "户名不符 Payee name does not match"),
    "funds": ({"debit": SPARE, "amount": "300.01"}, None, "余额不足 Insufficient funds"),
    "unknown payee": ({"payee_account": "6217000010000000009"}, None, "收款账户不存在"),
    "closed payee": ({"payee_account": CLOSED, "payee_name": "王五"}, None, "收款账户已销户"),
    "payee is debit": (
        {"payee_account": PAYROLL, "payee_name": "工资专户"},
        None,
        "收付款账号相同",
    ),
    "no debit": ({"debit": ""}, None, "必填项为空 Required field missing: 付款账户"),
    "no ref": ({"reference": ""}, None, "必填项为空 Required field missing: 客户流水号"),
}


def test_each_field_rule_is_refused_with_nothing_written(
    chromium: Chromium, seeded: Server
) -> None:
    before = balances(seeded)

    async def scenario(browser: Browser) -> dict[str, str | None]:
        seen: dict[str, str | None] = {}
        async with signed_in(browser, seeded) as page:
            for number, (case, (overrides, again, _)) in enumerate(REFUSED.items()):
                # a reference of its own: a case let through cannot hide the next ones
                unique = {"reference": f"RULE-{number}", **overrides}
                frame = await pay(page, again=again, **unique)
                seen[case] = await refusal(frame)
        return seen

    seen = chromium.run(scenario)
    wrong = {
        case: seen[case]
        for case, (_, _, message) in REFUSED.items()
        if not (seen[case] or "").startswith(message)
    }
    assert wrong == {}
    assert transfers(seeded) == [] and seeded.rows("SELECT * FROM entries") == []
    assert balances(seeded) == before


def test_a_forged_form_token_posts_nothing(chromium: Chromium, seeded: Server) -> None:
    async def scenario(browser: Browser) -> int:
        async with signed_in(browser, seeded) as page:
            await open_menu(page, "单笔转账 Transfer")
            answer = await page.request.post(
                f"{seeded.base_url}/transfer", form={"_token": "forged"}
            )
            return answer.status

    assert chromium.run(scenario) == 403
    assert transfers(seeded) == []


def test_a_reused_reference_is_refused_unless_switched_off(
    chromium: Chromium, seeded: Server, tmp_path: Path
) -> None:
    async def twice(browser: Browser, server: Server) -> list[str | None]:
        async with signed_in(browser, server) as page:
            answers = []
            for amount in ("100.00", "1.00"):
                frame = await pay(page, reference="PAY-7", amount=amount)
                answers.append(await refusal(frame) or await frame.locator("p.msg-ok").inner_text())
            return answers

    assert chromium.run(lambda browser: twice(browser, seeded)) == [
        SUCCESS,
        "客户流水号重复 Duplicate customer ref",
    ]
    assert [row[1] for row in transfers(seeded)] == ["PAY-7"]
    (tmp_path / "allowing").mkdir()
    with start_coreplus(tmp_path / "allowing", allow_reused_references=True) as allowing:
        allowing.seed(ACCOUNTS)
        assert chromium.run(lambda browser: twice(browser, allowing)) == [SUCCESS, SUCCESS]
        assert [(row[1], row[6]) for row in transfers(allowing)] == [
            ("PAY-7", "100.00"),
            ("PAY-7", "1.00"),
        ]


def test_drop_after_commit_commits_without_an_answer(chromium: Chromium, seeded: Server) -> None:
    seeded.faults(drop_after_commit=1)

    async def scenario(browser: Browser) -> tuple[str, int]:
        async with signed_in(browser, seeded) as page:
            frame = await open_menu(page, "单笔转账 Transfer")
            await fill_transfer(frame, LINE)
            await frame.get_by_role("button", name="提交 Submit").click()
            await frame.locator("div.dialog input[type=text]").fill(LINE["amount"])
            with pytest.raises(Exception, match="ERR_EMPTY_RESPONSE") as caught:
                async with frame.expect_navigation():
                    await frame.get_by_role("button", name="确认 Confirm").click()
            return str(caught.value), await frame.get_by_text(SUCCESS).count()

    _, successes = chromium.run(scenario)
    assert successes == 0
    assert [row[1] for row in transfers(seeded)] == ["PAY-0001"]
    assert seeded.injected()["drop_after_commit"] == 1


# -- inquiry and statement -------------------------------------------------------


def test_inquiry_pages_ten_rows_by_form_post(chromium: Chromium, seeded: Server) -> None:
    today = datetime.now(SHANGHAI).strftime("%Y%m%d")

    async def scenario(browser: Browser) -> dict[str, Any]:
        async with signed_in(browser, seeded) as page:
            lines = [{**LINE, "amount": "1.00", "reference": f"INQ-{n:02d}"} for n in range(23)]
            await post_transfers(page, seeded, lines)
            frame = await open_menu(page, "交易查询 Inquiry")
            await field(frame, "交易日期 Date (YYYYMMDD)").fill(today)
            await press(frame, "查询 Search")
            headers = await frame.locator("table.grid th").all_inner_texts()
            references: list[str] = []
            requests = []
            while True:
                references += await frame.locator("table.grid tr td:nth-child(3)").all_inner_texts()
                following = frame.get_by_role("button", name="下一页 Next")
                if not await following.count():
                    break
                async with page.expect_request(lambda r: r.url.endswith("/inquiry")) as asked:
                    async with frame.expect_navigation():
                        await following.click()
                request = await asked.value
                requests.append((request.method, request.post_data or ""))
            links = await frame.locator("a").count()
            await field(frame, "客户流水号 Customer Ref").fill("INQ-17")
            await field(frame, "交易日期 Date (YYYYMMDD)").fill("")
            await press(frame, "查询 Search")
            one = await frame.locator("table.grid tr").nth(1).locator("td").all_inner_texts()
            return {
                "headers": headers,
                "references": references,
                "requests": requests,
                "links": links,
                "one": one,
            }

    seen = chromium.run(scenario)
    assert seen["headers"] == [
        "交易流水号 Txn No",
        "交易时间 Time",
        "客户流水号 Customer Ref",
        "收款账号 Payee Account",
        "收款户名 Payee Name",
        "金额 Amount",
        "用途 Purpose",
        "状态 Status",
    ]
    assert seen["references"] == [f"INQ-{n:02d}" for n in range(23)]
    assert [method for method, _ in seen["requests"]] == ["POST", "POST"]
    assert "page=2" in seen["requests"][0][1] and "page=3" in seen["requests"][1][1]
    assert seen["links"] == 0  # paging is by forms, not links
    txn_no, shown, *rest = seen["one"]
    (posted_at,) = seeded.rows("SELECT posted_at FROM transfers WHERE txn_no = ?", (txn_no,))[0]
    local = datetime.fromisoformat(posted_at.replace("Z", "+00:00")).astimezone(SHANGHAI)
    assert shown == local.strftime("%Y/%m/%d %H:%M:%S")
    assert rest == ["INQ-17", PAYEE, "李四", "1.00", "工资", "成功 Success"]


def test_the_statement_is_gbk_with_a_preamble_and_keeps_to_the_local_day(
    chromium: Chromium, seeded: Server
) -> None:
    async def download(page: Page, account: str, day: str) -> bytes:
        frame = await open_menu(page, "对账单下载 Statement")
        await field(frame, "账户 Account").select_option(account)
        await field(frame, "日期 Date (YYYYMMDD)").fill(day)
        async with page.expect_download() as downloading:
            await frame.get_by_role("button", name="下载 Download").click()
        got = await downloading.value
        assert re.fullmatch(rf"statement_{account[-4:]}_{day}\.csv", got.suggested_filename)
        return Path(await got.path()).read_bytes()

    async def scenario(browser: Browser) -> tuple[bytes, bytes]:
        async with signed_in(browser, seeded) as page:
            # 23:59:50 on 1 March in Shanghai: 15:59:50 UTC
            seeded.admin("clock", {"utc": "2026-03-01T15:59:50Z"})
            await post_transfers(page, seeded, [{**LINE, "reference": "LATE-0301"}])
            # 00:00:05 on 2 March in Shanghai, still 1 March in UTC
            seeded.admin("clock", {"utc": "2026-03-01T16:00:05Z"})
            early = {**LINE, "reference": "EARLY-0302", "amount": "20.50", "purpose": "差旅, 报销"}
            back = {
                **LINE,
                "debit": SPARE,
                "payee_account": PAYROLL,
                "payee_name": "工资专户",
                "amount": "7.25",
                "reference": "BACK-0302",
                "purpose": "",
            }
            await post_transfers(page, seeded, [early, back])
            return await download(page, PAYROLL, "20260301"), await download(
                page, PAYROLL, "20260302"
            )

    first, second = chromium.run(scenario)
    with pytest.raises(UnicodeDecodeError):
        second.decode("utf-8")  # GBK, not UTF-8
    day_one = list(csv.reader(io.StringIO(first.decode("gbk"), newline="")))
    day_two = list(csv.reader(io.StringIO(second.decode("gbk"), newline="")))
    assert b"\r\n" in first and b"\n" not in first.replace(b"\r\n", b"")
    assert day_one[:4] == [
        ["银行名称", "康普银行 CorePlus Bank"],
        ["账号", "6222 **** 1234"],
        ["户名", "工资专户"],
        ["起止日期", "2026/03/01 - 2026/03/01"],
    ]
    assert day_one[4][0] == "生成时间" and day_one[4][1].startswith("2026/03/02 00:00")
    header = ["交易时间", "交易流水号", "客户流水号", "对方账号", "对方户名"]
    header += ["借方发生额", "贷方发生额", "余额", "用途"]
    assert day_one[5] == header and day_two[5] == header
    txn = dict(seeded.rows("SELECT reference, txn_no FROM transfers"))
    assert [row[2] for row in day_one[6:]] == ["LATE-0301"]
    assert [row[2] for row in day_two[6:]] == ["EARLY-0302", "BACK-0302"]
    (late,) = day_one[6:]
    assert late[0].startswith("2026/03/01 23:59:5")
    assert late[1:] == [
        txn["LATE-0301"],
        "LATE-0301",
        PAYEE,
        "李四",
        "100.00",
        "",
        "1999900.00",
        "工资",
    ]
    early_row, back_row = day_two[6:]
    assert early_row[0].startswith("2026/03/02 00:00:")
    assert early_row[1:] == [
        txn["EARLY-0302"],
        "EARLY-0302",
        PAYEE,
        "李四",
        "20.50",
        "",
        "1999879.50",
        "差旅, 报销",
    ]
    assert back_row[1:] == [
        txn["BACK-0302"],
        "BACK-0302",
        SPARE,
        "备用金户",
        "",
        "7.25",
        "1999886.75",
        "",
    ]
    assert txn["LATE-0301"].startswith("CP20260301") and txn["EARLY-0302"].startswith("CP20260302")
    stored = dict(seeded.rows("SELECT reference, posted_at FROM transfers"))
    assert stored["LATE-0301"].startswith("2026-03-01T15:59:5")  # UTC in the ledger
    assert stored["EARLY-0302"].startswith("2026-03-01T16:00:")


# -- admin and command line ------------------------------------------------------


def test_admin_endpoints(coreplus: Server) -> None:
    assert coreplus.admin("health") == {"ok": True}
    assert coreplus.admin("accounts", {"accounts": ACCOUNTS}) == {"upserted": 4}
    assert coreplus.rows("SELECT account_no FROM accounts WHERE is_debit = 1 ORDER BY 1") == [
        (PAYROLL,),
        (SPARE,),
    ]
    assert coreplus.admin("latency", {"ms": 0}) == {"ms": 0}
    faults = coreplus.faults(error_before_post=1)
    assert faults["armed"]["error_before_post"] == 1 and faults["injected"]["sessions_expired"] == 0
    assert coreplus.admin("sessions/expire", {}) == {"expired": 0}
    assert coreplus.admin("clock", {"utc": "2030-01-01T00:00:00Z"})["utc"].startswith("2030-01-01")
    assert coreplus.admin("clock", {"utc": None})["utc"][:4] == str(datetime.now().year)


def test_a_seed_that_is_not_base32_stops_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--db", str(tmp_path / "c.db"), "--totp-seed", "not base32!"])
    assert stopped.value.code == 2


def test_admin_rejects_bad_settings(coreplus: Server) -> None:
    for path, body in (
        (
            "accounts",
            {"accounts": [{"account_no": "1", "name": "x", "balance": "1", "debit": "y"}]},
        ),
        ("clock", {"utc": "2026-03-01T00:00:00"}),
        ("faults", {"meteor": 1}),
    ):
        with pytest.raises(urllib.error.HTTPError) as caught:
            coreplus.admin(path, body)
        caught.value.close()
        assert caught.value.code == 400, path
