"""The README's legacy-screen example, run: its page, its selector file and its bot's steps.

The page goes into a frame ``work`` that the frame ``main`` adds 500 ms late; the steps
run in both input modes and the page records what it was sent.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.async_api import Page

from teller.locators import LocatorRepository
from tests.teller.test_pages import Demo, on_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SECTION = "#### Legacy screens"


def blocks() -> dict[str, str]:
    """The first html, yaml and python blocks of the README's legacy-screen section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    section = readme[start : readme.index("\n### ", start)]
    found: dict[str, str] = {}
    for kind, body in re.findall(r"^```(\w+)\n(.*?)^```$", section, re.M | re.S):
        found.setdefault(kind, body)
    return found


# What the page's buttons do: note the form as sent, and hand over a statement file.
BEHAVIOUR = """<script>
const form = () => [...document.querySelectorAll("[name]")].map(f =>
  f.name + "=" + (f.type === "checkbox" ? f.checked : f.value)).join(" ");
window.submitted = () => top.sent.push(form());
window.exported = () => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob(["txn_no,amount\\n"], {type: "text/csv"}));
  link.download = "statement-6222020200001234567.csv";
  link.click();
};
</script>"""


def framed(html: str) -> str:
    """The page inside ``work``, inside ``main``, which adds ``work`` 500 ms late."""
    work = json.dumps(html + BEHAVIOUR).replace("</", "<\\/")  # a string inside a script
    main = (
        "<p>main</p><script>setTimeout(() => { const f = document.createElement('iframe');"
        f" f.name = 'work'; f.srcdoc = {work}; document.body.append(f); }}, 500);</script>"
    )
    quoted = main.replace("&", "&amp;").replace('"', "&quot;")
    return f'<script>window.sent = [];</script><iframe name=main srcdoc="{quoted}"></iframe>'


@pytest.mark.parametrize("mode", ["fill", "simulate"])
def test_the_legacy_example_runs(tmp_path: Path, mode: str) -> None:
    found = blocks()
    data = yaml.safe_load(found["yaml"])
    data["screens"]["payment"]["input"] = mode
    path = tmp_path / "legacy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    steps: dict[str, Any] = {}
    exec(  # the README's steps, as the body of a bot's method
        "async def steps(self, account, amount, memo):\n"
        + textwrap.indent(found["python"], "    ")
        + "\n    return balance, data, suggested\n",
        steps,
    )

    async def scenario(bot: Demo, page: Page) -> tuple[Any, list[str]]:
        answer = await steps["steps"](bot, "6222020200001234", "12.50", "rent")
        sent: list[str] = await page.evaluate("sent")
        return answer, sent

    answer, sent = on_page(LocatorRepository.load(path), framed(found["html"]), scenario)
    assert answer == ("12,000.00", b"txn_no,amount\n", "statement-6222020200001234567.csv")
    assert sent == ["f1=6222020200001234 t= f2=HKD f3=12.50 f4=false f5=rent"]
