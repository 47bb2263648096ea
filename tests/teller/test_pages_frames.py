"""Nested frames by name, waited for in order: an inner frame that comes late is waited for.

The outer frame is there at once; the frame inside it is added by the outer frame's script
about 500 ms later (as a legacy console's frameset fills itself). Every helper must wait
for it, in both input modes, and act inside it, never on the top page.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.async_api import Page

from teller import SelectorNotFound, SessionExpired
from teller.locators import LocatorRepository
from tests.teller.test_pages import Demo, on_page

pytestmark = pytest.mark.e2e

SELECTORS = """
console: demo
version: "1.0"
screens:
  inner:
    input: {mode}
    frame: [outer, inner]
    elements:
      amount: {{strategies: [{{beside: Amount, exact: true}}]}}
      pay: {{strategies: [{{role: button, name: Pay, exact: true}}]}}
      status: {{strategies: [{{css: "#result"}}]}}
  missing:
    frame: [outer, nowhere]
    elements:
      pay: {{strategies: [{{css: button}}]}}
  gone:
    frame: [nowhere, inner]
    elements:
      pay: {{strategies: [{{css: button}}]}}
"""

INNER = (
    "<table><tr><td>Amount</td><td><input id=amount></td></tr></table>"
    "<button onclick=\"result.textContent = 'paid ' + amount.value\">Pay</button>"
    "<p id=result>unpaid</p>"
)
OUTER = f"""<p>outer</p><script>
setTimeout(() => {{
  const inner = document.createElement("iframe");
  inner.name = "inner";
  inner.srcdoc = {INNER!r};
  document.body.append(inner);
}}, 500);
</script>"""
# The top page holds the same button and field: a locator that fell back to the top page
# would act there, and the test would see it.
TOP = (
    "<table><tr><td>Amount</td><td><input id=top-amount></td></tr></table>"
    "<button onclick=\"document.title = 'top clicked'\">Pay</button>"
    f'<iframe name=outer srcdoc="{OUTER.replace(chr(34), "&quot;")}"></iframe>'
)


def repository(tmp_path: Path, mode: str) -> LocatorRepository:
    path = tmp_path / "frames.yaml"
    path.write_text(SELECTORS.format(mode=mode), encoding="utf-8")
    return LocatorRepository.load(path)


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_a_late_inner_frame_is_waited_for_and_used(tmp_path: Path, mode: str) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[bool, str, str, str, float]:
        started = time.monotonic()
        present = await bot._present("inner", "pay")  # asked now: not there yet
        await bot._fill("inner", amount="12.50")
        waited = time.monotonic() - started
        await bot._click(("inner", "pay"))
        await bot._wait_for("inner", "status", text="paid 12.50")
        status = await bot._read("inner", "status")
        top = await page.input_value("#top-amount")
        return present, status, top, await page.title(), waited

    present, status, top, title, waited = on_page(repository(tmp_path, mode), TOP, scenario)
    assert (present, status, top, title) == (False, "paid 12.50", "", "")
    assert waited >= 0.3  # it did wait for the inner frame


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_the_frame_helpers_wait_for_and_first_wait_for_the_inner_frame(
    tmp_path: Path, mode: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> tuple[str, object]:
        await bot._wait_for("inner", "status", text="unpaid")  # asked at once: waited for
        frame = await bot._frame("inner")
        await bot._settled("inner")
        found = await bot._first(("inner", "pay"))
        return frame.name, None if found is None else found[0]

    assert on_page(repository(tmp_path, mode), TOP, scenario) == ("inner", ("inner", "pay"))


def test_an_inner_frame_that_never_comes_is_not_found_not_the_top_page(tmp_path: Path) -> None:
    async def scenario(bot: Demo, page: Page) -> str:
        with pytest.raises(SelectorNotFound):
            await bot._click(("missing", "pay"))
        return await page.title()

    assert on_page(repository(tmp_path, "fill"), TOP, scenario, timeout=1.0) == ""


def test_a_frame_helper_names_the_inner_frame_that_did_not_come(tmp_path: Path) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        await bot._frame("missing")

    with pytest.raises(SelectorNotFound, match="frame name='nowhere'"):
        on_page(repository(tmp_path, "fill"), TOP, scenario, timeout=1.0)


def test_without_the_outermost_frame_the_session_is_gone_at_once(tmp_path: Path) -> None:
    async def scenario(bot: Demo, page: Page) -> float:
        started = time.monotonic()
        with pytest.raises(SessionExpired):
            await bot._frame("gone")
        return time.monotonic() - started

    assert on_page(repository(tmp_path, "fill"), TOP, scenario, timeout=5.0) < 1.0
