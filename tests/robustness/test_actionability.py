"""Acting only on what a person could act on, and waiting for it: in both modes.

Issue 17: in ``simulate`` a click went to a covered or moving element, a value set into a
covered field was cleared by the page without an error, a field disabled for a second more
was refused at once, hover did nothing, pages checking ``isTrusted`` ignored the click, and
the question after a navigating click failed on a destroyed execution context.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.robustness._harness import FAILING, LOG, TIMEOUT, Chromium, Raised, Robust, Runner, Seen

pytestmark = pytest.mark.e2e

COVERING_LAYER = """
<button id=go onclick="note(document.getElementById('veil') ? 'while covered' : 'uncovered')">
  Go</button>
<div id=veil style="position: fixed; inset: 0; background: rgba(0, 0, 0, .3)">Loading</div>
<script>window.start = () => setTimeout(() => veil.remove(), 700);</script>"""


def test_covering_layer(chromium: Chromium, runner: Runner) -> None:
    """A loading layer covers the button for 700 ms: the click waits until it is gone."""

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name="Go", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("covering_layer", "go"), "covering_layer")

    seen = chromium.run(
        runner,
        html=COVERING_LAYER,
        playwright=playwright,
        teller=teller,
        before="start() && !!document.getElementById('veil')",
    )
    assert seen == Seen(None, ["uncovered"])


# The page resets its form when its loading layer goes; a value set before is lost.
COVERED_FIELD = """
<form id=f onsubmit="event.preventDefault(); note('submitted ' + f.amount.value)">
  <label for=amount>Amount</label><input id=amount name=amount><button>Submit</button>
</form>
<div id=veil style="position: fixed; inset: 0">Loading</div>
<script>window.start = () => setTimeout(() => { veil.remove(); f.reset(); }, 700);</script>"""

# The page empties the field in its own input handler while it is still initialising.
CLEARED_FIELD = """
<form id=f onsubmit="event.preventDefault(); note('submitted ' + f.amount.value)">
  <label for=amount>Amount</label><input id=amount name=amount><button>Submit</button>
</form>
<script>
  window.ready = false;
  window.start = () => setTimeout(() => ready = true, 700);
  amount.addEventListener("input", () => { if (!ready) amount.value = ""; });
</script>"""

# Plain Playwright's fill checks neither what receives events nor the value afterwards:
# it loses the value on both pages (pinned here, so a Playwright that changes shows).
# Teller must not: it waits until the value stays, or raises; never a silent loss.
VALUE_PAGES = {
    "covered": (COVERED_FIELD, "start() && !!veil"),
    "cleared": (CLEARED_FIELD, "start() && !ready"),
}


@pytest.mark.parametrize("page_name", list(VALUE_PAGES))
def test_value_kept_or_raised(chromium: Chromium, runner: Runner, page_name: str) -> None:
    html, before = VALUE_PAGES[page_name]

    async def playwright(page: Page) -> None:
        await page.get_by_label("Amount", exact=True).fill("125.00")
        await page.get_by_role("button", name="Submit", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("covered_field", amount="125.00")
        await bot._click(("covered_field", "submit"), "covered_field")

    seen = chromium.run(runner, html=html, playwright=playwright, teller=teller, before=before)
    if runner == "playwright":
        assert seen == Seen(None, ["submitted "])
    else:
        assert seen in (
            Seen(None, ["submitted 125.00"]),
            Seen(Raised("timeout", "receives events"), []),
            Seen(Raised("timeout", "value kept"), []),
        )


LATE_LOAD = """
<script>
  window.start = () => setTimeout(() => document.body.insertAdjacentHTML("beforeend",
    `<label for=late>Late field</label><input id=late>
     <button onclick="note('late ' + late.value)">Late</button>`), 800);
