"""Frames by name, URL pattern or the iframe element's selector, nested; tables of both kinds.

Issue 17: an iframe without a name could not be reached, and an ARIA grid gave a
JavaScript TypeError.
"""

from __future__ import annotations

import time

import pytest
from playwright.async_api import FrameLocator, Page

from tests.robustness._harness import (
    FAILING,
    LOG,
    TIMEOUT,
    Chromium,
    Raised,
    Robust,
    Runner,
    Seen,
)

pytestmark = pytest.mark.e2e

BUTTON = """<button onclick="top.note('{note}')">{name}</button>"""
FRAMES = {
    "/frames": (
        0.0,
        LOG
        + f"""
<iframe name=named srcdoc="{BUTTON.format(note="named", name="Named").replace('"', "&quot;")}">
</iframe>
<iframe src="/frame-a"></iframe>
<iframe class=doc srcdoc="{BUTTON.format(note="srcdoc", name="Srcdoc").replace('"', "&quot;")}">
</iframe>
<iframe id=outer src="/outer"></iframe>""",
    ),
    "/frame-a": (0.0, BUTTON.format(note="url", name="By URL")),
    "/outer": (0.0, "<p>The outer frame</p><iframe src='/inner'></iframe>"),
    "/inner": (0.3, BUTTON.format(note="nested", name="Nested")),  # late: waited for
}

FRAME_CASES = {
    # (screen, key): what plain Playwright writes for the same frame, and the click's note
    ("frames", "named"): (lambda page: page.frame_locator("iframe[name=named]"), "named"),
    ("frames", "named_mapping"): (lambda page: page.frame_locator("iframe[name=named]"), "named"),
    ("frames", "by_url"): (lambda page: page.frame_locator("iframe[src$='/frame-a']"), "url"),
    ("frames", "srcdoc"): (lambda page: page.frame_locator("iframe.doc"), "srcdoc"),
    ("frames", "nested"): (
        lambda page: page.frame_locator("#outer").frame_locator("iframe"),
        "nested",
    ),
    ("frames", "nested_by_url"): (
        lambda page: page.frame_locator("#outer").frame_locator("iframe"),
        "nested",
    ),
    ("frames_nested", "nested"): (
        lambda page: page.frame_locator("#outer").frame_locator("iframe"),
        "nested",
    ),
}
FRAME_NAMES = {"named": "Named", "url": "By URL", "srcdoc": "Srcdoc", "nested": "Nested"}


@pytest.mark.parametrize("where", list(FRAME_CASES), ids="/".join)
def test_frames(chromium: Chromium, runner: Runner, where: tuple[str, str]) -> None:
    """A named frame, one reached by its URL, a srcdoc frame, a frame inside a frame."""
    chromium.site.pages.update(FRAMES)
    frame_of, note = FRAME_CASES[where]

    async def playwright(page: Page) -> None:
        frame: FrameLocator = frame_of(page)
        await frame.get_by_role("button", name=FRAME_NAMES[note], exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(where, where[0])

    seen = chromium.run(runner, path="/frames", playwright=playwright, teller=teller)
    assert seen == Seen(None, [note])


def test_ambiguous_frame(chromium: Chromium, runner: Runner) -> None:
    """``iframe[srcdoc]`` matches two iframes: Playwright's frame locator refuses it, so
    Teller must raise too (Playwright calls it ambiguous), and click in neither."""
    chromium.site.pages.update(FRAMES)

    async def playwright(page: Page) -> None:
        await page.frame_locator("iframe[srcdoc]").get_by_role("button").click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("frames_ambiguous", "srcdoc"), "frames_ambiguous")

    seen = chromium.run(
        runner, path="/frames", playwright=playwright, teller=teller, timeout=FAILING
    )
    assert seen == Seen(Raised("ambiguous"), [])


