"""Mutation check of the robustness suite: does it fail when the finder or a check is broken?

For each mutation below (an exact string replaced in one engine file), the tree is copied
to a temporary folder, the mutation applied there (a string not found exactly once stops
the script: the engine changed and the list must follow it), and the robustness suite run
on the copy in Teller's modes. A mutation is *killed* when a test that passes on the
unchanged tree fails; else it *survived*: the suite does not guard that line.

    .venv/bin/python tests/robustness/mutants.py            # every mutation
    .venv/bin/python tests/robustness/mutants.py F1 A4      # some of them

Not collected by pytest (no ``test_`` prefix). Runs the suite once unchanged, then once per
mutation with ``-x`` (the first new failure is enough), so a kill costs seconds and a
survivor a whole run. A kill is confirmed by running the failing test alone again, on the
mutant and on the unchanged tree: a test that fails by chance does not count.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
SUITE = ["tests/robustness", "-k", "not playwright"]  # a mutation of Teller leaves Playwright be
SKIP = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    what: str


MUTANTS = [
    # -- the finder (teller/finder.js): the right element or "unsupported" -------------
    Mutant(
        "F1",
        "teller/finder.js",
        "    if (e.labels && e.labels.length) return UNSUPPORTED; // <label for> names a button\n",
        "",
        "finder: a <label for> naming a button ignored",
    ),
    Mutant(
        "F2",
        "teller/finder.js",
        '"svg, math, summary, details, input[type=file], input[type=image], [contenteditable]"',
        '"math, summary, details, input[type=image], [contenteditable]"',
        "finder: SVG links and file inputs answered by its own role rules",
    ),
    Mutant(
        "F3",
        "teller/finder.js",
        '.replace(/[\\u200b\\u00ad]/g, "").trim().replace(/\\s+/g, " ")',
        '.replace(/[\\u200b\\u00ad]/g, "").trim()',
        "finder: white space (no-break spaces) not folded",
    ),
    Mutant(
        "F4",
        "teller/finder.js",
        "        if (hidden(e)) continue;\n",
        "",
        "finder: hidden buttons and links kept by role",
    ),
    Mutant(
        "F5",
        "teller/finder.js",
        "    if (nth === undefined) return found;",
        "    return found;",
        "finder: nth ignored",
    ),
    Mutant(
        "F6",
        "teller/finder.js",
        'return { status: "found", index, found: picked };',
        'return { status: "found", index, found: picked.slice(0, 1) };',
        "finder: the first of several taken (no strictness)",
    ),
    Mutant(
        "F7",
        "teller/finder.js",
        '  if (all.some((e) => e.shadowRoot)) return { status: "unsupported" };\n',
        "",
        "finder: shadow DOM not handed to Playwright",
    ),
    Mutant(
        "F8",
        "teller/finder.js",
        '  const ariaTricks = document.querySelector("[role], [aria-labelledby], [aria-hidden], [aria-owns]");',
        "  const ariaTricks = null;",
        "finder: ARIA roles, labels and aria-hidden not handed to Playwright",
    ),
    Mutant(
        "F9",
        "teller/finder.js",
        "exact ? normalize(name) === normalize(wanted)",
        "exact ? normalize(name).includes(normalize(wanted))",
        "finder: an exact name matched as a part",
    ),
    Mutant(
        "F10",
        "teller/finder.js",
        "        const next = cell.nextElementSibling;\n",
        "        const next = cell.nextElementSibling?.nextElementSibling;\n",
        "finder: beside takes a cell further along the row",
    ),
    Mutant(
        "F11",
        "teller/finder.js",
        "      at += width;\n",
        "      at += 1;\n",
        "finder: below counts columns without colspan",
    ),
    Mutant(
        "F12",
        "teller/finder.js",
        "    return found.filter(visible);\n",
        "    return found;\n",
        "finder: visible: true ignored",
    ),
    Mutant(
        "F13",
        "teller/finder.js",
        '    if (exact) return ["", ":", "：", " :", " ："].some((colon) => n === wanted + colon);\n',
        "    if (exact) return n === wanted;\n",
        "finder: an exact anchor with its colon not matched",
    ),
    Mutant(
        "L6",
        "teller/locators.py",
        "            locator = locator.filter(visible=True)\n",
        "            pass\n",
        "locators: visible: true not asked of Playwright",
    ),
    # -- the checks before acting (teller/act.js) --------------------------------------
    Mutant(
        "A1",
        "teller/act.js",
        '  if (found.length > 1) return { status: "ambiguous", count: found.length };\n',
        "",
        "checks: several matches not refused (strict mode)",
    ),
    Mutant(
        "A2",
        "teller/act.js",
        'if (checks.includes("visible") && !visible(element))',
        "if (false)",
        "checks: visible",
    ),
    Mutant(
        "A3",
        "teller/act.js",
        'if (checks.includes("enabled") && !enabled(element))',
        "if (false)",
        "checks: enabled",
    ),
    Mutant(
        "A4",
        "teller/act.js",
        'if (checks.includes("editable") && !editable(element))',
        "if (false)",
        "checks: editable",
    ),
    Mutant(
        "A5",
        "teller/act.js",
        '  if (checks.includes("stable")) {',
        "  if (false) {",
        "checks: stable",
    ),
    Mutant(
        "A6",
        "teller/act.js",
        'if (checks.includes("receives events") && !hits(element))',
        "if (false)",
        "checks: receives events (hit test)",
    ),
    Mutant(
        "A7",
        "teller/act.js",
        "    if (at === e || e.contains(at)) return true;",
        "    if (at === e) return true;",
        "checks: a hit on the element's own child counted as covered",
    ),
    Mutant(
        "A8",
        "teller/act.js",
        '    element.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });',
        "    {}",
        "checks: no scroll into view before the hit test",
    ),
    Mutant(
        "A9",
        "teller/act.js",
        "    return x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;\n",
        "    return box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;\n",
        "checks: an element with only an edge in view not scrolled before the hit test",
    ),
    # -- the page scripts after the checks (teller/_page_scripts.py) -------------------
    Mutant(
        "P1",
        "teller/_page_scripts.py",
        "if (!holds(field, value)) throw",
        "if (false) throw",
        "simulate: the value not read back (value kept)",
    ),
    Mutant(
        "P2",
        "teller/_page_scripts.py",
        "    return ({_HOLDS})(field, value);",
        "    return true;",
        "fill: the value not read back (value kept)",
    ),
    Mutant(
        "P3",
        "teller/_page_scripts.py",
        "        return box.width > 0 && box.height > 0;",
        "        return true;",
        "_visible: an empty box counted as visible",
    ),
    Mutant(
        "P4",
        "teller/_page_scripts.py",
        '? element.value : (element.textContent ?? "")',
        '? element.textContent : (element.textContent ?? "")',
        "_read: a field's text instead of its value",
    ),
    Mutant(
        "P8",
        "teller/_page_scripts.py",
        '(element.textContent ?? "").replace(',
        '(element.innerText ?? "").replace(',
        "_read: the text as CSS shows it (innerText: text-transform applied)",
    ),
    Mutant(
        "P5",
        "teller/_page_scripts.py",
        '    if (history) history.addEventListener("navigate", started);',
        "",
        "simulate click: a navigation it starts not noticed",
    ),
    Mutant(
        "P6",
        "teller/_page_scripts.py",
        'row.querySelectorAll("[role=cell], [role=gridcell], [role=columnheader], [role=rowheader]")',
        'row.querySelectorAll("[role=gridcell], [role=columnheader], [role=rowheader]")',
        "tables: ARIA cells not read",
    ),
    Mutant(
        "P7",
        "teller/_page_scripts.py",
        "    if (want.value !== undefined && e.value !== want.value) return false;\n",
        "",
        "_wait_for: the value not compared",
    ),
    # -- the Python side ---------------------------------------------------------------
    Mutant(
        "L1",
        "teller/locators.py",
        'CLICK_CHECKS = ("visible", "stable", "enabled", "receives events")',
        'CLICK_CHECKS = ("visible", "enabled", "receives events")',
        "locators: clicks without the stable check",
    ),
    Mutant(
        "L2",
        "teller/locators.py",
        'FILL_CHECKS = ("visible", "editable", "receives events")',
        'FILL_CHECKS = ("visible", "editable")',
        "locators: values set without the hit test (as Playwright's fill)",
    ),
    Mutant(
        "L3",
        "teller/_frames.py",
        "fnmatch.fnmatchcase(f.url, pattern)",
        "pattern in f.url",
        "frames: a URL pattern taken as plain text",
    ),
    Mutant(
        "L4",
        "teller/_frames.py",
        "        if len(handles) != 1:",
        "        if not handles:",
        "frames: the first of several iframes taken",
    ),
    Mutant(
        "G1",
        "teller/_inputs.py",
        "trusted = not isinstance(element, tuple) or self._locators.trusted(*element)",
        "trusted = not isinstance(element, tuple)",
        "pages: trusted keys and screens clicked by script",
    ),
    Mutant(
        "G2",
        "teller/_inputs.py",
        "        await element.hover(timeout=self._timeout_ms)",
        "        await element.evaluate('e => e.dispatchEvent(new MouseEvent(\"mouseover\"))')",
        "pages: hover by a script's mouseover instead of the mouse",
    ),
    Mutant(
        "P9",
        "teller/_page_scripts.py",
        " || fold(option.label) === fold(want.label)",
        "",
        "_select: an option's label compared without folding its white space",
    ),
    Mutant(
        "P10",
        "teller/_page_scripts.py",
        '    if (option.disabled || option.parentElement?.closest("optgroup[disabled]"))\n',
        "    if (false)\n",
        "_select: a disabled option chosen",
    ),
    Mutant(
        "G4",
        "teller/_inputs.py",
        '        self._page.on("download", on_download)\n',
        "",
        "pages: a simulated click that starts a download waits for a page that never comes",
    ),
    Mutant(
        "G5",
        "teller/_inputs.py",
        '        if state["checked"] == on:\n            return\n',
        "",
        "_check: a box as asked already is clicked at (and waited for while hidden)",
    ),
    Mutant(
        "G3",
        "teller/_inputs.py",
        "        if frame is None:  # its frame is not there yet: wait for it (and the element) first\n",
        "        if False:\n",
        "pages: a simulated click in a late frame misses the navigation it starts",
    ),
    Mutant(
        "L5",
        "teller/_frames.py",
        "        frames = page.frames if top else frame.child_frames\n",
        "        frames = page.frames\n",
        "frames: an inner frame's name looked for anywhere, not inside the outer frame",
    ),
]


def copy_tree(into: Path) -> Path:
    """The worktree as it is (uncommitted changes too), without the venv, git and caches."""
    tree = into / "tree"
    shutil.copytree(ROOT, tree, ignore=lambda _dir, names: [n for n in names if n in SKIP])
    return tree


def apply(tree: Path, mutant: Mutant) -> None:
    path = tree / mutant.path
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(
            f"{mutant.name}: {mutant.path} holds the string to replace {count} times, not once:"
            f"\n{mutant.old!r}"
        )
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def run_suite(tree: Path, extra: list[str]) -> tuple[int, list[str], str, float]:
    """Run the suite on ``tree``: pytest's exit code, the tests that failed, the first
    error line, seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    check = subprocess.run(
        [str(PYTHON), "-c", "import teller; print(teller.__file__)"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if not check.stdout.strip().startswith(str(tree)):
        raise SystemExit(f"the copy imports another teller: {check.stdout.strip()}")
    started = time.monotonic()
    tests = extra if extra and not extra[0].startswith("-") else [*SUITE, *extra]
    done = subprocess.run(
        [str(PYTHON), "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider", "-rf"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    failed = re.findall(r"^FAILED (\S+)", done.stdout, flags=re.MULTILINE)
    errors = re.findall(r"^E +(.+)$", done.stdout, flags=re.MULTILINE)
    return done.returncode, failed, errors[0] if errors else "", time.monotonic() - started


def verdict(base: Path, tree: Path, deselect: list[str]) -> tuple[str, str, str, float]:
    """Killed (by which test, with what error), SURVIVED, or unclear: a kill counts only if
    the test fails again alone on the mutant and passes alone on the unchanged tree, so a
    test that failed by chance (a loaded machine) is not taken for a kill."""
    seconds = 0.0
    flaky: list[str] = []
    for _ in range(3):
        skip = [arg for test in flaky for arg in ("--deselect", test)]
        code, failed, error, took = run_suite(tree, ["-x", *deselect, *skip])
        seconds += took
        if code == 0:
            return "SURVIVED", "", "", seconds
        if code != 1 or not failed:
            return f"error (pytest exit {code})", "", error, seconds
        test = failed[0]
        again, _, _, took = run_suite(tree, [test])
        seconds += took
        unchanged, _, _, took = run_suite(base, [test])
        seconds += took
        if again == 1 and unchanged == 0:
            return "killed", test, error, seconds
        flaky.append(test)
    return f"unclear (failed by chance: {', '.join(flaky)})", "", "", seconds


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or m.name in names]
    with tempfile.TemporaryDirectory(prefix="teller-mutants-") as folder:
        base = copy_tree(Path(folder) / "base")
        code, baseline, _, seconds = run_suite(base, [])
        if code not in (0, 1):
            raise SystemExit(f"the unchanged suite did not run (pytest exit {code})")
        print(f"unchanged tree: {len(baseline)} tests fail already ({seconds:.0f} s):")
        for test in baseline:
            print(f"  {test}")
        deselect = [arg for test in baseline for arg in ("--deselect", test)]
        rows = []
        for mutant in chosen:
            tree = copy_tree(Path(folder) / mutant.name)
            apply(tree, mutant)
            said, test, error, seconds = verdict(base, tree, deselect)
            rows.append((mutant, said))
            by = test.split("::", 1)[-1]
            print(f"{mutant.name:3} {said:8} {seconds:4.0f} s  {mutant.what}", flush=True)
            if by:
                print(f"      by {by}: {error[:110]}", flush=True)
            shutil.rmtree(tree.parent)
    survived = [m.name for m, said in rows if said != "killed"]
    print(f"\n{len(rows) - len(survived)} of {len(rows)} mutations killed", end="")
    print(f"; not killed: {', '.join(survived)}" if survived else "")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
