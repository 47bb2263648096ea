"""Where things are written in a TOML file, so a bad file is refused naming its line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["decode_error_line", "key_lines", "line_of"]

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
# a bare or quoted key, dotted or not: ``auto_limit``, ``watchlist.file``, ``"name"``
_PART = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_DECODE_LINE = re.compile(r"at line (\d+)")


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Where each key and table of a TOML text is written: dotted path -> line number."""
    where: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            table = _split(header.group(1))
            where.setdefault(table, number)
        elif key := _KEY.match(raw):
            where.setdefault(table + _split(key.group(1)), number)
    return where


def line_of(where: dict[tuple[str, ...], int], loc: Sequence[Any]) -> int | None:
    """The line of a field, or, when the field is missing, of the table it belongs in."""
    path = tuple(str(part) for part in loc)
    while path:
        if path in where:
            return where[path]
        path = path[:-1]
    return None


def decode_error_line(error: Exception) -> int | None:
    """The line tomllib names in a decode error, if it names one."""
    found = _DECODE_LINE.search(str(error))
    return int(found.group(1)) if found else None


def _split(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))
