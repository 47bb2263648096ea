"""Teller's quick finder (teller/finder.js) answers as Playwright's engines do, or says it cannot.

Each strategy is asked of both on a real Chromium page: the elements the finder finds
must be exactly the ones Playwright's locator matches, in the same order (so strictness
-- several matches -- is judged alike), or neither finds one. Where the finder cannot be
sure, it must answer "unsupported", so Teller asks Playwright.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from teller.browser import launch
from teller.locators import _FINDER, LocatorRepository, Strategy
from tests.teller.test_pages import Demo, on_page

PLAIN = """<html><head><title>Transfer</title><style>.gone {display: none}</style></head><body>
<form action="/transfer">
<label for="a">付款賬號 Debit Account</label><input id="a">
<label>Amount <input id="b"></label>
<label for="c">  Memo
   (optional) </label><textarea id="c"></textarea>
<input id="d" aria-label="Payee Name">
<input type="hidden" id="h"><label for="h">Hidden field</label>
<label for="s">Kind <script>var x = "not text";</script></label><select id="s"></select>
<input type="submit" value="提交 Submit" id="submit1">
<input type="submit" id="submit2">
<input type="reset" id="reset">
<input type="button" title="Help" id="help">
<button type="button" class="gone">Save</button>
<button type="button" id="save">Save</button>
<div style="visibility: hidden"><button type="button" id="invisible">Invisible</button></div>
<button type="button" title="Close" id="close"></button>
<button type="button" aria-label="Pay now" id="pay">$</button>
<a href="/transfer" id="t">單筆轉賬 Single Transfer</a>
<a id="nohref">No href</a>
<a href="/tip" title="Tip" id="tip"></a>
<a href="/gone" class="gone">Single Transfer (old)</a>
<table><tr><th>Txn No</th><td id="txn-no">T0001</td></tr></table>
</form></body></html>"""

SAME_ANSWER: list[dict[str, Any]] = [
    {"label": "付款賬號 Debit Account", "exact": True},
    {"label": "debit  ACCOUNT"},
    {"label": "Amount", "exact": True},
    {"label": "Memo (optional)", "exact": True},
    {"label": "Memo", "exact": True},
    {"label": "Payee Name", "exact": True},
    {"label": "Hidden field", "exact": True},
    {"label": "Kind", "exact": True},
    {"label": "nowhere"},
    {"role": "button", "name": "提交 Submit", "exact": True},
    {"role": "button", "name": "submit"},
    {"role": "button", "name": "Submit", "exact": True},
    {"role": "button", "name": "Reset", "exact": True},
    {"role": "button", "name": "Help", "exact": True},
    {"role": "button", "name": "Save", "exact": True},
    {"role": "button", "name": "Invisible"},
    {"role": "button", "name": "Close", "exact": True},
    {"role": "button", "name": "pay NOW"},
    {"role": "button", "name": "$", "exact": True},
    {"role": "button"},
    {"role": "link", "name": "單筆轉賬 Single Transfer", "exact": True},
    {"role": "link", "name": "single transfer"},
    {"role": "link", "name": "No href"},
    {"role": "link", "name": "Tip", "exact": True},
    {"role": "link"},
    {"css": "form[action$='/transfer'] input[type=submit]"},
    {"css": "#txn-no"},
    {"css": "div.error"},
    {"xpath": "//th[contains(., 'Txn No')]/following-sibling::td[1]"},
    {"xpath": "//a[@href]"},
    {"role": "button", "nth": 1},
    {"css": "button", "nth": -1},
    {"css": "button", "nth": 99},
    {"label": "Amount", "nth": 0},
]

# Pages and strategies where Playwright's answer could differ from a simple reading.
UNSUPPORTED = [
    ('<button role="link">Go</button>', {"role": "link", "name": "Go"}),
    ('<span id="l">Name</span><input aria-labelledby="l">', {"label": "Name"}),
    ('<div aria-hidden="true"><button>Pay</button></div>', {"role": "button", "name": "Pay"}),
    ('<a href="/x"><b>Single</b> Transfer</a>', {"role": "link", "name": "Single Transfer"}),
    (
        '<style>button::before {content: "Pay "}</style><button>now</button>',
        {"role": "button", "name": "Pay now"},
    ),
    ('<input type="image" alt="Pay">', {"role": "button", "name": "Pay"}),
    ("<div class=error>參考號已使用</div>", {"css": "div.error:has-text('參考號已使用')"}),
    ("<p>Hello</p>", {"text": "Hello"}),
    ('<input placeholder="Name">', {"placeholder": "Name"}),
    (
        '<label for="t">Note</label><textarea id="t"></textarea>',
        {"role": "textbox", "name": "Note"},
    ),
    # a <label for> names a button: its name is the label's, not its text
    (
        '<label for="d">Delete account</label><button id="d">OK</button><button id="ok">OK</button>',
        {"role": "button", "name": "OK", "exact": True},
    ),
    ('<input type="file" id="f">', {"role": "button"}),
    ('<svg><a href="/x"><text x="5" y="15">Go</text></a></svg>', {"role": "link"}),
    ("<details open><summary>More</summary><button>Pay</button></details>", {"role": "button"}),
]

_INDEX = "e => [...document.querySelectorAll('*')].indexOf(e)"


async def _finder(page: Page, strategy: dict[str, Any]) -> Any:
    return await page.evaluate(
        f"([strategies]) => {{ const f = ({_FINDER})(strategies);"
        f" return f.status === 'found' ? f.found.map({_INDEX}) : f.status; }}",
        [[strategy]],
    )


async def _playwright(page: Page, strategy: dict[str, Any]) -> Any:
    found = await Strategy(**strategy).locate(page).evaluate_all(f"all => all.map({_INDEX})")
    return found or "absent"


def _in_chromium(scenario: Any) -> Any:
    async def main() -> Any:
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                return await scenario(await browser.new_page())
            finally:
                await browser.close()

    return asyncio.run(main())


@pytest.mark.e2e
def test_on_a_plain_page_the_finder_picks_what_playwright_picks() -> None:
    async def scenario(page: Page) -> list[tuple[dict[str, Any], Any, Any]]:
        await page.set_content(PLAIN)
        return [(s, await _finder(page, s), await _playwright(page, s)) for s in SAME_ANSWER]

    answers = _in_chromium(scenario)
    differ = [(s, mine, theirs) for s, mine, theirs in answers if mine != theirs]
    assert differ == []
    found = [mine for _, mine, _ in answers if mine != "absent"]
    assert len(found) >= 20  # most strategies find something: the comparison is not empty
    assert sum(len(mine) > 1 for mine in found) >= 4  # and several find more than one


@pytest.mark.e2e
@pytest.mark.parametrize(("html", "strategy"), UNSUPPORTED)
def test_where_it_could_differ_the_finder_says_unsupported(
    html: str, strategy: dict[str, Any]
) -> None:
    async def scenario(page: Page) -> tuple[Any, Any]:
        await page.set_content(html)
        return await _finder(page, strategy), await _playwright(page, strategy)

    mine, theirs = _in_chromium(scenario)
    assert mine == "unsupported"
    assert theirs != "absent" or "aria-hidden" in html  # Playwright does answer these


@pytest.mark.e2e
def test_the_first_strategy_that_matches_wins_and_an_unsupported_one_stops_the_finder() -> None:
    async def scenario(page: Page) -> list[dict[str, Any]]:
        await page.set_content(PLAIN)
        lists = [
            [{"css": "#nowhere"}, {"label": "Amount"}, {"css": "#a"}],
            [{"text": "Amount"}, {"css": "#b"}],
            [{"css": "#nowhere"}, {"xpath": "//nowhere"}],
        ]
        script = (
            f"([s]) => {{ const f = ({_FINDER})(s);"
            " return f.found ? {...f, found: f.found.map(e => e.id)} : f; }"
        )
        return [await page.evaluate(script, [strategies]) for strategies in lists]

    assert _in_chromium(scenario) == [
        {"status": "found", "index": 1, "found": ["b"]},
        {"status": "unsupported"},
        {"status": "absent"},
    ]


@pytest.mark.e2e
def test_a_bot_still_fills_and_clicks_where_the_finder_cannot_tell(tmp_path: Path) -> None:
    """ARIA on the page: Playwright's engines answer, with the same refusals."""
    path = tmp_path / "demo.yaml"
    path.write_text(
        """
console: demo
version: "1.0"
screens:
  form:
    input: simulate
    elements:
      name: {strategies: [{label: Name, exact: true}]}
      pay: {strategies: [{role: button, name: Pay, exact: true}]}
      status: {strategies: [{css: "#status"}]}
""",
        encoding="utf-8",
    )
    html = """<span id="l">Name</span><input id="n" aria-labelledby="l">
    <div role="button" id="pay" onclick="document.getElementById('status').textContent =
      'paid ' + document.getElementById('n').value">Pay</div><p id="status"></p>"""

    async def scenario(bot: Demo, page: Page) -> tuple[str, str]:
        await bot._fill("form", name="Zhang")
        await bot._click(("form", "pay"), "form")
        return await bot._read("form", "status"), await page.input_value("#n")

    assert on_page(LocatorRepository.load(path), html, scenario) == ("paid Zhang", "Zhang")
