"""Text as money must read it: invisible characters, non-ASCII digits, scripts, look-alikes.

Shared by the input readers (which refuse such text, saying where) and the gate (which
folds it before comparing). Categories come from ``unicodedata``; the script of a letter
and its Latin look-alikes from Unicode's own Scripts and confusables tables, as packaged
by ``confusable_homoglyphs``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import categories, confusables

__all__ = [
    "Odd",
    "fold_lookalikes",
    "foreign_digit",
    "invisible",
    "is_invisible",
    "mixed_scripts",
    "script_of",
    "strip_invisible",
]

# Control, format (zero-width, bidi), private-use, surrogate, unassigned; line separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# Unicode's Default_Ignorable_Code_Point outside those categories: combining grapheme
# joiner, Hangul fillers, Khmer inherent vowels, Mongolian selectors, variation selectors.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),  # braille blank: renders as nothing
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)
_IGNORABLE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _IGNORABLE_RANGES) + "]")
# Scripts written together in one name: Japanese mixes kanji and kana; Bopomofo annotates Han.
_JOINED = {"HIRAGANA": "HAN", "KATAKANA": "HAN", "BOPOMOFO": "HAN"}
_NO_SCRIPT = {"COMMON", "INHERITED", "UNKNOWN"}
# scripts whose letters are never folded into Latin look-alikes (口 is not an o)
_UNFOLDED = {"LATIN", "HAN", "HANGUL", *_NO_SCRIPT}


@dataclass(frozen=True)
class Odd:
    """A character that should not be where it is: its 1-based position and what it is."""

    position: int
    char: str

    def __str__(self) -> str:
        name = unicodedata.name(self.char, "unnamed")
        return f"U+{ord(self.char):04X} {name} at position {self.position}"


def is_invisible(char: str, *, spaces: str = " ") -> bool:
    """Whether a character shows nothing (or an unusual blank): not for names, ids or accounts.

    Every space but those in ``spaces`` counts: a no-break or thin space looks like a
    space and is not one.
    """
    category = unicodedata.category(char)
    if category in _INVISIBLE_CATEGORIES or (category == "Zs" and char not in spaces):
        return True
    return _IGNORABLE.match(char) is not None


def invisible(text: str, *, spaces: str = " ") -> Odd | None:
    """The first invisible character of ``text``, if any."""
    # str.isprintable is False for exactly the categories above and every space but ' '
    if text.isprintable() and not _IGNORABLE.search(text):
        return None
    for position, char in enumerate(text, start=1):
        if is_invisible(char, spaces=spaces):
            return Odd(position, char)
    return None


def strip_invisible(text: str) -> str:
    """``text`` without its invisible characters (every kind of space kept as a space)."""
    if text.isprintable() and not _IGNORABLE.search(text):
        return text
    return "".join(" " if unicodedata.category(c) == "Zs" else c for c in text if not _hidden(c))


def _hidden(char: str) -> bool:
    return unicodedata.category(char) != "Zs" and is_invisible(char)


def foreign_digit(text: str) -> Odd | None:
    """The first digit of ``text`` that is not one of ASCII 0-9 (fullwidth, Arabic-Indic, ²)."""
    for position, char in enumerate(text, start=1):
        if not char.isascii() and unicodedata.category(char) in ("Nd", "No"):
            return Odd(position, char)
    return None


def script_of(char: str) -> str:
    """The script of a character (LATIN, CYRILLIC, HAN, ...); COMMON for digits and marks."""
    found = categories.alias(char)
    return _JOINED.get(found, found)


def mixed_scripts(text: str) -> list[tuple[str, Odd]]:
    """Each script the letters of ``text`` are written in, with its first letter; one is fine."""
    if text.isascii():
        return []  # ASCII letters are all Latin
    seen: dict[str, Odd] = {}
    for position, char in enumerate(unicodedata.normalize("NFKC", text), start=1):
        if not unicodedata.category(char).startswith("L"):
            continue
        script = script_of(char)
        if script not in _NO_SCRIPT:
            seen.setdefault(script, Odd(position, char))
    return list(seen.items()) if len(seen) > 1 else []


def fold_lookalikes(text: str) -> str:
    """``text`` with letters of other scripts that pass for Latin ones replaced by them."""
    return "".join(_latin(c) for c in text)


@lru_cache(maxsize=4096)
def _latin(char: str) -> str:
    if char.isascii() or script_of(char) in _UNFOLDED:
        return char
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    for entry in found or ():
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalnum():
                return str(glyph["c"])
    return char
