"""The bank's watchlist: names screened fuzzily, account numbers exactly.

The file is a CSV the bank maintains, with the columns ``name,account,note``; either of
``name`` and ``account`` may be empty, not both. Chinese names and pinyin are both
written there as the bank knows them: matching does not transliterate between scripts,
so an entry meant to catch both lists both spellings.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

from teller._errors import ConfigError

__all__ = ["Screening", "WatchlistEntry", "normalise_account", "normalise_name"]

_COLUMNS = ("name", "account", "note")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_ACCOUNT_SEPARATORS = re.compile(r"[\s-]")


def normalise_name(name: str) -> str:
    """A name folded for comparison: width, accents, case, punctuation and word order."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain)
    # '张 伟' is '张伟'; 'Wei ZHANG' is 'ZHANG Wei' (pinyin is written in either order)
    return " ".join(sorted(_CJK_GAP.sub("", words).split()))


def normalise_account(account: str) -> str:
    """An account number without the spaces and dashes people write into it."""
    return account if account.isalnum() else _ACCOUNT_SEPARATORS.sub("", account)


class WatchlistEntry(BaseModel):
    """One row of the watchlist."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    name: str = ""
    account: str = ""
    note: str = ""

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        value = normalise_account(value)
        if value and not value.isalnum():
            raise ValueError(f"account must be letters and digits, found {value!r}")
        return value

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
        named = [e for e in self.entries if e.name]
        self._named = named
        self._keys = [normalise_name(e.name) for e in named]
        # payroll pays the same people every month: each name is scored once per run
        self._by_name: dict[str, tuple[WatchlistEntry, float] | None] = {}
        self._by_key: dict[str, tuple[WatchlistEntry, float] | None] = {}

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
            key = normalise_name(name)
            if key not in self._by_key:
                self._by_key[key] = self._best(key)
            self._by_name[name] = self._by_key[key]
        return self._by_name[name]

    def _best(self, key: str) -> tuple[WatchlistEntry, float] | None:
        if not key or not self._keys:
            return None
        # keys have their words sorted already, so plain ratio is rapidfuzz's token_sort_ratio
        found = process.extractOne(
            key, self._keys, scorer=fuzz.ratio, processor=None, score_cutoff=self.threshold
        )
        if found is None:
            return None
        _, score, index = found
        return self._named[index], float(score)


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