</script>"""


def test_late_load(chromium: Chromium, runner: Runner) -> None:
    """The field and the button are inserted 800 ms after the page loads."""

    async def playwright(page: Page) -> None:
        await page.get_by_label("Late field", exact=True).fill("125.00")
        await page.get_by_role("button", name="Late", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("late_load", field="125.00")
        await bot._click(("late_load", "late"), "late_load")

    seen = chromium.run(
        runner,
        html=LATE_LOAD,
        playwright=playwright,
        teller=teller,
        before="start() && !document.querySelector('input, button')",
    )
    assert seen == Seen(None, ["late 125.00"])


LATE_ENABLE = """
<label for=amount>Amount</label><input id=amount disabled>
<label for=memo>Memo</label><input id=memo readonly>
<button id=send disabled onclick="note('send ' + amount.value + ' ' + memo.value)">Send</button>
<script>
  // a value set where a person could not type is a value the page never expected
  amount.addEventListener("input", () => { if (amount.disabled) note("typed while disabled"); });
  memo.addEventListener("input", () => { if (memo.readOnly) note("typed while read-only"); });
  window.start = () => [
    setTimeout(() => amount.disabled = false, 600),
    setTimeout(() => memo.readOnly = false, 900),
    setTimeout(() => send.disabled = false, 1200),
  ];
</script>"""


def test_late_enable(chromium: Chromium, runner: Runner) -> None:
    """Disabled, read-only and disabled again for up to 1.2 s more: waited for, not refused."""

    async def playwright(page: Page) -> None:
        await page.get_by_label("Amount", exact=True).fill("125.00")
        await page.get_by_label("Memo", exact=True).fill("rent")
        await page.get_by_role("button", name="Send", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("late_enable", amount="125.00", memo="rent")
        await bot._click(("late_enable", "send"), "late_enable")

    seen = chromium.run(
        runner,
        html=LATE_ENABLE,
        playwright=playwright,
        teller=teller,
        before="start() && amount.disabled && memo.readOnly && send.disabled",
    )
    assert seen == Seen(None, ["send 125.00 rent"])


ANIMATION = {
    "left": "left: 0; transition: left 500ms linear",
    "transform": "left: 0; transition: transform 500ms linear",
}
MOVE = {
    "left": "mover.style.left = '300px'",
    "transform": "mover.style.transform = 'translateX(300px)'",
}


@pytest.mark.parametrize("how", list(ANIMATION))
def test_animation(chromium: Chromium, runner: Runner, how: str) -> None:
    """A button slides for 500 ms: the click lands on it once it stands still (the page
    notes where the button was when the click came, and any click that missed it)."""
    html = f"""
<button id=mover style="position: absolute; top: 40px; {ANIMATION[how]}"
  onclick="note('mover at ' + mover.getBoundingClientRect().left)">Move</button>
<script>
  window.moving = false;
  mover.addEventListener("transitionend", () => moving = false);
  mover.addEventListener("transitionrun", () => moving = true);
  document.addEventListener("click", (e) => {{ if (e.target !== mover) note("missed"); }});
  window.start = () => {{ {MOVE[how]}; return true; }};
</script>"""

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name="Move", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("animation", "mover"), "animation")

    seen = chromium.run(
        runner,
        html=html,
        playwright=playwright,
        teller=teller,
        # started, and seen moving a few frames later
        before="start() && new Promise((done) => setTimeout(() => done(moving), 100))",
    )
    assert seen == Seen(None, ["mover at 300"])  # where it stops, not on its way


OVERLAP = """
<button id=under onclick="note('under')"
  style="position: absolute; left: 0; top: 0; width: 200px; height: 40px">Under</button>