# A frameset whose inner frame its outer frame adds late (a legacy console filling itself
# in): the inner frame's link loads the next page there.
LATE_FRAMES = {
    # a frame of the same name on the top page: never the one meant
    "/late": (
        0.0,
        LOG + "<iframe name=outer src='/late-outer'></iframe><iframe name=inner src='/decoy'>",
    ),
    "/decoy": (0.0, "<h1>decoy</h1><a href='/late-next' onclick=\"top.note('decoy')\">Next</a>"),
    "/late-outer": (
        0.0,
        """<p>outer</p><script>
        setTimeout(() => {
          const inner = document.createElement("iframe");
          inner.name = "inner";
          inner.src = "/late-inner";
          document.body.append(inner);
        }, 500);
        </script>""",
    ),
    "/late-inner": (0.0, "<h1>first</h1><a href='/late-next'>Next</a>"),
    "/late-next": (0.0, "<h1>second</h1><script>top.note('next loaded')</script>"),
}


def test_a_late_inner_frame(chromium: Chromium, runner: Runner) -> None:
    """``frame: [outer, inner]``, the inner frame added 500 ms after the outer one loaded:
    waited for in order; its link's page is waited for, not the whole timeout."""
    chromium.site.pages.update(LATE_FRAMES)

    async def playwright(page: Page) -> tuple[str, bool]:
        started = time.monotonic()
        inner = page.frame_locator("iframe[name=outer]").frame_locator("iframe[name=inner]")
        await inner.get_by_role("link", name="Next", exact=True).click()
        heading = await inner.locator("h1").filter(has_text="second").inner_text()
        return heading, time.monotonic() - started < TIMEOUT * 0.6

    async def teller(bot: Robust, page: Page) -> tuple[str, bool]:
        started = time.monotonic()
        await bot._click(("frames_late", "next"))
        await bot._wait_for("frames_late", "heading", text="second")  # fill: not waited for
        heading = await bot._read("frames_late", "heading")
        return heading, time.monotonic() - started < TIMEOUT * 0.6

    seen = chromium.run(
        runner,
        path="/late",
        playwright=playwright,
        teller=teller,
        before="!window.frames.outer.frames.inner",
    )
    assert seen == Seen(("second", True), ["next loaded"])


ARIA_TABLE = """
<div role=table aria-label=Transactions>
  <div role=row>
    <div role=columnheader>Txn No</div><div role=columnheader>Amount</div>
    <div role=columnheader>Memo</div>
  </div>
  <div role=row><div role=cell>T0001</div><div role=cell>10.00</div><div role=cell>rent</div></div>
  <div role=row>
    <div role=cell>T0002</div><div role=cell>2,500.00</div><div role=cell>salary</div>
  </div>
</div>"""

HTML_TABLE = """
<table id=txns>
  <thead><tr><th>Txn No</th><th>Amount</th><th>Memo</th></tr></thead>
  <tbody>
    <tr><td>T0001</td><td>10.00</td><td>rent</td></tr>
    <tr><td>T0002</td><td>2,500.00</td><td>salary</td></tr>
  </tbody>
</table>"""

CELLS = [["T0001", "10.00", "rent"], ["T0002", "2,500.00", "salary"]]
# asked in another order than the table's: placed by the header's name, not by position
BY_NAME = [{"amount": "10.00", "txn": "T0001"}, {"amount": "2,500.00", "txn": "T0002"}]


@pytest.mark.parametrize("screen", ["aria_table", "html_table"])
def test_tables(chromium: Chromium, runner: Runner, screen: str) -> None:
    """An ARIA table of divs and an HTML table, read alike: cells by row, rows by column name."""
    html = ARIA_TABLE if screen == "aria_table" else HTML_TABLE

    async def playwright(page: Page) -> tuple[list[list[str]], list[dict[str, str]]]:
        headers = await page.get_by_role("columnheader").all_inner_texts()
        rows = page.get_by_role("row").filter(has=page.get_by_role("cell"))
        cells = [
            [c.strip() for c in await r.get_by_role("cell").all_inner_texts()]
            for r in await rows.all()
        ]
        amount, txn = headers.index("Amount"), headers.index("Txn No")
        return cells, [{"amount": row[amount], "txn": row[txn]} for row in cells]

    async def teller(bot: Robust, page: Page) -> tuple[list[list[str]], list[dict[str, str]]]:
        cells = await bot._row_cells(screen, "rows")
        table = await bot._table(screen, "rows", {"amount": "col_amount", "txn": "col_txn"})
        return cells, table

    seen = chromium.run(runner, html=html, playwright=playwright, teller=teller)
    assert seen == Seen((CELLS, BY_NAME), [])
