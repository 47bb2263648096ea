"""The transfer form's field rules, checked before the ledger is touched.

They are coreplus's own, not corebank's: a customer reference of 1-32 characters of
``A-Z 0-9 - _ :``; a purpose of at most 30 bytes once encoded in GBK; a payee account of
16-19 digits with no check digit; an amount above zero with at most two decimals, up to
1,000,000.00, typed twice (the second time in the confirmation overlay).
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "CENT",
    "MAX_AMOUNT",
    "MAX_PURPOSE_BYTES",
    "Refusal",
    "check_payee_account",
    "check_purpose",
    "check_reference",
    "parse_amount",
    "same_amount",
]

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000.00")
MAX_PURPOSE_BYTES = 30
# ASCII digits only: "\d" would let full-width and other scripts' digits through.
_AMOUNT = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")
_REFERENCE = re.compile(r"[A-Z0-9:_-]{1,32}")
_PAYEE_ACCOUNT = re.compile(r"[0-9]{16,19}")

INVALID_AMOUNT = "金额格式错误 Invalid amount"
OVER_LIMIT = "金额超出单笔限额 Amount over the limit of 1,000,000.00"
AMOUNTS_DIFFER = "两次金额不一致 Amounts differ"
BAD_REFERENCE = "客户流水号格式错误 Customer ref must be 1-32 characters of A-Z, 0-9, -, _, :"
LONG_PURPOSE = "用途超长 Purpose longer than 30 bytes (GBK)"
NOT_GBK_PURPOSE = "用途含非法字符 Purpose has characters outside GBK"
BAD_PAYEE_ACCOUNT = "收款账号格式错误 Payee account must be 16-19 digits"


class Refusal(Exception):
    """The console refuses a transfer; the message is what the teller sees."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def parse_amount(text: str) -> Decimal:
    """An amount as typed: ASCII digits, at most two decimals, above 0, at most 1,000,000.00."""
    if not _AMOUNT.fullmatch(text.strip()):
        raise Refusal(INVALID_AMOUNT)
    amount = Decimal(text.strip())
    if amount <= 0:
        raise Refusal(INVALID_AMOUNT)
    if amount > MAX_AMOUNT:
        raise Refusal(OVER_LIMIT)
    return amount.quantize(CENT)


def same_amount(amount: Decimal, again: str) -> None:
    """The amount typed again in the overlay must be the same number (``100`` = ``100.00``)."""
    text = again.strip()
    if not _AMOUNT.fullmatch(text) or Decimal(text) != amount:
        raise Refusal(AMOUNTS_DIFFER)


def check_reference(reference: str) -> None:
    """A customer reference: 1 to 32 characters, each an upper-case letter, a digit, ``-``, ``_`` or ``:``."""
    if not _REFERENCE.fullmatch(reference):
        raise Refusal(BAD_REFERENCE)


def check_purpose(purpose: str) -> None:
    """A purpose (may be empty): at most 30 bytes in GBK, so a Chinese character counts 2."""
    try:
        size = len(purpose.encode("gbk"))
    except UnicodeEncodeError:
        raise Refusal(NOT_GBK_PURPOSE) from None
    if size > MAX_PURPOSE_BYTES:
        raise Refusal(LONG_PURPOSE)


def check_payee_account(account: str) -> None:
    """A payee account: 16 to 19 ASCII digits; no check digit is asked for."""
    if not _PAYEE_ACCOUNT.fullmatch(account):
        raise Refusal(BAD_PAYEE_ACCOUNT)
