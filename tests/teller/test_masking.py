"""Account, card and ID numbers never reach a log whole; secrets never at all."""

from __future__ import annotations

from loguru import logger

from teller import mask_account, mask_text
from teller.logs import configure, register_secret


def test_mask_account_keeps_last_four() -> None:
    assert mask_account("6222 0212 3456 7890") == "****7890"
    assert mask_account("12") == "****"
    assert mask_account(None) == ""


def test_mask_text_masks_long_numbers_and_ids_but_not_amounts() -> None:
    text = "pay 6222021234567890123 id 11010519491231002X amount 50000.00 ref PAY-1:E00042"
    assert mask_text(text) == "pay ****0123 id ****002X amount 50000.00 ref PAY-1:E00042"


def test_logs_are_masked_before_any_sink(capsys) -> None:  # type: ignore[no-untyped-def]
    configure(level="INFO")
    register_secret("corebank-demo-pass")
    logger.info("login with corebank-demo-pass to pay 6222021234567890123")
    err = capsys.readouterr().err
    assert "corebank-demo-pass" not in err and "6222021234567890123" not in err
    assert "****0123" in err
