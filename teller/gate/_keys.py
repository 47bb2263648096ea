"""The keys the gate compares by: an account, a party, and what a party's id looks like.

A workbook can write one account or one employee in many ways that look alike: spaces,
dashes, invisible characters, fullwidth digits, ``e00042`` for ``E00042``, ``E0OO42``
for ``E00042``. Every rule compares these keys, never the text as written, so none of
those spellings makes a line look new.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from teller._text import fold_lookalikes, strip_invisible

__all__ = ["account_key", "party_key", "party_lookalike"]

_NOT_ALNUM = re.compile(r"[\W_]+")
# in an id, letters that pass for digits: O for 0, I and l for 1, S for 5, Z for 2, B for 8
_DIGIT_LOOKS = str.maketrans({"o": "0", "i": "1", "l": "1", "s": "5", "z": "2", "b": "8"})
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _plain(text: str) -> str:
    # compatibility forms (fullwidth, ligatures) first: they fold into plain letters and digits
    return strip_invisible(unicodedata.normalize("NFKC", text))


def account_key(account: str) -> str:
    """An account number without spacing, dashes, invisible characters or fullwidth digits."""
    if account.isascii() and account.isalnum():
        return account  # the common case, and the hot path of a large history
    return _NOT_ALNUM.sub("", _plain(account)).upper()


@lru_cache(maxsize=65536)  # payroll pays the same people every month
def party_key(party: str) -> str:
    """A party's id as one spelling: compatibility forms, case, spacing and invisibles folded."""
    return "".join(_plain(party).casefold().split())


@lru_cache(maxsize=65536)
def party_lookalike(party: str) -> str:
    """What a party's id looks like: look-alike letters and digits folded, separators and
    leading zeros dropped (``E-0OO42`` and ``e00042`` both look like ``E00042``)."""
    looks = fold_lookalikes(_plain(party)).casefold()
    looks = _NOT_ALNUM.sub("", looks).translate(_DIGIT_LOOKS)
    return _LEADING_ZEROS.sub("", looks)
