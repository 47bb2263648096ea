"""Choosing an option, ticking a box, downloading a file: as Playwright does, in both modes.

``_select`` against ``select_option``, ``_check`` against ``set_checked``, ``_download``
against ``expect_download``: the option or tick the page ends with, what its handlers saw,
the file's bytes and suggested name.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

from tests.robustness._harness import FAILING, TIMEOUT, Chromium, Raised, Robust, Runner, Seen

pytestmark = pytest.mark.e2e

SELECT = """
<label for=kind>Kind</label>
<select id=kind onchange="note('change ' + this.value)">
  <option value="">--</option><option value=SAL>Salary</option><option value=BON>Bonus</option>
  <option value=PEN>Pension&nbsp;&nbsp;fund</option><option value=OLD disabled>Old scheme</option>
  <option value=SAL2>Salary</option>
  <optgroup label=Closed disabled><option value=GONE>Gone</option></optgroup>
</select>"""

SELECT_CASES: dict[str, tuple[dict[str, str], Any]] = {
    # case: the keyword both take, the outcome (the select's value, what the page saw)
    "by_value": ({"value": "SAL"}, Seen("SAL", ["change SAL"])),
    "by_label": ({"label": "Bonus"}, Seen("BON", ["change BON"])),
    "label_spaces_folded": ({"label": "Pension fund"}, Seen("PEN", ["change PEN"])),
    "label_first_of_two": ({"label": "Salary"}, Seen("SAL", ["change SAL"])),
    "value_not_a_label": ({"value": "Bonus"}, "timeout"),
    "no_such_option": ({"label": "Pension"}, "timeout"),
    "disabled_option": ({"value": "OLD"}, "timeout"),
    "in_disabled_group": ({"label": "Gone"}, "timeout"),
}


@pytest.mark.parametrize("case", list(SELECT_CASES))
def test_select(chromium: Chromium, runner: Runner, case: str) -> None:
    """An option by value or by label (white space folded, the first of two), none or a
    disabled one: waited for, then raised, nothing chosen."""
    how, outcome = SELECT_CASES[case]

    async def playwright(page: Page) -> str:
        kind = page.get_by_label("Kind", exact=True)
        if "value" in how:  # by value only (Playwright for Python's value= takes labels too)
            option = kind.locator(f"option[value='{how['value']}']")
            await kind.select_option(element=await option.element_handle())
        else:
            await kind.select_option(label=how["label"])
        value: str = await page.evaluate("kind.value")
        return value

    async def teller(bot: Robust, page: Page) -> str:
        await bot._select("choose", "kind", **how)
        value: str = await page.evaluate("kind.value")
        return value

    timeout = FAILING if outcome == "timeout" else TIMEOUT
    seen = chromium.run(runner, html=SELECT, playwright=playwright, teller=teller, timeout=timeout)
    if outcome == "timeout":
        assert isinstance(seen.result, Raised) and seen.result.kind == "timeout", seen
        assert seen.log == []
    else:
        assert seen == outcome


CHECKS = """
<label id=agree-label><input type=checkbox id=agree onchange="note('agree ' + this.checked)">
  I agree</label>
<input type=checkbox id=ticked checked onchange="note('ticked ' + this.checked)">
<input type=checkbox id=hidden-ticked checked style="display: none">
<input type=radio name=r id=r1 onchange="note('r1')"><input type=radio name=r id=r2 checked>
<div role=checkbox aria-checked=false id=aria tabindex=0
  onclick="this.setAttribute('aria-checked', this.getAttribute('aria-checked') !== 'true');
           note('aria ' + this.getAttribute('aria-checked'))">Aria</div>
<input type=checkbox id=disabled-box disabled>"""

STATE = "[agree.checked, ticked.checked, r1.checked, aria.getAttribute('aria-checked')]"
CHECK_CASES: dict[str, tuple[str, bool, Seen]] = {
    # case: key, on, (the state after, what the page saw)
    "tick": ("agree", True, Seen([True, True, False, "false"], ["agree true"])),
    "tick_by_its_label": ("agree_label", True, Seen([True, True, False, "false"], ["agree true"])),
    "clear": ("ticked", False, Seen([False, False, False, "false"], ["ticked false"])),
    "ticked_already": ("ticked", True, Seen([False, True, False, "false"], [])),
    "hidden_ticked_already": ("hidden_ticked", True, Seen([False, True, False, "false"], [])),
    "radio": ("r1", True, Seen([False, True, True, "false"], ["r1"])),
    "aria_checkbox": ("aria", True, Seen([False, True, False, "true"], ["aria true"])),
    "disabled": ("disabled_box", True, Seen(Raised("timeout", "enabled"), [])),
}


@pytest.mark.parametrize("case", list(CHECK_CASES))
def test_check(chromium: Chromium, runner: Runner, case: str) -> None:
    """Ticked or cleared as asked; as it is already, untouched (hidden or not); a radio
    button, an ARIA checkbox, a box by its label; a disabled one waited for, then named."""
    key, on, outcome = CHECK_CASES[case]
    css = "#" + {"agree_label": "agree-label"}.get(key, key.replace("_", "-"))

    async def playwright(page: Page) -> list[Any]:
        await page.locator(css).set_checked(on)
        state: list[Any] = await page.evaluate(STATE)
        return state

    async def teller(bot: Robust, page: Page) -> list[Any]:
        await bot._check("choose", key, on)
        state: list[Any] = await page.evaluate(STATE)
        return state

    timeout = FAILING if isinstance(outcome.result, Raised) else TIMEOUT
    seen = chromium.run(runner, html=CHECKS, playwright=playwright, teller=teller, timeout=timeout)
    assert seen == outcome


DOWNLOAD = {
    "/export": (
        0.0,
        "<h1>Statement</h1>"
        "<a href='/statement.csv' download='statement-6222020200001234567.csv'>Export</a>",
    ),
    "/statement.csv": (0.0, "txn_no,amount\nT0001,10.00\n"),
}


def test_download(chromium: Chromium, runner: Runner) -> None:
    """A link that downloads: the bytes and the suggested name, soon after the click (a
    simulated click does not wait for a page that never comes)."""
    chromium.site.pages.update(DOWNLOAD)

    async def playwright(page: Page) -> tuple[bytes, str, bool]:
        started = time.monotonic()
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Export", exact=True).click()
        download = await waiting.value
        data = Path(await download.path()).read_bytes()
        return data, download.suggested_filename, time.monotonic() - started < TIMEOUT * 0.6

    async def teller(bot: Robust, page: Page) -> tuple[bytes, str, bool]:
        started = time.monotonic()
        data, name = await bot._download("download", "export", errors=[("download", "error")])
        return data, name, time.monotonic() - started < TIMEOUT * 0.6

    seen = chromium.run(runner, path="/export", playwright=playwright, teller=teller)
    assert seen.result == (
        b"txn_no,amount\nT0001,10.00\n",
        "statement-6222020200001234567.csv",
        True,
    )
