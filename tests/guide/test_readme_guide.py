"""The README's guide, run: its selector file, bot and flow drive the stand-in notes console.

Convention: in the guide section of README.md, a line ``File: `path` `` followed by a
fenced block names that block's file. Every named block is written to a fresh project
folder; the bot and flow are imported from there and a real run, with Chromium, adds
notes to ``notes_console``. The console's own SQLite file decides whether it worked.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from playwright.async_api import Route, async_playwright

from teller import BatchAlreadyLoaded, BusinessError, InDoubt, ReferenceAlreadyUsed, SessionExpired
from teller import browser as chromium
from teller.flow import Flow
from teller.locators import LocatorRepository
from teller.runner import Runner
from teller.runs import submit
from teller.settings import load_settings
from teller.store import open_store
from tests.guide.notes_console import notes, serving

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Automating your own console"
PASSWORD = "guide-pass-01"
_NAMED_BLOCK = re.compile(
    r"^File: `(?P<path>[^`]+)`[ \t]*\n\s*^```[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S
)
_RUN_COMMAND = re.compile(r"^teller run (?P<flow>\S+) --input (?P<input>\S+)", re.M)


def guide_text() -> str:
    """The guide's section of README.md, up to the next second-level heading."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    return readme[start : end if end != -1 else None]


def guide_files(text: str) -> dict[str, str]:
    """Every block the guide names with a ``File:`` line, by path."""
    files = {m["path"]: m["body"] for m in _NAMED_BLOCK.finditer(text)}
    named = re.findall(r"^File: ", text, re.M)
    assert len(named) == len(files), "a `File:` line not followed by a fenced block"
    return files


@dataclass(frozen=True)
class NotesConsole:
    url: str
    db_path: Path


@pytest.fixture
def guide() -> dict[str, str]:
    """The guide's files, by path."""
    files = guide_files(guide_text())
    expected = {"selectors/notes.yaml", "bots/notes.py", "flows/notes.py", "notes.csv"}
    assert expected <= files.keys() and {"pyproject.toml", "teller.toml"} <= files.keys()
    return files


@pytest.fixture
def guide_project(tmp_path: Path, guide: dict[str, str]) -> Path:
    """A project folder holding exactly what the guide tells a newcomer to write."""
    folder = tmp_path / "project"
    for path, body in guide.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(body, encoding="utf-8")
    return folder


@pytest.fixture
def notes_console(tmp_path: Path) -> Iterator[NotesConsole]:
    """The stand-in customer-notes console, served on a free port with its own SQLite file."""
    db_path = tmp_path / "notes-console.db"
    with serving(db_path=db_path, password=PASSWORD) as url:
        yield NotesConsole(url, db_path)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def guide_modules(guide_project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, ModuleType]:
    """The guide's bot and flow, imported from the project folder.

    ``bots`` and ``flows`` are this repository's packages, so the guide's bot is put in
    ``sys.modules`` as ``bots.notes`` (which the guide's flow imports) only for the test,
    and the flow is loaded under a name of its own.
    """
    monkeypatch.setitem(sys.modules, "bots.notes", ModuleType("bots.notes"))
    monkeypatch.setitem(sys.modules, "guide_notes_flow", ModuleType("guide_notes_flow"))
    return {
        "bot": _load("bots.notes", guide_project / "bots" / "notes.py"),
        "flow": _load("guide_notes_flow", guide_project / "flows" / "notes.py"),
    }


@pytest.fixture
def flow(guide_modules: dict[str, ModuleType]) -> Flow:
    made = guide_modules["flow"].NotesFlow()
    assert isinstance(made, Flow)
    return made


@pytest.fixture
def console_env(notes_console: NotesConsole, monkeypatch: pytest.MonkeyPatch) -> NotesConsole:
    """Point the guide's ``[consoles.notes]`` at the stand-in, the way the guide says to."""
    monkeypatch.setenv("TELLER_CONSOLES__NOTES__BASE_URL", notes_console.url)
    monkeypatch.setenv("NOTES_PASSWORD", PASSWORD)
    monkeypatch.delenv("TELLER_DATABASE_URL", raising=False)
    return notes_console


def _dead_runner_submits(url: str, *, account: str, text: str, reference: str) -> None:
    """What a robot that died after clicking Submit left behind: the note, on the console."""
    with httpx.Client(base_url=url) as client:
        client.post("/login", data={"uid": "clerk07", "pwd": PASSWORD})
        answer = client.post(
            "/notes/new", data={"acct": account, "memo_txt": text, "ref_no": reference}
        )
        assert answer.status_code == 303, answer.text


