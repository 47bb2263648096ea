"""``teller init``: a bank's own project beside Teller.

It holds the bank's bots, flows, console maps, schedules, reports and policies, is its own
distribution (registering its flows and consoles through its own entry points) and
depends on Teller's engine, never on Teller's sandbox. Its Makefile has the same two
commands as Teller's: ``make demo`` and ``make test``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from teller._errors import ConfigError
from teller.payroll.template import PayLine, write_payroll

__all__ = ["init_project", "teller_source"]

_NAME = re.compile(r"[a-z][a-z0-9-]{1,38}[a-z0-9]")
_CONSOLE = re.compile(r"[a-z][a-z0-9_]{1,30}")

# the example batch of `make demo`: one line above the auto-approval limit waits for a person
_EXAMPLE = (
    PayLine("E00001", "张伟", "6222020000000000011", Decimal("8650.00"), "Salary"),
    PayLine("E00002", "李娜", "6222020000000000029", Decimal("12480.50"), "Salary"),
    PayLine("E00003", "王芳", "6217000000000000037", Decimal("56000.00"), "Salary and bonus"),
)


def teller_source() -> str:
    """Where the new project installs Teller from: this checkout, if Teller runs from one;
    else ``teller`` (from the bank's own package index)."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and 'name = "teller"' in pyproject.read_text(encoding="utf-8"):
        return str(root)
    return "teller"


def init_project(
    folder: Path, *, name: str, console: str, teller: str | None = None, today: date | None = None
) -> list[Path]:
    """Write a new project into ``folder`` (new or empty); the files written."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            "--name", f"{name!r}: lower-case letters, digits and dashes (e.g. acme-payroll)"
        )
    if not _CONSOLE.fullmatch(console):
        raise ConfigError(
            "--console", f"{console!r}: lower-case letters, digits and '_' (e.g. mybank)"
        )
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(str(folder), "not empty: teller init writes into a new folder")
    words = {
        "dist": name,
        "console": console,
        "CONSOLE": console.upper(),
        "console_module": console,
        "teller": teller if teller is not None else teller_source(),
    }
    written = _copy(files("teller.project") / "template", folder, words, console)
    pay_day = today or date.today()
    (folder / "examples").mkdir(exist_ok=True)
    written.append(
        write_payroll(
            folder / "examples" / "payroll.xlsx",
            batch_id=f"EXAMPLE-{pay_day:%Y%m%d}",
            pay_date=pay_day,
            debit_account="6222020000000000003",
            lines=_EXAMPLE,
        )
    )
    return written


def _copy(source: Traversable, target: Path, words: dict[str, str], console: str) -> list[Path]:
    written: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        name = entry.name.removesuffix(".in").replace("console.yaml", f"{console}.yaml")
        if entry.is_dir():
            if entry.name != "__pycache__":
                written += _copy(entry, target / name, words, console)
            continue
        text = entry.read_text(encoding="utf-8")
        for word, value in words.items():
            text = text.replace("{{" + word + "}}", value)
        (target / name).write_text(text, encoding="utf-8")
        written.append(target / name)
    return written
