"""The anchors ``beside`` and ``below`` and ``visible``: the quick finder and Playwright agree.

Each strategy is asked of Teller's finder (``teller/finder.js``) and of the Playwright
locator ``Strategy.locate`` builds (XPath, ``teller/_anchors.py``) on a real Chromium page:
every element, in order, must be the same, and, where the case says, the ones the rules in
the README's selector guide name. Where the finder cannot be sure it says "unsupported".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

from teller import AmbiguousElement, NotActionable, SelectorNotFound
from teller.locators import _FINDER, LocatorRepository, Strategy
from tests.teller.test_finder import _in_chromium
from tests.teller.test_pages import Demo, on_page

pytestmark = pytest.mark.e2e

FORM_TABLE = """<table>
<tr><td>付款賬號 Debit Account</td><td id=c-acct><input id=acct><input type=hidden id=h1></td></tr>
<tr><td>  金額&nbsp;&nbsp;Amount： </td><td><input id=amount></td></tr>
<tr><th><b>幣種</b>
   <i>Currency</i></th><td><select id=ccy><option>HKD</option><option>Amount</option></select></td></tr>
<tr><td>Memo</td><td><textarea id=memo>Amount</textarea></td></tr>
<tr><td>Txn No</td><td id=txn>T0001</td></tr>
<tr><td colspan=2>Value date</td><td><input id=vdate></td></tr>
<tr><td>Payee</td><td><input id=payee><input type=button value=Search id=search></td></tr>
<tr><td>Lonely</td></tr>
<tr><td>Two</td><td><input id=two-a><input type=CHECKBOX id=two-b></td></tr>
<tr><td>Has <input id=inline> field</td><td><input id=not-this></td></tr>
<tr><td>Payee's "name"</td><td><input id=quotes></td></tr>
<tr><td>金額\u3000Fee\u200b</td><td><input id=fee></td></tr>
<tr><td>Ämount</td><td><input id=umlaut></td></tr>
<tr><td>Ex&shy;change</td><td><input id=soft></td></tr>
<tr><td>Amount<script>var late = 1;</script></td><td><input id=scripted></td></tr>
</table>"""

FORM_CASES: list[tuple[dict[str, Any], list[str] | None]] = [
    ({"beside": "付款賬號 Debit Account", "exact": True}, ["acct"]),
    ({"beside": "debit  ACCOUNT"}, ["acct"]),  # not exact: a part, ASCII letters in any case
    ({"beside": "金額 Amount", "exact": True}, ["amount"]),  # no-break spaces, a colon ：
    ({"beside": "Amount", "exact": True}, []),  # the option and the text area are no labels
    ({"beside": "amount"}, ["amount", "scripted"]),  # a script's text is text too
    ({"beside": "幣種 Currency", "exact": True}, ["ccy"]),  # nested markup, a line break
    ({"beside": "Currency"}, ["ccy"]),
    ({"beside": "Txn No", "exact": True}, ["txn"]),  # no field: the value cell, to read
    ({"beside": "Value date", "exact": True}, ["vdate"]),  # a label cell's colspan
    ({"beside": "Payee", "exact": True}, ["payee"]),  # a button is no field
    ({"beside": "Lonely", "exact": True}, []),
    ({"beside": "Two", "exact": True}, ["two-a", "two-b"]),  # several: ambiguous
    ({"beside": "Has", "exact": True}, ["inline"]),  # text in a line, not a label cell
    ({"beside": "Memo", "exact": True}, ["memo"]),
    ({"beside": 'Payee\'s "name"', "exact": True}, ["quotes"]),
    ({"beside": "金額 Fee", "exact": True}, ["fee"]),  # an ideographic space, a zero-width one
    ({"beside": "ämount"}, []),  # only ASCII letters are compared in any case
    ({"beside": "Ämount", "exact": True}, ["umlaut"]),
    ({"beside": "Exchange", "exact": True}, ["soft"]),  # a soft hyphen is dropped
    ({"below": "Debit Account"}, ["TD"]),  # the next row, same column: the label cell there
    ({"beside": "a"}, None),
    ({"below": "a"}, None),
    ({"beside": "e", "nth": -1}, None),
]

BELOW_TABLE = """<table>
<thead><tr><th id=h-txn>Txn No</th><th colspan=2>Amount</th><th> Memo </th></tr></thead>
<tbody>
<tr><td id=r1-txn>T1</td><td id=r1-ccy>HKD</td><td id=r1-amt>10.00</td><td id=r1-memo>rent</td></tr>
<tr><td id=r2-txn>T2</td><td id=r2-ccy>HKD</td><td id=r2-amt>20.00</td><td id=r2-memo>x</td></tr>
</tbody></table>
<table>
<tr><td>Account</td><td>Amount due</td></tr>
<tr style="display: none"><td><input id=h-acct></td><td><input id=h-amt></td></tr>
<tr><td><input id=acct2></td><td><input id=amt2></td></tr>
</table>
<table>
<tr><td>Outer label</td><td><table><tr><td>inner</td></tr><tr><td id=i-2>inner2</td></tr></table></td></tr>
<tr><td><input id=o-field></td><td id=o-2>x</td></tr>
</table>"""

BELOW_CASES: list[tuple[dict[str, Any], list[str] | None]] = [
    ({"below": "Txn No", "exact": True}, ["r1-txn"]),  # from the header into the body
    ({"below": "Amount", "exact": True}, ["r1-ccy"]),  # a colspan: where the column starts
    ({"below": "Memo", "exact": True}, ["r1-memo"]),
    ({"below": "T1", "exact": True}, ["r2-txn"]),
    ({"below": "T2", "exact": True}, []),  # the last row
    ({"below": "Account", "exact": True}, ["h-acct"]),  # the next row, hidden or not
    ({"below": "Account", "exact": True, "visible": True}, []),
    ({"below": "Outer label", "exact": True}, ["o-field"]),  # not a row of the inner table
    ({"below": "inner", "exact": True}, ["i-2"]),
    ({"below": "inner2", "exact": True}, []),
    ({"beside": "Outer label", "exact": True}, ["TD"]),  # no field in the cell after: the cell
    ({"below": "HKD", "exact": True}, ["r2-ccy"]),
    ({"below": "x"}, None),
    ({"below": "T"}, None),
]

LINES = """<dl>
<dt>Payee</dt><dd><input id=dl-payee></dd>
<dt>Status</dt><dd id=dl-status>Open</dd>
<dt>Note <input id=dt-field></dt><dd><input id=dd-x></dd>
</dl>
<form>
  Reference: <input id=ref> <br>
  <span>Name</span> <input type=hidden id=hh> <input id=name>
  <label>Branch</label><select id=branch></select>
  <div class=row><div class=label>City</div><div class=field><input id=city></div></div>
  <p>Remark<br><textarea id=remark></textarea></p>
  <span><b>Nested</b></span> <input id=nested>
  <div>Gone</div>
