"""The questions a bot asks, answered as Playwright answers them: visible, enabled, wait for a
condition, dialogs, select options, the value of a field.

Issue 17: zero width, opacity 0, off-screen and covered all read as present; a progress bar
was polled 2,000 times from Python; no dialog helper; ``fill`` could not choose a select
option; ``read`` of an input returned ''.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Dialog, Page, expect

from tests.robustness._harness import FAILING, TIMEOUT, Chromium, Raised, Robust, Runner, Seen

pytestmark = pytest.mark.e2e

VISIBILITY = """
<button id=visible>Visible</button>
<button id=zero style="width: 0; height: 0; padding: 0; border: 0; overflow: hidden">Zero</button>
<button id=opacity style="opacity: 0">Opacity</button>
<button id=offscreen style="position: absolute; left: -9999px">Off screen</button>
<button id=covered style="position: absolute; left: 10px; top: 100px">Covered</button>
<div style="position: absolute; left: 0; top: 90px; width: 300px; height: 60px; background: #fff">
</div>
<button id=none style="display: none">None</button>
<button id=hidden style="visibility: hidden">Hidden</button>
<div id=empty></div>"""

# What Playwright's is_visible() answers: a box that is not empty and not visibility:hidden;
# opacity 0, off screen and covered count as visible.
VISIBLE = {
    "visible": True,
    "zero_size": False,
    "opacity_0": True,
    "off_screen": True,
    "covered": True,
    "display_none": False,
    "visibility_hidden": False,
    "empty_div": False,
    "absent": False,
}
CSS = {
    "visible": "#visible",
    "zero_size": "#zero",
    "opacity_0": "#opacity",
    "off_screen": "#offscreen",
    "covered": "#covered",
    "display_none": "#none",
    "visibility_hidden": "#hidden",
    "empty_div": "#empty",
    "absent": "#absent",
}


def test_visible(chromium: Chromium, runner: Runner) -> None:
    async def playwright(page: Page) -> dict[str, bool]:
        return {key: await page.locator(css).is_visible() for key, css in CSS.items()}

    async def teller(bot: Robust, page: Page) -> dict[str, bool]:
        return {key: await bot._visible("visibility", key) for key in CSS}

    seen = chromium.run(runner, html=VISIBILITY, playwright=playwright, teller=teller)
    assert seen == Seen(VISIBLE, [])


ENABLED_PAGE = """
<button id=enabled>Enabled</button>
<button id=disabled disabled>Disabled</button>
<fieldset disabled><button id=in_fieldset>In fieldset</button></fieldset>
<button id=aria aria-disabled=true>Aria</button>
<input id=readonly readonly>
<select id=select disabled><option>One</option></select>"""

ENABLED = {
    "enabled": ("#enabled", True),
    "disabled": ("#disabled", False),
    "in_disabled_fieldset": ("#in_fieldset", False),
    "aria_disabled": ("#aria", False),
    "read_only": ("#readonly", True),  # read-only is not disabled
    "disabled_select": ("#select", False),
}


def test_enabled(chromium: Chromium, runner: Runner) -> None:
    async def playwright(page: Page) -> dict[str, bool]:
        return {key: await page.locator(css).is_enabled() for key, (css, _) in ENABLED.items()}

    async def teller(bot: Robust, page: Page) -> dict[str, bool]:
        return {key: await bot._enabled("enabled", key) for key in ENABLED}

    seen = chromium.run(runner, html=ENABLED_PAGE, playwright=playwright, teller=teller)
    assert seen == Seen({key: enabled for key, (_, enabled) in ENABLED.items()}, [])


# A progress bar 0%..100% over a second, a status field, a job's data-state, a growing list.
WAITING = """
<div id=bar role=progressbar>0%</div>
<label for=stat>Status</label><input id=stat value=pending>
<div id=job data-state=running>Job</div>
<ul id=list></ul>
<script>
  window.start = () => {
    let done = 0;
    const tick = setInterval(() => {
      done += 10;
      bar.textContent = done + "%";
      if (done >= 100) clearInterval(tick);
    }, 100);
    setTimeout(() => stat.value = "ready", 600);
    setTimeout(() => job.dataset.state = "done", 600);
    let items = 0;
    const grow = setInterval(() => {
      list.insertAdjacentHTML("beforeend", "<li>item</li>");
      if (++items >= 5) clearInterval(grow);
    }, 150);
    return true;
  };
