"""Finding the right element or raising: names as Playwright computes them, strictness.

Issue 17: the quick finder clicked "Delete account" for an OK button, read the wrong
"Saved", and gave file inputs and SVG links other roles than Playwright does.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.robustness._harness import FAILING, TIMEOUT, Chromium, Raised, Robust, Runner, Seen

pytestmark = pytest.mark.e2e

WRONG_BUTTON = """
<label for=d>Delete account</label>
<button id=d onclick="note('delete')">OK</button>
<button id=ok onclick="note('ok')">OK</button>"""


@pytest.mark.parametrize(("key", "clicked"), [("ok", "ok"), ("delete", "delete")])
def test_wrong_button(chromium: Chromium, runner: Runner, key: str, clicked: str) -> None:
    """A <label for> names the button it points at: "OK" exactly is only the second one."""
    name = {"ok": "OK", "delete": "Delete account"}[key]

    async def playwright(page: Page) -> None:
        await page.get_by_role("button", name=name, exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("wrong_button", key), "wrong_button")

    seen = chromium.run(runner, html=WRONG_BUTTON, playwright=playwright, teller=teller)
    assert seen == Seen(None, [clicked])


AMBIGUOUS = """
<p onclick="note('saved')">Saved</p>
<p onclick="note('drafts')">Saved drafts are kept 30 days.</p>"""


@pytest.mark.parametrize("action", ["read", "click"])
def test_ambiguous_text_is_an_error(chromium: Chromium, runner: Runner, action: str) -> None:
    """``{text: Saved}`` matches both paragraphs: Playwright refuses it, so must Teller."""

    async def playwright(page: Page) -> object:
        if action == "read":
            return await page.get_by_text("Saved").inner_text()
        return await page.get_by_text("Saved").click()

    async def teller(bot: Robust, page: Page) -> object:
        if action == "read":
            return await bot._read("ambiguous", "saved")
        return await bot._click(("ambiguous", "saved"), "ambiguous")

    seen = chromium.run(runner, html=AMBIGUOUS, playwright=playwright, teller=teller)
    assert seen == Seen(Raised("ambiguous"), [])


@pytest.mark.parametrize(
    ("key", "text"), [("saved_exact", "Saved"), ("saved_second", "Saved drafts are kept 30 days.")]
)
def test_ambiguous_text_made_exact_or_placed(
    chromium: Chromium, runner: Runner, key: str, text: str
) -> None:
    """``exact: true`` matches one paragraph; ``nth: 1`` asks for the second on purpose."""

    async def playwright(page: Page) -> str:
        if key == "saved_exact":
            locator = page.get_by_text("Saved", exact=True)
        else:
            locator = page.get_by_text("Saved").nth(1)
        await locator.click()
        return await locator.inner_text()

    async def teller(bot: Robust, page: Page) -> str:
        await bot._click(("ambiguous", key), "ambiguous")
        return await bot._read("ambiguous", key)

    seen = chromium.run(runner, html=AMBIGUOUS, playwright=playwright, teller=teller)
    assert seen == Seen(text, ["saved" if key == "saved_exact" else "drafts"])


HIDDEN_LAYER = """
<button class=pay style="display: none" onclick="note('display none')">Pay</button>
<button class=pay style="visibility: hidden" onclick="note('visibility hidden')">Pay</button>
<button class=pay onclick="note('visible')">Pay</button>"""

HIDDEN_CASES = {
    # role strategies skip what is hidden from the accessibility tree: one match left
    "pay": Seen(None, ["visible"]),
    # CSS matches all three: ambiguous, nothing clicked
    "pay_css": Seen(Raised("ambiguous"), []),
    # a position asked on purpose: the hidden ones are waited for, never clicked
    "pay_first": Seen(Raised("timeout", "visible"), []),
    "pay_hidden": Seen(Raised("timeout", "visible"), []),
    "pay_last": Seen(None, ["visible"]),
}


@pytest.mark.parametrize("key", list(HIDDEN_CASES))
def test_hidden_layer(chromium: Chromium, runner: Runner, key: str) -> None:
    """Two hidden copies of a button and the visible one."""

    async def playwright(page: Page) -> None:
        locator = {
            "pay": page.get_by_role("button", name="Pay", exact=True),
            "pay_css": page.locator("button.pay"),
            "pay_first": page.locator("button.pay").nth(0),
            "pay_hidden": page.locator("button.pay").nth(1),
            "pay_last": page.locator("button.pay").nth(2),
        }[key]
        await locator.click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("hidden_layer", key), "hidden_layer")

    timeout = FAILING if HIDDEN_CASES[key].result else TIMEOUT
    seen = chromium.run(
        runner, html=HIDDEN_LAYER, playwright=playwright, teller=teller, timeout=timeout
    )
    assert seen == HIDDEN_CASES[key]


# A form that renders itself again, with new ids, at every keystroke (as some frameworks do).
DYNAMIC_IDS = """
<div id=app></div>
<script>
  const state = {amount: ""};
  function render() {
    const n = Math.random().toString(36).slice(2);
    app.innerHTML = `<label for=f${n}>Amount</label><input id=f${n}>
      <button id=b${n}>Save</button>`;
    const field = app.querySelector("input");
    field.value = state.amount;
    field.addEventListener("input", () => { state.amount = field.value; render(); });
    app.querySelector("button").onclick = () => note("saved " + state.amount);
    window.renders = (window.renders || 0) + 1;
  }
  render();
