"""A screen's ``input: simulate``: one call per field or click, with the page's events; refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

from teller import ConsoleError, NotActionable
from teller.locators import LocatorRepository
from tests.teller.test_pages import Demo, on_page

SELECTORS = """
console: demo
version: "1.0"
screens:
  {screen}:
    input: {input}
    elements:
      name: {{strategies: [{{label: Name}}]}}
      code: {{strategies: [{{css: "#code"}}]}}
      kind: {{strategies: [{{css: "#kind"}}]}}
      locked: {{strategies: [{{css: "#locked"}}]}}
      disabled: {{strategies: [{{css: "#off"}}]}}
      label: {{strategies: [{{css: "#label"}}]}}
      pay: {{strategies: [{{css: "#pay"}}]}}
      frozen: {{strategies: [{{css: "#frozen"}}]}}
"""
FORM = """<form><label for="n">Name</label><input id="n">
<input id="code" maxlength="4"><select id="kind"><option>A</option><option>B</option></select>
<input id="locked" readonly><input id="off" disabled><span id="label">x</span>
<button type="button" id="pay" onclick="seen.push('pay:' + confirm('Pay?'))">Pay</button>
<button type="button" id="frozen" disabled onclick="seen.push('frozen')">Frozen</button></form>
<script>
window.seen = [];
for (const field of document.querySelectorAll("input, select"))
  for (const type of ["input", "change"])
    field.addEventListener(type, () => window.seen.push(`${field.id}:${type}:${field.value}`));
</script>"""


def repository(tmp_path: Path, input_mode: str) -> LocatorRepository:
    path = tmp_path / "demo.yaml"
    path.write_text(SELECTORS.format(screen="form", input=input_mode), encoding="utf-8")
    return LocatorRepository.load(path)


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["simulate", "fill"])
def test_both_modes_enter_values_and_send_the_events_a_page_listens_to(
    tmp_path: Path, mode: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[list[str], list[str]]:
        await bot._fill("form", name="張三 Zhang", code="A12")
        values = [await page.input_value(s) for s in ("#n", "#code")]
        return values, await page.evaluate("window.seen")

    values, seen = on_page(repository(tmp_path, mode), FORM, scenario)
    assert values == ["張三 Zhang", "A12"]
    for event in ("n:input:張三 Zhang", "n:change:張三 Zhang", "code:input:A12"):
        assert event in seen, seen


@pytest.mark.e2e
def test_simulate_chooses_an_option_of_a_select(tmp_path: Path) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[str, list[str]]:
        await bot._fill("form", kind="B")
        return await page.input_value("#kind"), await page.evaluate("window.seen")

    value, seen = on_page(repository(tmp_path, "simulate"), FORM, scenario)
    assert value == "B" and "kind:change:B" in seen


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"code": "A1234"}, "at most 4 characters"),
    ],
)
def test_simulate_refuses_what_a_person_could_not_type_and_changes_nothing(
    tmp_path: Path, fields: dict[str, str], words: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        async with bot._translate("form"):
            await bot._fill("form", **fields)

    with pytest.raises(ConsoleError) as caught:
        on_page(repository(tmp_path, "simulate"), FORM, scenario)
    assert words in caught.value.detail


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["simulate", "fill"])
@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("locked", "x", "editable"),
        ("disabled", "x", "editable"),
        ("label", "x", "editable"),
        ("kind", "C", "has the option"),
    ],
)
def test_a_field_no_one_could_type_into_is_waited_for_then_named(
    tmp_path: Path, mode: str, field: str, value: str, check: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        await bot._fill("form", **{field: value})

    with pytest.raises(NotActionable) as caught:
        on_page(repository(tmp_path, mode), FORM, scenario, timeout=1.0)
    assert caught.value.check == check and caught.value.key == field


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["simulate", "fill"])
def test_both_modes_click_and_the_confirm_is_answered(tmp_path: Path, mode: str) -> None:
    async def scenario(bot: Demo, page: Page) -> list[str]:
        page.on("dialog", lambda dialog: dialog.accept())
        await bot._click(await bot._find("form", "pay"), "form")
        seen: list[str] = await page.evaluate("window.seen")
        return seen

    assert on_page(repository(tmp_path, mode), FORM, scenario) == ["pay:true"]


@pytest.mark.e2e
def test_simulate_waits_for_a_disabled_button_then_names_the_check(tmp_path: Path) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        await bot._click(("form", "frozen"), "form")

    with pytest.raises(NotActionable) as caught:
        on_page(repository(tmp_path, "simulate"), FORM, scenario, timeout=1.0)
    assert caught.value.check == "enabled"


def test_a_screen_fills_unless_its_file_says_simulate(tmp_path: Path) -> None:
    assert repository(tmp_path, "fill").screens["form"].input == "fill"
    path = tmp_path / "bad.yaml"
    path.write_text(SELECTORS.format(screen="form", input="type"), encoding="utf-8")
    with pytest.raises(Exception, match="input"):
        LocatorRepository.load(path)


# A link that starts late on one line and wraps onto the next: the centre of its whole box
# lies beside both of its line boxes (on a bank's machine with CJK fonts, corebank's menu
# link "交易查詢 Transaction Inquiry" wraps so in its 190-pixel frame).
WRAPPED = """<div style="width: 160px; font: 16px/20px monospace">
<span>xxxxxxxxxxx</span> <a id="pay" href="#" onclick="seen.push('pay'); return false"
>pay it</a> <span>yyyyyyyyyyyy</span></div>
<script>window.seen = [];</script>"""


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["simulate", "fill"])
def test_a_wrapped_link_is_clicked_where_playwright_would_click_it(
    tmp_path: Path, mode: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[int, bool, list[str]]:
        lines = await page.evaluate("document.querySelector('#pay').getClientRects().length")
        # the centre of its whole box hits something else than the link
        beside = await page.evaluate(
            """() => { const a = document.querySelector('#pay'), b = a.getBoundingClientRect();
            const at = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
            return at !== a && !a.contains(at); }"""
        )
        await page.locator("#pay").click(trial=True, timeout=2000)  # Playwright: actionable
        await bot._click(("form", "pay"))  # by key: Teller's own checks (simulate), or
        # Playwright's click with Teller naming what fails (fill)
        seen: list[str] = await page.evaluate("window.seen")
        return lines, beside, seen

    lines, beside, seen = on_page(repository(tmp_path, mode), WRAPPED, scenario)
    assert lines == 2 and beside  # the case this test is about, whatever the fonts
    assert seen == ["pay"]
