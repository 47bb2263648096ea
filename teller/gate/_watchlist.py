"""The bank's watchlist: names screened fuzzily on a normalised form, account numbers exactly.

The file is a CSV the bank maintains, with the columns ``name,account,note``; either of
``name`` and ``account`` may be empty, not both. A name is compared after folding what
a workbook can vary without changing what a reader sees or means: Unicode
compatibility forms (fullwidth letters), invisible characters, letters of other scripts
that pass for Latin ones (Cyrillic ``а``), accents, case, punctuation, spacing, word
order, and traditional Chinese characters (folded into simplified). Then rapidfuzz
scores it against every entry. Chinese characters and pinyin are not transliterated
into each other: an entry meant to catch both lists both spellings. Account numbers
match exactly once spaces, dashes, invisible characters and fullwidth digits are gone.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import permutations
from pathlib import Path
from typing import TextIO

from opencc import OpenCC
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

from teller._errors import ConfigError
from teller._text import fold_lookalikes, strip_invisible
from teller.gate._keys import account_key

__all__ = ["Screening", "WatchlistEntry", "name_keys", "normalise_account", "normalise_name"]

_COLUMNS = ("name", "account", "note")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_MOST_WORDS = 3
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ACCOUNT_SEPARATORS = re.compile(r"[\s-]")


def normalise_name(name: str) -> str:
    """A name folded for comparison: scripts, width, accents, case, punctuation, word order."""
    return " ".join(sorted(_words(name)))


def name_keys(name: str) -> list[str]:
    """Every form a name is compared in: its words in sorted order, and run together.

    Run together, ``Z H A N G Wei`` and ``ZhangWei`` are ``zhangwei``; every order of a
    name's words (up to three) is kept, since pinyin is written in either order.
    """
    words = _words(name)
    if not words:
        return []
    keys = [" ".join(sorted(words)), "".join(words)]
    if len(words) <= _MOST_WORDS:
        keys += ["".join(order) for order in permutations(words)]
    return list(dict.fromkeys(keys))


def _words(name: str) -> list[str]:
    plain = strip_invisible(unicodedata.normalize("NFKC", name))
    plain = fold_lookalikes(_simplified(plain))
    decomposed = unicodedata.normalize("NFKD", plain)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in letters)
    # '张 伟' is '张伟': Chinese is written without spaces between the characters of a name
    return _CJK_GAP.sub("", words).split()


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    return OpenCC("t2s")  # OpenCC's traditional-to-simplified tables, character and phrase


def _simplified(text: str) -> str:
    # only text with Chinese characters in it pays for the conversion
    return _converter().convert(text) if _HAN.search(text) else text


def normalise_account(account: str) -> str:
    """An account number without spaces, dashes, invisible characters or fullwidth digits."""
    return account_key(account)


class WatchlistEntry(BaseModel):
    """One row of the watchlist."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    name: str = ""
    account: str = ""
    note: str = ""

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        value = _ACCOUNT_SEPARATORS.sub("", strip_invisible(unicodedata.normalize("NFKC", value)))
        if value and not value.isalnum():
            raise ValueError(f"account must be letters and digits, found {value!r}")
        return account_key(value)

    @model_validator(mode="after")
    def _something(self) -> WatchlistEntry:
        if not self.name and not self.account:
            raise ValueError("a row needs a name or an account")
        return self


class Screening:
    """Look-ups against a loaded watchlist; a name's best match is computed once per run."""

    def __init__(self, entries: Sequence[WatchlistEntry], *, threshold: float) -> None:
        self.entries = list(entries)
        self.threshold = threshold
        self._by_account = {e.account: e for e in self.entries if e.account}
        # every form of every listed name, each pointing back at its entry
        self._keys: list[str] = []
        self._owners: list[WatchlistEntry] = []
        for entry in self.entries:
            for key in name_keys(entry.name) if entry.name else ():
                self._keys.append(key)
                self._owners.append(entry)
        # payroll pays the same people every month: each name is scored once per run
        self._by_name: dict[str, tuple[WatchlistEntry, float] | None] = {}

    @classmethod
    def load(cls, path: Path, *, threshold: float) -> Screening:
        """Read the CSV file; a bad row is refused naming the file and its line."""
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                return cls(_read(path, stream), threshold=threshold)
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read the watchlist: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(str(path), "the watchlist is not UTF-8 text") from None

    def account_entry(self, account: str) -> WatchlistEntry | None:
        """The entry listing exactly this account number, if any."""
        return self._by_account.get(normalise_account(account))

    def name_match(self, name: str) -> tuple[WatchlistEntry, float] | None:
        """The best-matching entry scoring at least the threshold, with its score (0-100)."""
        if name not in self._by_name:
            self._by_name[name] = self._best(name_keys(name))
        return self._by_name[name]

    def _best(self, keys: list[str]) -> tuple[WatchlistEntry, float] | None:
        best: tuple[WatchlistEntry, float] | None = None
        for key in keys if self._keys else ():
            # sorted words against sorted words is rapidfuzz's token_sort_ratio
            found = process.extractOne(
                key, self._keys, scorer=fuzz.ratio, processor=None, score_cutoff=self.threshold
            )
            if found is not None and (best is None or found[1] > best[1]):
                best = self._owners[found[2]], float(found[1])
        return best


def _read(path: Path, stream: TextIO) -> list[WatchlistEntry]:
    reader = csv.DictReader(stream)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in _COLUMNS]
    if unknown or not {"name", "account"} <= set(header):
        raise ConfigError(
            str(path), f"expected the columns name,account,note; found {','.join(header)}", line=1
        )
    reader.fieldnames = header
    entries = []
    for row in reader:
        if None in row:  # DictReader files surplus cells under None
            raise ConfigError(str(path), "more cells than columns", line=reader.line_num)
        if not any((value or "").strip() for value in row.values()):
            continue  # a line of empty cells
        try:
            entries.append(WatchlistEntry.model_validate({k: v or "" for k, v in row.items()}))
        except ValidationError as exc:
            detail = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigError(str(path), detail, line=reader.line_num) from None
    return entries
