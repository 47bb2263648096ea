"""Create workbooks and save them atomically, with an optional SHA-256 manifest beside them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook

from teller.excel._styles import register_styles
from teller.integrity import ChainHead, file_sha256, write_manifest

__all__ = ["LARGE_TABLE_ROWS", "file_sha256", "new_workbook", "save"]

# Above this many rows a table is better streamed: a normal openpyxl sheet holds every cell
# object in memory (roughly 1 KB a cell), a write-only one holds a single row.
LARGE_TABLE_ROWS = 50_000


def new_workbook(*, write_only: bool = False) -> Workbook:
    """Return an empty workbook carrying Teller's named styles.

    A write-only workbook streams rows to disk: use it for large tables. Its sheets must be
    written in order, each only once, and it can be saved only once.
    """
    wb = Workbook(write_only=write_only)
    if not write_only:
        # The default "Sheet" would otherwise sit first in every report.
        wb.remove(wb.active)
    wb.properties.creator = "Teller"
    register_styles(wb)
    return wb


def save(
    wb: Workbook,
    path: Path,
    *,
    manifest: bool = False,
    sources: Sequence[Path] = (),
    head: ChainHead | None = None,
    key: bytes | None = None,
) -> Path:
    """Write ``wb`` to ``path`` atomically and return the path.

    The workbook goes to a temporary file in the same folder and replaces ``path`` only once
    complete, so a reader never sees half a report. With ``manifest`` a ``<name>.sha256`` file
    in ``sha256sum`` format is written next to it, listing the SHA-256 of ``sources`` (what
    the report was made from) and of the report, for an auditor to check later; with
    ``head`` (the audit chain's head the report saw) and ``key`` (the audit key) it names
    the head and is signed (``teller.integrity``).
    """
    path = Path(path)
    _replace_atomically(path, lambda tmp: wb.save(tmp))
    if manifest:
        write_manifest(path, sources=sources, head=head, key=key)
    return path


def _replace_atomically(path: Path, write: Callable[[str], object]) -> None:
    # Not mkstemp: its 0600 mode would follow the report and lock out other readers.
    tmp = str(path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp"))
    try:
        write(tmp)
        with open(tmp, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
