"""`teller init`: what it writes, and what it refuses (no browser; the project's install and
a paid batch through it: tests/guide/test_readme_map.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from teller import ConfigError
from teller.project import init_project
from teller.settings import load_settings

LAYOUT = {"bots", "flows", "selectors", "schedules", "reports", "policies", "tests", "examples"}


def test_it_writes_a_project_of_its_own_name_with_every_placeholder_filled(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "acme"
    written = init_project(folder, name="acme-payroll", console="hkcore", teller="/opt/teller")
    assert {p.name for p in folder.iterdir() if p.is_dir()} == LAYOUT
    assert all(p.is_file() for p in written)
    for path in written:
        if path.suffix != ".xlsx":
            assert "{{" not in path.read_text(encoding="utf-8"), path
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "acme-payroll"
    assert project["project"]["dependencies"] == ["teller"]
    points = project["project"]["entry-points"]
    assert points["teller.flows"] == {"payroll": "flows.payroll:PayrollFlow"}
    assert points["teller.bots"] == {"hkcore": "teller.consolemap:MapBot"}
    assert (folder / "selectors" / "hkcore.yaml").is_file()
    assert "TELLER ?= /opt/teller" in (folder / "Makefile").read_text(encoding="utf-8")
    # production mode as written: no secret in the file, the console configured for payroll
    settings = load_settings(folder)
    assert settings.production and settings.flows["payroll"].console == "hkcore"


def test_it_refuses_a_folder_that_holds_anything(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty"):
        init_project(tmp_path, name="acme-payroll", console="mybank")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("name", "console", "where"),
    [("Acme Payroll", "mybank", "--name"), ("acme", "my-bank", "--console"), ("a", "x", "--name")],
)
def test_it_refuses_a_name_a_package_or_a_file_cannot_carry(
    tmp_path: Path, name: str, console: str, where: str
) -> None:
    with pytest.raises(ConfigError, match=where):
        init_project(tmp_path / "new", name=name, console=console)
    assert not (tmp_path / "new").exists()