</form>
<h3>Heading</h3><input id=after-heading>
<svg width=10 height=10><text>Drawn</text></svg><input id=after-svg>
<p>Amount <span style="display: none"><input id=hidden-amt></span><input id=shown-amt></p>
<datalist id=reasons>Reason <input id=in-datalist></datalist>"""

LINE_CASES: list[tuple[dict[str, Any], list[str] | None]] = [
    ({"beside": "Payee", "exact": True}, ["dl-payee"]),
    ({"below": "Payee", "exact": True}, ["dl-payee"]),
    ({"beside": "Status", "exact": True}, ["dl-status"]),
    ({"beside": "Note", "exact": True}, ["dt-field"]),  # a term holding a field is a line
    ({"beside": "Reference", "exact": True}, ["ref"]),  # a colon after it
    ({"beside": "Name", "exact": True}, ["name"]),  # a hidden input is no field
    ({"below": "Name", "exact": True}, ["name"]),  # outside tables: the same rule
    ({"beside": "Branch", "exact": True}, ["branch"]),
    ({"beside": "City", "exact": True}, ["city"]),  # a row of divs
    ({"beside": "Remark", "exact": True}, ["remark"]),
    ({"beside": "Nested", "exact": True}, ["nested"]),
    ({"beside": "Gone", "exact": True}, []),  # no field after it in its parent
    ({"beside": "Heading", "exact": True}, []),  # a heading is no line element
    ({"beside": "Drawn", "exact": True}, []),
    ({"beside": "Reason", "exact": True}, []),  # text in a datalist is no label
    ({"beside": "Amount", "exact": True}, ["hidden-amt"]),  # the first field after, hidden
    ({"beside": "Amount", "exact": True, "visible": True}, []),
    ({"beside": "e"}, None),
    ({"below": "a"}, None),
]

DUPLICATES = """
<table>
<tr style="display: none"><td>Amount</td><td><input id=old-amt></td></tr>
<tr><td>Amount</td><td><input id=new-amt></td></tr>
</table>
<button id=pay-hidden style="visibility: hidden">Pay</button><button id=pay>Pay</button>
<button id=pay-none style="display: none">Pay</button>
<label for=m1>Memo</label><input id=m1 style="display: none">
<label for=m2>Memo</label><input id=m2>
<div style="display: contents"><button id=in-contents>Contents</button></div>"""

DUPLICATE_CASES: list[tuple[dict[str, Any], list[str] | None]] = [
    ({"beside": "Amount", "exact": True}, ["old-amt", "new-amt"]),
    ({"beside": "Amount", "exact": True, "visible": True}, ["new-amt"]),
    ({"css": "button"}, ["pay-hidden", "pay", "pay-none", "in-contents"]),
    ({"css": "button", "visible": True}, ["pay", "in-contents"]),
    ({"css": "button", "visible": True, "nth": 0}, ["pay"]),
    ({"label": "Memo", "exact": True}, ["m1", "m2"]),
    ({"label": "Memo", "exact": True, "visible": True}, ["m2"]),
    ({"role": "button", "name": "Pay", "exact": True, "visible": True}, ["pay"]),
]

PAGES = {
    "form": (FORM_TABLE, FORM_CASES),
    "below": (BELOW_TABLE, BELOW_CASES),
    "lines": (LINES, LINE_CASES),
    "duplicates": (DUPLICATES, DUPLICATE_CASES),
}

_ID = "e => e.id || e.tagName"


async def _finder(page: Page, strategy: dict[str, Any]) -> Any:
    return await page.evaluate(
        f"([strategies]) => {{ const f = ({_FINDER})(strategies);"
        f" return f.status === 'found' ? f.found.map({_ID}) : f.status; }}",
        [[strategy]],
    )


async def _playwright(page: Page, strategy: dict[str, Any]) -> list[str]:
    found: list[str] = (
        await Strategy(**strategy).locate(page).evaluate_all(f"all => all.map({_ID})")
    )
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_the_finder_and_playwright_find_the_same_elements(name: str) -> None:
    html, cases = PAGES[name]

    async def scenario(page: Page) -> list[tuple[dict[str, Any], Any, Any]]:
        await page.set_content(html)
        return [(s, await _finder(page, s), await _playwright(page, s)) for s, _ in cases]

    answers = _in_chromium(scenario)
    mine = [(s, [] if found == "absent" else found) for s, found, _ in answers]
    assert mine == [(s, theirs) for s, _, theirs in answers]  # every element, in order
    wanted = [(s, want) for s, want in cases if want is not None]
    assert [(s, found) for s, found in mine if any(s is w for w, _ in wanted)] == wanted


WIDE_ROW = "".join(f"<td>c{n}</td>" for n in range(40))
# Pages where the finder could read the page apart from Playwright's XPath: it steps aside.
UNSUPPORTED = [
    ('<div style="display: contents"><b>Pay</b></div>', {"xpath": "//div", "visible": True}),
    (
        "<table><tr><td colspan='2x'>A</td><td>Total</td></tr><tr><td>1</td><td>2</td></tr></table>",
        {"below": "Total"},
    ),
    (
        f"<table><tr>{WIDE_ROW}<td>Last</td></tr><tr>{WIDE_ROW}<td>41</td></tr></table>",
        {"below": "Last", "exact": True},
    ),
    (
        "<div id=host></div><table><tr><td>Amount</td><td><input></td></tr></table><script>"
        'host.attachShadow({mode: "open"}).innerHTML = "<i>x</i>";</script>',
        {"beside": "Amount"},
    ),
]


@pytest.mark.parametrize(("html", "strategy"), UNSUPPORTED)
def test_where_they_could_differ_the_finder_says_unsupported(
    html: str, strategy: dict[str, Any]
) -> None:
    async def scenario(page: Page) -> Any:
        await page.set_content(html)
        return await _finder(page, strategy)

    assert _in_chromium(scenario) == "unsupported"


def test_the_column_limit_is_the_same_on_both_sides() -> None:
    """The 40th column is placed by both; past it neither finds anything."""
    cells = "".join(f"<td>c{n}</td>" for n in range(39))
    html = f"<table><tr>{cells}<td>Last</td><td>Past</td></tr><tr>{cells}<td id=v40>40</td><td id=v41>41</td></tr></table>"

    async def scenario(page: Page) -> list[Any]:
        await page.set_content(html)
        found = []
        for text in ("Last", "Past"):
            strategy = {"below": text, "exact": True}
            found.append((await _finder(page, strategy), await _playwright(page, strategy)))
        return found

    assert _in_chromium(scenario) == [(["v40"], ["v40"]), ("unsupported", [])]


SELECTORS = """
console: demo
version: "1.0"
screens:
  form:
    input: {mode}
    elements:
      account: {{strategies: [{{beside: 付款賬號 Debit Account, exact: true}}]}}
      amount: {{strategies: [{{beside: 金額 Amount, exact: true}}]}}
      currency: {{strategies: [{{beside: 幣種 Currency, exact: true}}]}}
      txn: {{strategies: [{{beside: Txn No, exact: true}}]}}
      two: {{strategies: [{{beside: Two, exact: true}}]}}
      memo_below: {{strategies: [{{below: Remark, exact: true}}]}}
      lonely: {{strategies: [{{beside: Lonely, exact: true}}]}}
  duplicates:
    input: {mode}
    elements:
      amount: {{strategies: [{{beside: Amount, exact: true}}]}}
      amount_shown: {{strategies: [{{beside: Amount, exact: true, visible: true}}]}}
      pay: {{strategies: [{{css: "button:not(#in-contents)"}}]}}
      pay_shown: {{visible: true, strategies: [{{css: "button:not(#in-contents)"}}]}}