</script>"""


def test_dynamic_ids(chromium: Chromium, runner: Runner) -> None:
    """Ids change at every render: found by label and role, the value kept by the page."""

    async def playwright(page: Page) -> int:
        await page.get_by_label("Amount", exact=True).fill("125.00")
        await page.get_by_role("button", name="Save", exact=True).click()
        renders: int = await page.evaluate("renders")
        return renders

    async def teller(bot: Robust, page: Page) -> int:
        await bot._fill("dynamic_ids", amount="125.00")
        await bot._click(("dynamic_ids", "save"), "dynamic_ids")
        renders: int = await page.evaluate("renders")
        return renders

    seen = chromium.run(runner, html=DYNAMIC_IDS, playwright=playwright, teller=teller)
    assert seen.log == ["saved 125.00"]
    assert seen.result >= 2  # the field the value went into was replaced


SHADOW = """
<pay-form></pay-form>
<script>
  customElements.define("pay-form", class extends HTMLElement {
    connectedCallback() {
      const root = this.attachShadow({mode: "open"});
      root.innerHTML = "<label for=a>Amount</label><input id=a><button>Pay</button>";
      root.querySelector("button").onclick = () => note("pay " + root.querySelector("input").value);
    }
  });
</script>"""


def test_shadow_dom(chromium: Chromium, runner: Runner) -> None:
    """A field and a button inside an open shadow root, found by label and role."""

    async def playwright(page: Page) -> None:
        await page.get_by_label("Amount", exact=True).fill("125.00")
        await page.get_by_role("button", name="Pay", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("shadow", amount="125.00")
        await bot._click(("shadow", "pay"), "shadow")

    seen = chromium.run(
        runner,
        html=SHADOW,
        playwright=playwright,
        teller=teller,
        before="!document.querySelector('input, button')",  # nothing in the light DOM
    )
    assert seen == Seen(None, ["pay 125.00"])


SPACES = """
<label for=a>Amount&nbsp;&nbsp;(HKD)</label><input id=a>
<button onclick="note('pay ' + a.value)">Pay&nbsp;now</button>
<button onclick="note('pay only')">Pay</button>
<button onclick="note('cancel')">
    Cancel
      payment  </button>"""


SPACES_CASES = {
    # key: the name it asks for (exact or not), what the page saw
    "pay": ("Pay now", True, Seen(None, ["pay 125.00"])),
    "cancel": ("Cancel payment", True, Seen(None, ["cancel"])),
    "pay_exact": ("Pay", True, Seen(None, ["pay only"])),  # not "Pay now", not "...payment"
    "pay_loose": ("pay", False, Seen(Raised("ambiguous"), [])),  # all three
}


@pytest.mark.parametrize("key", list(SPACES_CASES))
def test_non_breaking_and_extra_spaces(chromium: Chromium, runner: Runner, key: str) -> None:
    """Names are compared with runs of white space (no-break spaces too) made one space;
    an exact name is the whole name, a loose one any part of it, in any case."""
    name, exact, outcome = SPACES_CASES[key]

    async def playwright(page: Page) -> None:
        await page.get_by_label("Amount (HKD)", exact=True).fill("125.00")
        await page.get_by_role("button", name=name, exact=exact).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("spaces", amount="125.00")
        await bot._click(("spaces", key), "spaces")

    seen = chromium.run(runner, html=SPACES, playwright=playwright, teller=teller)
    assert seen == outcome


ROLES = """
<input type=file aria-label="Statement file" onclick="event.preventDefault(); note('file')">
<svg width=120 height=30><a href="#docs" onclick="event.preventDefault(); note('svg link')">
  <text x=0 y=20>Docs</text></a></svg>
<a href="#help" onclick="event.preventDefault(); note('html link')">Help</a>
<a onclick="note('plain')">Plain</a>"""


ROLE_CASES = {
    "file": Seen(None, ["file"]),  # a file input is a button to Playwright
    "svg_link": Seen(None, ["svg link"]),  # an SVG <a href> is a link
    "html_link": Seen(None, ["html link"]),
    "no_link": Seen(Raised("timeout"), []),  # an <a> without href is no link
}


@pytest.mark.parametrize("key", list(ROLE_CASES))
def test_roles_of_file_inputs_and_svg_links(chromium: Chromium, runner: Runner, key: str) -> None:
    role, name = {
        "file": ("button", "Statement file"),
        "svg_link": ("link", "Docs"),
        "html_link": ("link", "Help"),
        "no_link": ("link", "Plain"),
    }[key]

    async def playwright(page: Page) -> None:
        await page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("roles", key), "roles")

    timeout = FAILING if key == "no_link" else TIMEOUT
    seen = chromium.run(runner, html=ROLES, playwright=playwright, teller=teller, timeout=timeout)
    assert seen == ROLE_CASES[key]


ARIA = """
<span role=button tabindex=0 onclick="note('span ' + document.getElementById('r').value)">
  Approve</span>
