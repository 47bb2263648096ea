"""Search every file a run wrote for what must never be written whole.

What is looked for: secrets (passwords), and the full account and ID numbers of the run's
input. Where: every file under a folder, every member of every zip there (traces, reports:
an .xlsx is a zip), and every zip inside those. In which forms: as written, URL-encoded (a
form body in a trace), fullwidth (UTF-8 and GBK), and an ID's final X in either case.

The store's database is not searched: it holds the items' payloads by design, behind its own
access control; every file a run writes beside it is.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

__all__ = ["blobs", "forms", "holders"]

# the store (SQLite and its journal files): payloads hold full accounts by design
STORE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite")

_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def forms(needle: str) -> set[bytes]:
    """Every form in which ``needle`` could sit in a file."""
    texts = {needle, needle.upper(), needle.lower()}
    found: set[bytes] = set()
    for text in texts:
        for shown in (text, text.translate(_FULLWIDTH)):
            found |= {shown.encode("utf-8"), quote_plus(shown).encode(), quote(shown).encode()}
            try:
                found.add(shown.encode("gbk"))
            except UnicodeEncodeError:
                pass
    return found


def blobs(folder: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every file under ``folder`` and every zip member inside, recursively."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.endswith(STORE_SUFFIXES):
            continue
        yield from _with_members(str(path.relative_to(folder)), path.read_bytes())


def _with_members(name: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    yield name, data
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from _with_members(f"{name}!{member}", archive.read(member))


def holders(folder: Path, needles: Iterable[str]) -> list[str]:
    """Every file or member under ``folder`` whose content or name holds a needle whole."""
    wanted = [(needle, forms(needle)) for needle in needles if needle]
    found = []
    for name, data in blobs(folder):
        for needle, shapes in wanted:
            if any(shape in data for shape in shapes):
                found.append(f"{name}: …{needle[-4:]}")
            if any(shape in name.encode() for shape in shapes):  # file names count too
                found.append(f"the name {name!r}")
    return found