@pytest.mark.e2e
def test_the_guide_adds_each_note_once_even_across_a_crash(
    guide_project: Path, console_env: NotesConsole, flow: Flow
) -> None:
    settings = load_settings(guide_project, retry_backoff=0.01)
    store = open_store(settings)
    try:
        csv_path = guide_project / "notes.csv"
        lines = list(csv.DictReader(csv_path.read_text(encoding="utf-8").splitlines()))
        run_id = submit(settings, store, flow, flow.load(csv_path), submitted_by="clerk")
        items = store.items(run_id)
        assert len(items) == len(lines) >= 3
        assert {i.state for i in items} == {"auto_approved"}  # no money: the gate lets it pass
        assert len({i.key for i in items}) == len(items)

        # A robot died mid-run: the first note reached the console, the second did not.
        first, second = items[0], items[1]
        _dead_runner_submits(
            console_env.url,
            account=first.payload["account"],
            text=first.payload["note"],
            reference=first.key,
        )
        for item in (first, second):
            store.move(item.id, "in_flight", actor="dead-runner", reason="attempt 1", attempts=1)
        before = {note[3]: note[0] for note in notes(console_env.db_path)}

        summary = asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))

        held = notes(console_env.db_path)
        expected = [
            (line["account"], line["note"], item.key)
            for line, item in zip(lines, items, strict=True)
        ]
        assert sorted((account, text, ref) for _, account, text, ref in held) == sorted(expected)
        done = {i.key: i for i in store.items(run_id)}
        assert {i.state for i in done.values()} == {"done"}
        assert {key: i.receipt for key, i in done.items()} == {n[3]: n[0] for n in held}
        assert done[first.key].receipt == before[first.key]  # recovered, not written again
        recovered = [e for e in store.events(run_id, item_id=first.id) if e.target == "done"]
        assert "found on the console" in recovered[0].reason

        # `teller resume`: a second runner over the same run writes nothing more
        asyncio.run(Runner(settings=settings, store=store, flow=flow).run(run_id))
        assert notes(console_env.db_path) == held

        # the same file again is the same batch, refused before anything runs
        with pytest.raises(BatchAlreadyLoaded, match="already loaded"):
            submit(settings, store, flow, flow.load(csv_path), submitted_by="x")

        assert summary is not None and summary.parent == settings.run_folder(run_id)
        rows = list(csv.DictReader(summary.read_text(encoding="utf-8").splitlines()))
        assert [(r["reference"], r["state"], r["note_no"]) for r in rows] == [
            (i.key, "done", i.receipt) for i in store.items(run_id)
        ]
    finally:
        store.close()


async def _drive_bot(bot_module: ModuleType, project: Path, url: str) -> dict[str, Any]:
    """Use the guide's bot directly, as the guide's table of errors says it behaves."""
    seen: dict[str, Any] = {}
    locators = LocatorRepository.load(project / "selectors" / "notes.yaml")
    async with async_playwright() as playwright:
        browser = await chromium.launch(playwright)
        try:
            context = await chromium.new_context(browser)
            bot = bot_module.Notes(await context.new_page(), base_url=url, locators=locators)
            await bot.login("clerk07", PASSWORD)
            seen["note_no"] = await bot.add_note(
                account="621700004321", text="測試 test", reference="G-1"
            )
            seen["found"] = await bot.find_note("G-1")
            seen["missing"] = await bot.find_note("G-404")
            for case, values in {
                "reused": {"account": "621700004321", "text": "again", "reference": "G-1"},
                "refused": {"account": "12345", "text": "short account", "reference": "G-2"},
            }.items():
                try:
                    await bot.add_note(**values)
                except Exception as exc:
                    seen[case] = exc

            # the POST is lost on its way: from the click on, the guide's bot must not say
            # "retry" (its effect boundary makes it InDoubt), whatever the console did
            async def drop_post(route: Route) -> None:
                await (route.abort() if route.request.method == "POST" else route.continue_())

            await context.route("**/notes/new", drop_post)
            quick = bot_module.Notes(
                page := await context.new_page(), base_url=url, locators=locators, timeout=3
            )
            try:
                await quick.add_note(account="621700004321", text="lost", reference="G-4")
            except Exception as exc:
                seen["dropped"] = exc
            await page.close()
            await context.unroute("**/notes/new")
            await context.clear_cookies()  # the console forgets the session
            try:
                await bot.add_note(account="621700004321", text="late", reference="G-3")
            except Exception as exc:
                seen["expired"] = exc
            await context.close()
        finally:
            await browser.close()
    return seen


@pytest.mark.e2e
def test_the_guide_bot_tells_the_runner_what_went_wrong(
    guide_project: Path, notes_console: NotesConsole, guide_modules: dict[str, ModuleType]
) -> None:
    seen = asyncio.run(_drive_bot(guide_modules["bot"], guide_project, notes_console.url))
    held = notes(notes_console.db_path)
    assert held == [(seen["note_no"], "621700004321", "測試 test", "G-1")]
    assert seen["found"] == guide_modules["bot"].Note(seen["note_no"], "621700004321", "測試 test")
    assert seen["missing"] is None
    assert isinstance(seen["reused"], ReferenceAlreadyUsed)
    assert isinstance(seen["refused"], BusinessError) and "No such account" in str(seen["refused"])
    assert isinstance(seen["expired"], SessionExpired)
    assert isinstance(seen["dropped"], InDoubt) and seen["dropped"].reference == "G-4"


def test_the_guide_registers_and_runs_the_flow_it_wrote(
    guide: dict[str, str], guide_modules: dict[str, ModuleType]
) -> None:
    flows = tomllib.loads(guide["pyproject.toml"])["project"]["entry-points"]["teller.flows"]
    commands = _RUN_COMMAND.findall(guide_text())
    assert commands, "the guide shows no `teller run FLOW --input FILE` line"
    for flow_name, input_file in commands:
        assert flows[flow_name] == "flows.notes:NotesFlow"
        assert guide_modules["flow"].NotesFlow.name == flow_name
        assert input_file in guide
    consoles = tomllib.loads(guide["teller.toml"])["consoles"]
    assert set(consoles) == {guide_modules["flow"].CONSOLE}
    assert f"console: {guide_modules['bot'].CONSOLE}\n" in guide["selectors/notes.yaml"]


def test_the_guide_code_is_clean(guide_project: Path) -> None:
    """The guide's Python passes the repository's own ruff rules and format."""
    pytest.importorskip("ruff")
    code = [str(guide_project / "bots" / "notes.py"), str(guide_project / "flows" / "notes.py")]
    sources = [str(guide_project), str(ROOT)]
    # the guide's own bots/ and flows/ are first-party too, as in a newcomer's project
    config = ["--config", str(ROOT / "pyproject.toml"), "--config", f"src = {sources!r}"]
    for command in (["check", *config, *code], ["format", "--check", "--diff", *config, *code]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
