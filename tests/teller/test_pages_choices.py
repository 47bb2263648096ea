"""_select, _check and _download: what Teller adds to Playwright's semantics, in both modes.

Read back after the page's handlers ran (a choice or tick the page takes away is
``NotActionable("value kept")``, where Playwright's select_option would not notice),
refusals before anything is clicked, and a download read in memory, never saved under
the name the console suggests. Playwright's own semantics are compared in
tests/robustness/test_choices.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Download, Page

from teller import ConsoleError, ConsoleTimeout, NotActionable, SessionExpired
from teller.locators import LocatorRepository
from tests.teller.test_pages import Demo, on_page

pytestmark = pytest.mark.e2e

SELECTORS = """
console: demo
version: "1.0"
screens:
  form:
    input: {mode}
    elements:
      kind: {{strategies: [{{beside: Kind, exact: true}}]}}
      stubborn: {{strategies: [{{beside: Stubborn, exact: true}}]}}
      agree: {{strategies: [{{beside: Agree, exact: true}}]}}
      sticky: {{strategies: [{{beside: Sticky, exact: true}}]}}
      radio: {{strategies: [{{css: "#r2"}}]}}
      memo: {{strategies: [{{beside: Memo, exact: true}}]}}
      export: {{strategies: [{{role: button, name: Export, exact: true}}]}}
      refuse: {{strategies: [{{role: button, name: Refuse, exact: true}}]}}
      expire: {{strategies: [{{role: button, name: Expire, exact: true}}]}}
      idle: {{strategies: [{{role: button, name: Idle, exact: true}}]}}
      error: {{strategies: [{{css: .error}}]}}
      login: {{strategies: [{{css: "#login-form"}}]}}
"""
FORM = """<table>
<tr><td>Kind</td><td><select id=kind><option value=SAL>Salary</option>
  <option value=BON>Bonus</option></select></td></tr>
<tr><td>Stubborn</td><td><select id=stubborn onchange="this.value = 'A'">
  <option>A</option><option>B</option></select></td></tr>
<tr><td>Agree</td><td><input type=checkbox id=agree></td></tr>
<tr><td>Sticky</td><td><input type=checkbox id=sticky onclick="return false"></td></tr>
<tr><td>Memo</td><td><input id=memo></td></tr>
</table>
<input type=radio name=r id=r1><input type=radio name=r id=r2 checked onclick="note('r2')">
<button onclick="save('statement-6222020200001234567.csv', 'txn,amount\\nT1,1.00\\n')">Export</button>
<button onclick="document.body.insertAdjacentHTML('beforeend',
  '<p class=error>賬號 6222020200001234567 無對賬單 No statement</p>')">Refuse</button>
<button onclick="document.body.insertAdjacentHTML('beforeend', '<form id=login-form></form>')">
  Expire</button>
<button>Idle</button>
<script>
window.log = [];
window.note = (what) => log.push(what);
window.save = (name, text) => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {type: "text/csv"}));
  link.download = name;
  document.body.append(link);
  link.click();
};
</script>"""


def repository(tmp_path: Path, mode: str) -> LocatorRepository:
    path = tmp_path / "choices.yaml"
    path.write_text(SELECTORS.format(mode=mode), encoding="utf-8")
    return LocatorRepository.load(path)


MODES = pytest.mark.parametrize("mode", ["fill", "simulate"])


@MODES
def test_select_and_check_read_back_what_they_did(tmp_path: Path, mode: str) -> None:
    async def scenario(bot: Demo, page: Page) -> list[object]:
        await bot._select("form", "kind", label="Bonus")
        chosen = await page.input_value("#kind")
        await bot._select("form", "kind", value="SAL")
        await bot._check("form", "agree", True)
        await bot._check("form", "agree", True)  # so already: nothing clicked
        ticked = await page.is_checked("#agree")
        await bot._check("form", "agree", False)
        await bot._check("form", "radio", True)  # ticked already: not clicked
        return [chosen, await page.input_value("#kind"), ticked, await page.is_checked("#agree")]

    assert on_page(repository(tmp_path, mode), FORM, scenario) == ["BON", "SAL", True, False]


@MODES
@pytest.mark.parametrize(
    ("action", "check"),
    [
        (lambda bot: bot._select("form", "stubborn", label="B"), "value kept"),
        (lambda bot: bot._check("form", "sticky", True), "value kept"),
        (lambda bot: bot._select("form", "kind", value="Bonus"), "has the option"),
    ],
    ids=["select_taken_back", "tick_taken_back", "a_label_is_no_value"],
)
def test_what_the_page_takes_back_or_lacks_is_named(
    tmp_path: Path, mode: str, action: object, check: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        await action(bot)  # type: ignore[operator]

    with pytest.raises(NotActionable) as caught:
        on_page(repository(tmp_path, mode), FORM, scenario, timeout=1.0)
    assert caught.value.check == check


@MODES
def test_refused_before_anything_is_clicked(tmp_path: Path, mode: str) -> None:
    async def scenario(bot: Demo, page: Page) -> list[str]:
        with pytest.raises(ConsoleError, match="radio button"):
            await bot._check("form", "radio", False)
        with pytest.raises(ConsoleError, match="not a checkbox"):
            async with bot._translate("form"):
                await bot._check("form", "memo", True)
        with pytest.raises(ConsoleError, match="not a select"):
            async with bot._translate("form"):
                await bot._select("form", "memo", value="x")
        with pytest.raises(ValueError, match="one of them"):
            await bot._select("form", "kind", value="SAL", label="Salary")
        seen: list[str] = await page.evaluate("log")
        return seen

    assert on_page(repository(tmp_path, mode), FORM, scenario, timeout=1.0) == []


@MODES
def test_a_download_is_read_in_memory_and_never_kept_under_its_name(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    async def scenario(bot: Demo, page: Page) -> tuple[bytes, str, list[bool]]:
        copies: list[Path] = []

        async def where(download: Download) -> None:
            copies.append(Path(await download.path()))  # Playwright's own copy

        page.on("download", where)
        data, name = await bot._download("form", "export", errors=[("form", "error")])
        return data, name, [copy.exists() for copy in copies]

    data, name, kept = on_page(repository(tmp_path, mode), FORM, scenario)
    assert (data, name) == (b"txn,amount\nT1,1.00\n", "statement-6222020200001234567.csv")
    assert kept == [False]  # Playwright's copy deleted
    assert not [p for p in tmp_path.rglob("*") if "6222020200001234567" in p.name]


@MODES
@pytest.mark.parametrize(
    ("key", "error", "words"),
    [
        ("refuse", ConsoleError, "refuse refused: 賬號 ****4567 無對賬單 No statement"),
        ("expire", SessionExpired, "session expired"),
        ("idle", ConsoleTimeout, "no answer within 1s"),
    ],
)
def test_a_download_that_does_not_come_says_why(
    tmp_path: Path, mode: str, key: str, error: type[Exception], words: str
) -> None:
    async def scenario(bot: Demo, page: Page) -> None:
        await bot._download("form", key, errors=[("form", "error")], login_page=("form", "login"))

    with pytest.raises(error) as caught:
        on_page(repository(tmp_path, mode), FORM, scenario, timeout=1.0)
    assert words in str(caught.value)
