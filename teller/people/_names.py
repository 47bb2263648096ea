"""User names: one spelling per person, and no name that could pass for another's.

A name is normalised (Unicode NFKC, case-folded, outer spaces dropped), so ``ALICE``,
``Alice`` and fullwidth ``ａｌｉｃｅ`` are one account. It is refused when it holds an
invisible or combining character, a space, punctuation other than ``.``, ``_`` and ``-``,
digits other than ASCII, or letters of more than one script (``аlice`` with a Cyrillic
``а``). Its *skeleton* folds the letters of other scripts that look Latin, ``0``/``1``
into ``o``/``l`` and drops separators; the store keeps skeletons unique, so an admin
cannot create ``a1ice`` or ``al.ice`` beside ``alice``.
"""

from __future__ import annotations

import unicodedata

from teller._errors import UsernameRefused

__all__ = ["canonical", "same_person", "skeleton"]

SEPARATORS = "._-"
# letters of Cyrillic and Greek that pass for Latin ones, and digits that pass for letters
LOOK_ALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
        "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ь": "b",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
        "0": "o", "1": "l", "i": "l", "3": "e", "5": "s",
    }
)  # fmt: skip
JOINED_SCRIPTS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "HANGUL"}


def canonical(name: str) -> str:
    """The one spelling of a user name, or ``UsernameRefused`` saying which character and why."""
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    folded = unicodedata.normalize("NFKC", folded)  # case-folding can undo NFKC
    if not 2 <= len(folded) <= 64:
        raise UsernameRefused(name, "a user name has 2 to 64 characters")
    scripts: dict[str, str] = {}
    for position, char in enumerate(folded, start=1):
        where = f"U+{ord(char):04X} at position {position}"
        category = unicodedata.category(char)
        if category[0] in "CMZ":
            raise UsernameRefused(name, f"invisible, combining or space character {where}")
        if category == "Nd":
            if not char.isascii():
                raise UsernameRefused(name, f"a digit other than 0-9: {where}")
            continue
        if char in SEPARATORS:
            continue
        if category[0] != "L":
            raise UsernameRefused(name, f"only letters, digits and . _ - may be used: {where}")
        scripts.setdefault(_script(char), where)
    if len(scripts) > 1:
        found = ", ".join(f"{s.title()} ({w})" for s, w in scripts.items())
        raise UsernameRefused(name, f"letters of more than one script: {found}")
    if folded[0] in SEPARATORS or folded[-1] in SEPARATORS:
        raise UsernameRefused(name, "a user name starts and ends with a letter or digit")
    return folded


def skeleton(name: str) -> str:
    """What a canonical name looks like: look-alike letters folded, separators dropped."""
    looks = name.translate(LOOK_ALIKES)
    looks = looks.replace("rn", "m").replace("vv", "w")
    return "".join(c for c in looks if c not in SEPARATORS)


def _script(char: str) -> str:
    """The script of a letter, from its Unicode name (LATIN, CYRILLIC, GREEK, CJK, ...)."""
    first = unicodedata.name(char, "UNKNOWN").split()[0]
    return JOINED_SCRIPTS.get(first, first)


def same_person(a: str, b: str) -> bool:
    """Whether two recorded user names are one account (names are stored canonical;
    an older record's free text is compared case-folded and trimmed)."""
    return _key(a) == _key(b)


def _key(name: str) -> str:
    try:
        return canonical(name)
    except UsernameRefused:  # an older store's free text: compare as it was compared then
        return name.strip().casefold()
