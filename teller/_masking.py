"""Masking of account numbers, ID numbers and secrets before text reaches a log, trace or error.

One rule for every place that masks: logs, saved HTML, trace text, evidence, error messages
and input problems. A long number is a run of digits, where

- a digit is ASCII ``0-9``, a fullwidth ``０-９``, or a fullwidth digit as UTF-8 or GBK bytes
  or as URL-encoded UTF-8 (``%EF%BC%91``): a page, a form body or a GBK export may hold any;
- digits may be split by one space, dash, ``+`` (a space in a form body) or ``%20``/``%2D``;
- an 18-character resident ID number ends in ``X`` or ``x`` (also fullwidth): it belongs to
  the number;
- it is not glued to an ASCII letter, digit or ``_`` (nor to a dash or colon before it: that
  is a reference like ``PAY-20261128-0004:E1``), but may follow a URL escape (``%3D``) or any
  other script (``账号6222...``).

Bytes (trace entries, in whatever encoding) are masked through their Latin-1 view, so one
pattern serves text and bytes and the kept last four digits stay in their own encoding.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote_plus

__all__ = ["mask_account", "mask_bytes", "mask_text"]

# One digit in any of the forms above. In a str the multi-byte forms are mojibake that real
# text does not hold; in a Latin-1 view of bytes they are the fullwidth digits.
_DIGIT = (
    r"(?:[0-9\uff10-\uff19]"
    r"|\xef\xbc[\x90-\x99]"  # fullwidth digit, UTF-8 bytes
    r"|\xa3[\xb0-\xb9]"  # fullwidth digit, GBK bytes
    r"|%[eE][fF]%[bB][cC]%9[0-9])"  # fullwidth digit, URL-encoded UTF-8
)
_X = (
    r"(?:[Xx\uff38\uff58]|\xef\xbc\xb8|\xef\xbd\x98|%[eE][fF]%[bB][cC]%[bB]8|%[eE][fF]%[bB][dD]%98)"
)
_SEPARATOR = r"(?:[ +\-]|%20|%2[dD])"
_BEFORE = (
    r"(?:(?<=%[0-9A-Fa-f]{2})"  # after a URL escape: q=%3D6222...
    r"|(?<=[\x81-\xfe][@-~])"  # after a GBK character whose second byte is a letter
    r"|(?<![0-9A-Za-z_:\-\uff10-\uff19]))"
)
_AFTER = r"(?![0-9A-Za-z_\uff10-\uff19])"
_UNIT = re.compile(f"{_DIGIT}|{_X}")

# Text and logs mask from 12 digits on (dates, times and amounts are shorter). A trace is full
# of 13-digit timestamps, so it masks from 15 digits on; the item's own shorter numbers are
# among the secrets it is given.
TEXT_MIN_DIGITS = 12
TRACE_MIN_DIGITS = 15


@lru_cache(maxsize=4)
def _long_number(min_digits: int) -> re.Pattern[str]:
    body = f"{_DIGIT}(?:{_SEPARATOR}?{_DIGIT}){{{min_digits - 1},}}(?:{_SEPARATOR}?{_X})?"
    # the lookahead first: most positions cannot start a digit, and fail before the lookbehinds
    return re.compile(f"(?=[0-9\uff10-\uff19%\xef\xa3]){_BEFORE}{body}{_AFTER}")


def _masked_match(match: re.Match[str]) -> str:
    units = _UNIT.findall(match.group(0))
    return "****" + "".join(units[-4:])


def mask_account(number: str | None) -> str:
    """Return an account or ID number reduced to its last four characters, e.g. ``****1234``."""
    if not number:
        return ""
    digits = re.sub(r"[\s-]", "", str(number))
    if len(digits) <= 4:
        return "****"
    return "****" + digits[-4:]


def _secret_mask(secret: str) -> str:
    # An account number given as a secret keeps its last four like any other; a short
    # all-digit secret (a PIN) is starred out whole: its last four would be most of it.
    return mask_account(secret) if secret.isdigit() and len(secret) >= 10 else "******"


def mask_text(
    text: str, *, secrets: tuple[str, ...] = (), min_digits: int = TEXT_MIN_DIGITS
) -> str:
    """Mask every long number and every given secret in free text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _secret_mask(secret))
    return _long_number(min_digits).sub(_masked_match, text)


def mask_bytes(
    data: bytes, *, secrets: tuple[str, ...] = (), min_digits: int = TRACE_MIN_DIGITS
) -> bytes:
    """Mask every secret (as UTF-8 and URL-encoded) and every long number in raw bytes."""
    for secret in filter(None, secrets):
        masked = _secret_mask(secret).encode()
        for form in {secret, quote_plus(secret)}:
            data = data.replace(form.encode("utf-8"), masked)
    view = data.decode("latin-1")  # one char per byte: every encoding's digits keep their bytes
    return _long_number(min_digits).sub(_masked_match, view).encode("latin-1")
