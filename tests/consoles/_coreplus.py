"""Drive the coreplus console with Playwright as a person would: for its tests and later ones.

Fields are found by the label cell beside them, buttons and links by their text; a
transfer line is a dict with the keys ``debit`` (account number, or ``""`` for none),
``payee_account``, ``payee_name``, ``amount``, ``reference`` and ``purpose``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pyotp
from playwright.async_api import Browser, Frame, Page

from teller.browser import new_context
from tests._console_server import Server

__all__ = [
    "SUCCESS",
    "Chromium",
    "cell_beside",
    "code",
    "field",
    "fill_transfer",
    "open_menu",
    "pay",
    "post_transfers",
    "press",
    "refusal",
    "sign_in",
    "signed_in",
    "work",
]

T = TypeVar("T")
SUCCESS = "交易成功 Success"


class Chromium:
    """One Chromium on its own event loop, shared by a module's tests (``run(scenario)``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, browser: Browser) -> None:
        self.loop, self.browser = loop, browser

    def run(self, scenario: Callable[[Browser], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(scenario(self.browser))


def code(server: Server, *, steps_back: int = 0) -> str:
    assert server.totp_seed is not None
    return pyotp.TOTP(server.totp_seed).at(time.time() - 30 * steps_back)


def field(scope: Page | Frame, label: str) -> Any:
    """The input or select in the cell beside the label cell ``label``."""
    return scope.locator(
        f"xpath=//td[@class='lbl' and normalize-space()='{label}']"
        "/following-sibling::td[1]//*[self::input or self::select]"
    )


async def press(scope: Page | Frame, button: str) -> None:
    """Click the button ``button`` and wait for the page it posts to have loaded."""
    async with scope.expect_navigation():
        await scope.get_by_role("button", name=button).click()


async def sign_in(page: Page, server: Server, *, otp: str | None = None) -> None:
    """Both steps: user name and password, then the one-time code."""
    await page.goto(f"{server.base_url}/login")
    await field(page, "用户名 Username").fill(server.user)
    await field(page, "密码 Password").fill(server.password)
    await press(page, "下一步 Next")
    await field(page, "动态码 One-time code").fill(otp or code(server))
    await press(page, "登录 Sign in")
    await page.locator("iframe[name='work']").wait_for()


@asynccontextmanager
async def signed_in(browser: Browser, server: Server) -> AsyncIterator[Page]:
    context = await new_context(browser)
    try:
        page = await context.new_page()
        await sign_in(page, server)
        yield page
    finally:
        await context.close()


def work(page: Page) -> Frame:
    frame = page.frame(name="work")
    assert frame is not None
    return frame


async def open_menu(page: Page, link: str) -> Frame:
    """Click a menu link of the top page; the work frame once it has loaded the screen."""
    frame = work(page)
    async with frame.expect_navigation():
        await page.get_by_role("link", name=link).click()
    return frame


async def fill_transfer(frame: Frame, line: dict[str, str]) -> None:
    if line["debit"]:
        await field(frame, "付款账户 Debit Account").select_option(line["debit"])
    await field(frame, "收款账号 Payee Account").fill(line["payee_account"])
    await field(frame, "收款户名 Payee Name").fill(line["payee_name"])
    await field(frame, "金额 Amount").fill(line["amount"])
    await field(frame, "客户流水号 Customer Ref").fill(line["reference"])
    await field(frame, "用途 Purpose").fill(line["purpose"])


async def pay(page: Page, line: dict[str, str], *, again: str | None = None) -> Frame:
    """One transfer through the form and its overlay (``again``: the amount typed a second
    time, by default the same); the work frame with the answer."""
    frame = await open_menu(page, "单笔转账 Transfer")
    await fill_transfer(frame, line)
    await frame.get_by_role("button", name="提交 Submit").click()
    overlay = frame.locator("div.dialog")
    await overlay.get_by_text("请再次输入金额 Re-enter amount").wait_for()
    await overlay.locator("input[type=text]").fill(line["amount"] if again is None else again)
    async with frame.expect_navigation():
        await overlay.get_by_role("button", name="确认 Confirm").click()
    return frame


async def refusal(frame: Frame) -> str | None:
    message = frame.locator("p.msg-error")
    return (await message.inner_text()).strip() if await message.count() else None


async def cell_beside(frame: Frame, label: str) -> str:
    cell = frame.locator(f"xpath=//td[normalize-space()='{label}']/following-sibling::td[1]")
    return (await cell.inner_text()).strip()


async def post_transfers(page: Page, server: Server, lines: list[dict[str, str]]) -> None:
    """Post transfers straight from the signed-in context, by the form's names (quick setup)."""
    html = await (await page.request.get(f"{server.base_url}/transfer")).text()
    token = re.search(r'name="_token" value="([^"]+)"', html)
    assert token is not None

    def name(label: str) -> str:
        found = re.search(
            rf'<td class="lbl">{label}</td><td><(?:input|select)[^>]* name="(\w+)"', html
        )
        assert found is not None, label
        return found.group(1)

    names = {
        "debit": name("付款账户 Debit Account"),
        "payee_account": name("收款账号 Payee Account"),
        "payee_name": name("收款户名 Payee Name"),
        "amount": name("金额 Amount"),
        "reference": name("客户流水号 Customer Ref"),
        "purpose": name("用途 Purpose"),
    }
    again = re.search(
        r'<div class="dlg-title">[^<]*</div>\s*<p><input type="text" name="(\w+)"', html
    )
    assert again is not None
    for line in lines:
        form = {names[key]: value for key, value in line.items()}
        form.update({again.group(1): line["amount"], "_token": token.group(1)})
        answer = await page.request.post(f"{server.base_url}/transfer", form=form)
        assert SUCCESS in await answer.text(), line
