"""Masking of account numbers, ID numbers and secrets before text reaches a log, trace or error."""

from __future__ import annotations

import re

__all__ = ["mask_account", "mask_text"]

# 12+ digits in a row (spaces or dashes allowed inside) is an account, card or ID number here;
# not when glued to a word, a dash or a colon: that is a reference like PAY-20261128-0004:E1.
_LONG_NUMBER = re.compile(r"(?<![\w:-])(?:\d[ -]?){11,}\d[\dXx]?(?![\w])")


def mask_account(number: str | None) -> str:
    """Return an account or ID number reduced to its last four characters, e.g. ``****1234``."""
    if not number:
        return ""
    digits = re.sub(r"[\s-]", "", str(number))
    if len(digits) <= 4:
        return "****"
    return "****" + digits[-4:]


def mask_text(text: str, *, secrets: tuple[str, ...] = ()) -> str:
    """Mask every long number and every given secret in free text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "******")
    return _LONG_NUMBER.sub(lambda m: mask_account(m.group(0)), text)