"""
BOT_PAGE = FORM_TABLE.replace(
    "<tr><td>Lonely</td></tr>",
    "<tr><td>Lonely</td></tr><tr><td>Remark</td></tr><tr><td><input id=memo-below></td></tr>",
)


def repository(tmp_path: Path, mode: str) -> LocatorRepository:
    path = tmp_path / "anchors.yaml"
    path.write_text(SELECTORS.format(mode=mode), encoding="utf-8")
    return LocatorRepository.load(path)


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_a_bot_fills_and_reads_by_the_label_cells(tmp_path: Path, mode: str) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[list[str], str, str]:
        await bot._fill("form", account="6222020200001234", amount="12.50", memo_below="rent")
        await bot._fill("form", currency="Amount")  # an option, by its label
        values = [await page.input_value(f"#{i}") for i in ("acct", "amount", "memo-below")]
        return (
            values + [await page.input_value("#ccy")],
            await bot._read("form", "txn"),
            (await bot._read("form", "currency")),
        )

    assert on_page(repository(tmp_path, mode), BOT_PAGE, scenario) == (
        ["6222020200001234", "12.50", "rent", "Amount"],
        "T0001",
        "Amount",
    )


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_several_fields_beside_a_label_are_ambiguous_and_none_is_not_found(
    tmp_path: Path, mode: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        with pytest.raises(AmbiguousElement) as several:
            await bot._fill("form", two="x")
        assert several.value.count == 2
        with pytest.raises(SelectorNotFound):
            await bot._read("form", "lonely")

    on_page(repository(tmp_path, mode), BOT_PAGE, scenario, timeout=1.0)


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_visible_keeps_a_hidden_copy_from_making_a_key_ambiguous(tmp_path: Path, mode: str) -> None:
    html = DUPLICATES.replace(
        "<button id=pay>", "<button id=pay onclick=\"document.title='paid'\">"
    )

    async def scenario(bot: Demo, page: Page) -> tuple[str, str]:
        for key in ("amount", "pay"):
            with pytest.raises(AmbiguousElement):
                await bot._find("duplicates", key)
        await bot._fill("duplicates", amount_shown="9.99")
        await bot._click(("duplicates", "pay_shown"), "duplicates")
        return await page.input_value("#new-amt"), await page.title()

    assert on_page(repository(tmp_path, mode), html, scenario, timeout=1.0) == ("9.99", "paid")


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_a_hidden_field_beside_its_label_is_waited_for_then_named(
    tmp_path: Path, mode: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        await bot._fill("duplicates", amount="1")  # both rows: ambiguous before anything

    with pytest.raises(AmbiguousElement):
        on_page(repository(tmp_path, mode), DUPLICATES, scenario, timeout=1.0)
    html = DUPLICATES.replace("<tr><td>Amount</td><td><input id=new-amt></td></tr>", "")
    with pytest.raises(NotActionable) as caught:
        on_page(repository(tmp_path, mode), html, scenario, timeout=1.0)
    assert caught.value.check == "visible"