</script>"""
STATE = "[bar.textContent, stat.value, job.dataset.state, list.children.length]"
WAIT_CASES: dict[str, tuple[str, dict[str, Any], Any]] = {
    # condition: the key, Teller's keyword, the state right after the wait
    "text": ("bar", {"text": "100%"}, "100%"),
    "value": ("status", {"value": "ready"}, "ready"),
    "attribute": ("job", {"attribute": ("data-state", "done")}, "done"),
    "count": ("items", {"count": 5}, 5),
    "never": ("bar", {"text": "never"}, Raised("timeout")),
}


@pytest.mark.parametrize("condition", list(WAIT_CASES))
def test_wait_for(chromium: Chromium, runner: Runner, condition: str) -> None:
    """Waiting for a condition, answered when it holds, or raised at the timeout."""
    key, keywords, after = WAIT_CASES[condition]
    index = ["text", "value", "attribute", "count"].index(condition) if condition != "never" else 0

    async def playwright(page: Page) -> Any:
        if condition == "text":
            await expect(page.get_by_role("progressbar")).to_have_text("100%")
        elif condition == "value":
            await expect(page.get_by_label("Status", exact=True)).to_have_value("ready")
        elif condition == "attribute":
            await expect(page.locator("#job")).to_have_attribute("data-state", "done")
        elif condition == "count":
            await expect(page.locator("#list li")).to_have_count(5)
        else:
            await expect(page.get_by_role("progressbar")).to_have_text("never", timeout=1000)
        return (await page.evaluate(STATE))[index]

    async def teller(bot: Robust, page: Page) -> Any:
        await bot._wait_for("waiting", key, **keywords)
        return (await page.evaluate(STATE))[index]

    seen = chromium.run(
        runner,
        html=WAITING,
        playwright=playwright,
        teller=teller,
        before="start() && bar.textContent === '0%' && stat.value === 'pending'"
        " && !list.children.length",
        timeout=FAILING if condition == "never" else TIMEOUT,
    )
    assert seen == Seen(after, [])


DIALOGS = """
<button onclick="alert('Saved'); note('after alert')">Alert</button>
<button onclick="note('confirm ' + confirm('Pay 10.00?'))">Confirm</button>
<button onclick="note('prompt ' + prompt('Reason?', 'none'))">Prompt</button>"""

DIALOG_CASES: dict[str, tuple[str, bool, str | None, Seen]] = {
    # case: button key, accept, prompt text, (dialog type and message, what the page saw)
    "alert": ("alert", True, None, Seen(("alert", "Saved"), ["after alert"])),
    "confirm_accepted": ("confirm", True, None, Seen(("confirm", "Pay 10.00?"), ["confirm true"])),
    "confirm_dismissed": (
        "confirm",
        False,
        None,
        Seen(("confirm", "Pay 10.00?"), ["confirm false"]),
    ),
    "prompt_answered": (
        "prompt",
        True,
        "lost card",
        Seen(("prompt", "Reason?"), ["prompt lost card"]),
    ),
    "prompt_dismissed": ("prompt", False, None, Seen(("prompt", "Reason?"), ["prompt null"])),
}


@pytest.mark.parametrize("case", list(DIALOG_CASES))
def test_dialogs(chromium: Chromium, runner: Runner, case: str) -> None:
    key, accept, prompt, outcome = DIALOG_CASES[case]

    async def playwright(page: Page) -> tuple[str, str]:
        seen: dict[str, str] = {}

        async def answer(dialog: Dialog) -> None:
            seen.update(type=dialog.type, message=dialog.message)
            if not accept:
                await dialog.dismiss()
            elif prompt is not None:
                await dialog.accept(prompt)
            else:
                await dialog.accept()

        page.once("dialog", answer)
        await page.get_by_role("button", name=key.capitalize(), exact=True).click()
        return seen["type"], seen["message"]

    async def teller(bot: Robust, page: Page) -> tuple[str, str]:
        async with bot._dialog(accept=accept, prompt=prompt) as seen:
            await bot._click(("dialogs", key), "dialogs")
        return seen.type, seen.message

    seen = chromium.run(runner, html=DIALOGS, playwright=playwright, teller=teller)
    assert seen == outcome


SELECT = """
<label for=kind>Kind</label>
<select id=kind onchange="note('change ' + this.value)">
  <option value="">--</option><option value=SAL>Salary</option><option value=BON>Bonus</option>