<button id=top onclick="note('top')"
  style="position: absolute; left: 50px; top: 0; width: 100px; height: 40px">Top</button>"""

OVERLAP_CASES = {
    # the top button covers the other's centre: never clicked through, and no click at all
    "under": Seen(Raised("timeout", "receives events"), []),
    "top": Seen(None, ["top"]),
}


@pytest.mark.parametrize("key", list(OVERLAP_CASES))
def test_overlap(chromium: Chromium, runner: Runner, key: str) -> None:
    name = {"under": "Under", "top": "Top"}[key]

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name=name, exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("overlap", key), "overlap")

    timeout = FAILING if key == "under" else TIMEOUT
    seen = chromium.run(runner, html=OVERLAP, playwright=playwright, teller=teller, timeout=timeout)
    assert seen == OVERLAP_CASES[key]


BELOW_THE_FOLD = """
<div style="height: 3000px">A long page</div>
<button onclick="note('far')">Far</button>"""

# Only the button's top edge shows at the window's bottom: its centre is out of view.
AT_THE_FOLD = """
<div style="height: calc(100vh - 24px)">A page one window high</div>
<button onclick="note('edge')" style="height: 40px">Edge</button>
<div style="height: 3000px"></div>"""


@pytest.mark.parametrize(("screen", "name"), [("below_the_fold", "Far"), ("at_the_fold", "Edge")])
def test_below_the_fold(chromium: Chromium, runner: Runner, screen: str, name: str) -> None:
    """A button far below the window, or one whose centre is just below it: scrolled into
    view and clicked."""

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name=name, exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click((screen, "button"))

    html = BELOW_THE_FOLD if screen == "below_the_fold" else AT_THE_FOLD
    seen = chromium.run(runner, html=html, playwright=playwright, teller=teller)
    assert seen == Seen(None, [name.lower() if name == "Far" else "edge"])


NESTED_MARKUP = """
<button onclick="note('send')" style="padding: 0">
  <span style="display: block; padding: 10px 30px">Send</span>
</button>"""


def test_click_on_nested_markup(chromium: Chromium, runner: Runner) -> None:
    """The centre of the button is its own <span>: that is the button receiving the click,
    not a layer over it."""

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name="Send", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("nested_markup", "send"), "nested_markup")

    seen = chromium.run(runner, html=NESTED_MARKUP, playwright=playwright, teller=teller)
    assert seen == Seen(None, ["send"])


HOVER = """
<div id=menu style="display: inline-block; padding: 8px">Accounts
  <div id=items style="display: none">
    <button onclick="note('statement')">Statement</button>
  </div>
</div>
<script>
  menu.addEventListener("mouseenter", () => { note("enter"); items.style.display = "block"; });
  menu.addEventListener("mouseleave", () => { note("leave"); items.style.display = "none"; });
</script>"""


def test_hover_opens_a_menu(chromium: Chromium, runner: Runner) -> None:
    """A menu that opens on mouseenter: hovered, then its item clicked, one entry counted."""

    async def playwright(page: Page) -> None:
        await page.locator("#menu").hover()
        await page.get_by_role("button", name="Statement", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._hover("hover", "menu")
        await bot._click(("hover", "statement"), "hover")

    seen = chromium.run(runner, html=HOVER, playwright=playwright, teller=teller)
    assert seen == Seen(None, ["enter", "statement"])


TRUSTED = """<button onclick="note(event.isTrusted ? 'trusted' : 'ignored')">Pay</button>"""


@pytest.mark.parametrize("screen", ["trusted_key", "trusted_screen"])
def test_trusted_click(chromium: Chromium, runner: Runner, screen: str) -> None:
    """A page that ignores untrusted clicks: ``trusted: true`` (on the key, or on the
    screen) sends the click through Playwright's input in both modes."""

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name="Pay", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click((screen, "pay"), screen)

    seen = chromium.run(runner, html=TRUSTED, playwright=playwright, teller=teller)
    assert seen == Seen(None, ["trusted"])


@pytest.mark.parametrize("key", ["heading", "heading_role"])
def test_question_after_navigation(chromium: Chromium, runner: Runner, key: str) -> None:
    """A click on a link loads a page that takes 500 ms to come; the heading is then read
    from the new page (the old one has a heading too), not from a destroyed context."""
    chromium.site.pages["/start"] = (0.0, LOG + '<h1>Start</h1><a href="/next">Next</a>')
    chromium.site.pages["/next"] = (0.5, LOG + "<h1>Arrived</h1>")

    async def playwright(page: Page) -> str:
        await page.get_by_role("link", name="Next", exact=True).click()
        if key == "heading":
            return await page.locator("h1").inner_text()
        return await page.get_by_role("heading").inner_text()

    async def teller(bot: Robust, page: Page) -> str:
        await bot._click(("navigation", "next"), "navigation")
        return await bot._read("navigation", key)

    seen = chromium.run(runner, path="/start", playwright=playwright, teller=teller)
    assert seen == Seen("Arrived", [])