<button aria-hidden=true onclick="note('aria-hidden')">Approve</button>
<span id=l>Reference</span><input id=r aria-labelledby=l>"""


def test_aria_roles_and_labels(chromium: Chromium, runner: Runner) -> None:
    """An ARIA button (a span) beside a <button> hidden from the accessibility tree, and a
    field named by aria-labelledby: found as Playwright finds them."""

    async def playwright(page: Page) -> None:
        await page.get_by_label("Reference", exact=True).fill("PAY-0001")
        await page.get_by_role("button", name="Approve", exact=True).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("aria", reference="PAY-0001")
        await bot._click(("aria", "approve"), "aria")

    seen = chromium.run(runner, html=ARIA, playwright=playwright, teller=teller)
    assert seen == Seen(None, ["span PAY-0001"])


# A legacy form: fields placed by the text in the cell before them or above them.
ANCHORS = """
<table>
<tr><td>付款賬號&nbsp;Debit account：</td>
    <td><input id=acct oninput="note('account ' + this.value)"></td></tr>
<tr style="display: none"><td>Amount</td><td><input id=old oninput="note('old')"></td></tr>
<tr><td><b>Amount</b></td><td><input id=amount oninput="note('amount ' + this.value)"></td></tr>
<tr><td colspan=2>Memo</td><td>Value date</td></tr>
<tr><td><input id=memo oninput="note('memo ' + this.value)"></td><td>-</td>
    <td><input id=vdate oninput="note('date ' + this.value)"></td></tr>
</table>
<button class=pay style="display: none" onclick="note('hidden pay')">Pay</button>
<button class=pay onclick="note('pay')">Pay</button>"""

_CELL_TEXT = "normalize-space(translate(., '\u00a0', ' '))"
ANCHOR_CASES: dict[str, tuple[str, str, Seen]] = {
    # key: plain Playwright's XPath for it, the value typed, the outcome
    "account": (
        f"//td[{_CELL_TEXT} = '付款賬號 Debit account：']/following-sibling::td[1]//input",
        "6222",
        Seen(None, ["account 6222"]),
    ),
    "amount": (  # the hidden row's field too: ambiguous
        f"//td[{_CELL_TEXT} = 'Amount']/following-sibling::td[1]//input",
        "9.99",
        Seen(Raised("ambiguous"), []),
    ),
    "amount_visible": (
        f"//td[{_CELL_TEXT} = 'Amount']/following-sibling::td[1]//input",
        "9.99",
        Seen(None, ["amount 9.99"]),
    ),
    "memo": (
        f"//td[{_CELL_TEXT} = 'Memo']/parent::tr/following-sibling::tr[1]/td[1]//input",
        "rent",
        Seen(None, ["memo rent"]),
    ),
    "value_date": (  # the third cell: the label row's first cell spans two columns
        f"//td[{_CELL_TEXT} = 'Value date']/parent::tr/following-sibling::tr[1]/td[3]//input",
        "2026-11-28",
        Seen(None, ["date 2026-11-28"]),
    ),
}


@pytest.mark.parametrize("key", list(ANCHOR_CASES))
def test_fields_beside_and_below_their_label_cells(
    chromium: Chromium, runner: Runner, key: str
) -> None:
    """``{beside: ...}`` and ``{below: ...}`` find what an XPath a person would write finds;
    a hidden row's copy makes the key ambiguous unless ``visible: true``."""
    xpath, value, outcome = ANCHOR_CASES[key]

    async def playwright(page: Page) -> None:
        field = page.locator(f"xpath={xpath}")
        if key.endswith("_visible"):
            field = field.filter(visible=True)
        await field.fill(value)

    async def teller(bot: Robust, page: Page) -> None:
        await bot._fill("anchors", **{key: value})

    timeout = FAILING if isinstance(outcome.result, Raised) else TIMEOUT
    seen = chromium.run(runner, html=ANCHORS, playwright=playwright, teller=teller, timeout=timeout)
    assert seen == outcome


@pytest.mark.parametrize(("key", "outcome"), [("pay", Raised("ambiguous")), ("pay_visible", None)])
def test_a_hidden_copy_of_a_button(
    chromium: Chromium, runner: Runner, key: str, outcome: Raised | None
) -> None:
    """Two "Pay" buttons, one hidden: ambiguous as CSS, one with ``visible: true``."""

    async def playwright(page: Page) -> None:
        button = page.locator("button.pay")
        await (button.filter(visible=True) if key == "pay_visible" else button).click()

    async def teller(bot: Robust, page: Page) -> None:
        await bot._click(("anchors", key))

    timeout = FAILING if outcome else TIMEOUT
    seen = chromium.run(runner, html=ANCHORS, playwright=playwright, teller=teller, timeout=timeout)
    assert seen == Seen(outcome, [] if outcome else ["pay"])