</select>"""

SELECT_CASES = {
    # how: what Teller's _fill is given, plain Playwright's select_option, the outcome
    "by_label": ("Bonus", {"label": "Bonus"}, Seen("BON", ["change BON"])),
    "by_value": ("SAL", {"value": "SAL"}, Seen("SAL", ["change SAL"])),
}


@pytest.mark.parametrize("how", list(SELECT_CASES))
def test_select(chromium: Chromium, runner: Runner, how: str) -> None:
    """An option chosen by its label or by its value, in both modes."""
    given, option, outcome = SELECT_CASES[how]

    async def playwright(page: Page) -> str:
        await page.get_by_label("Kind", exact=True).select_option(**option)
        value: str = await page.evaluate("kind.value")
        return value

    async def teller(bot: Robust, page: Page) -> str:
        await bot._fill("select", kind=given)
        value: str = await page.evaluate("kind.value")
        return value

    seen = chromium.run(runner, html=SELECT, playwright=playwright, teller=teller)
    assert seen == outcome


def test_select_option_that_is_not_there(chromium: Chromium, runner: Runner) -> None:
    """An option the select does not have: waited for, then raised; nothing chosen."""

    async def playwright(page: Page) -> str:
        await page.get_by_label("Kind", exact=True).select_option("Pension")
        return "chosen"

    async def teller(bot: Robust, page: Page) -> str:
        await bot._fill("select", kind="Pension")
        return "chosen"

    seen = chromium.run(runner, html=SELECT, playwright=playwright, teller=teller, timeout=FAILING)
    assert isinstance(seen.result, Raised) and seen.result.kind == "timeout", seen
    assert seen.log == []


READ = """
<label for=amount>Amount</label><input id=amount value="100.00">
<label for=memo>Memo</label><textarea id=memo>Rent</textarea>
<label for=kind>Kind</label>
<select id=kind><option value=SAL>Salary</option><option value=BON selected>Bonus</option></select>
<label for=empty>Empty</label><input id=empty>
<p id=balance>  Balance:   <b>1,000.00</b> </p>
<p id=shout style="text-transform: uppercase">Paid  in
  full</p>
<script>amount.value = "99.50";</script>"""

READ_CASES = {
    "amount": "99.50",  # the value now, not the attribute the page was served with
    "memo": "Rent",
    "kind": "BON",
    "empty": "",
    "balance": "Balance: 1,000.00",
    "shout": "Paid in full",  # as the DOM holds it, not as CSS shows it (PAID IN FULL)
}


def test_read(chromium: Chromium, runner: Runner) -> None:
    """The value of an input, a textarea and a select; the text of anything else, as the
    DOM holds it (textContent, white space folded), whatever CSS makes of it."""

    async def playwright(page: Page) -> dict[str, str]:
        return {
            "amount": await page.get_by_label("Amount", exact=True).input_value(),
            "memo": await page.get_by_label("Memo", exact=True).input_value(),
            "kind": await page.get_by_label("Kind", exact=True).input_value(),
            "empty": await page.get_by_label("Empty", exact=True).input_value(),
            "balance": (await page.locator("#balance").inner_text()).strip(),
            "shout": " ".join((await page.locator("#shout").text_content() or "").split()),
        }

    async def teller(bot: Robust, page: Page) -> dict[str, str]:
        return {key: await bot._read("read", key) for key in READ_CASES}

    seen = chromium.run(runner, html=READ, playwright=playwright, teller=teller)
    assert seen == Seen(READ_CASES, [])
