"""The names ``teller`` exports are its public API: they change only on purpose."""

from __future__ import annotations

import teller


def test_exported_names() -> None:
    assert teller.__all__ == [
        "BusinessError",
        "ConfigError",
        "ConsoleError",
        "ConsoleRefused",
        "ConsoleTimeout",
        "InDoubt",
        "InputError",
        "InputProblem",
        "PaymentRefused",
        "ReferenceAlreadyUsed",
        "SelectorNotFound",
        "SessionExpired",
        "StateError",
        "TellerError",
        "TellerSystemError",
        "mask_account",
        "mask_text",
    ]


def test_error_families_decide_retries() -> None:
    assert issubclass(teller.PaymentRefused, teller.BusinessError)
    assert issubclass(teller.SessionExpired, teller.TellerSystemError)
    assert issubclass(teller.ReferenceAlreadyUsed, teller.InDoubt)
    assert not issubclass(teller.InDoubt, teller.TellerSystemError)
    problem = teller.InputProblem("pay.xlsx", "Payroll", 7, "Amount", "a positive amount", "-5")
    assert str(problem) == (
        "pay.xlsx, sheet 'Payroll', row 7, column 'Amount': expected a positive amount (found '-5')"
    )
