"""Integrity manifests: the SHA-256 of a report and of what it was made from, checked later.

A manifest sits beside its report as ``<report>.sha256`` in the format of ``sha256sum``
(one ``<hex>  <path>`` line per file), so ``sha256sum -c`` reads it as well as
``teller report verify``. It lists the sources first (the input file, the statements
downloaded from the console) and the report last; paths inside the report's folder are
written relative to it, others in full.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from teller._errors import ConfigError

__all__ = ["FileCheck", "check_manifest", "file_sha256", "manifest_path", "write_manifest"]


@dataclass(frozen=True)
class FileCheck:
    """One file of a manifest: what it should hash to, what it does now."""

    path: Path
    expected: str
    found: str | None  # None: the file is gone

    @property
    def ok(self) -> bool:
        return self.found == self.expected

    def __str__(self) -> str:
        if self.found is None:
            return f"{self.path}: MISSING"
        return f"{self.path}: {'OK' if self.ok else 'CHANGED (SHA-256 differs)'}"


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(report: Path) -> Path:
    """The manifest of a report: ``<report>.sha256`` (a manifest is its own manifest path)."""
    return report if report.name.endswith(".sha256") else report.with_name(report.name + ".sha256")


def write_manifest(report: Path, *, sources: Sequence[Path] = ()) -> Path:
    """Write the manifest of ``report`` and ``sources`` atomically; return its path."""
    target = manifest_path(report)
    lines = [f"{file_sha256(p)}  {_shown(p, target.parent)}\n" for p in (*sources, report)]
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, target)
    return target


def check_manifest(report_or_manifest: Path) -> list[FileCheck]:
    """Hash every file the manifest lists again; ConfigError if there is no readable manifest."""
    path = manifest_path(report_or_manifest)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"no manifest to check against ({exc.strerror})") from None
    checks = []
    for number, line in enumerate(text.splitlines(), start=1):
        expected, sep, name = line.partition("  ")
        if not sep or len(expected) != 64:
            raise ConfigError(str(path), "not a sha256sum line", line=number)
        listed = Path(name)
        file = listed if listed.is_absolute() else path.parent / listed
        found = file_sha256(file) if file.is_file() else None
        checks.append(FileCheck(file, expected, found))
    return checks


def _shown(path: Path, folder: Path) -> str:
    path = path.resolve()
    try:
        return str(path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)
