"""The names ``teller`` exports are its public API: they change only on purpose."""

from __future__ import annotations

import teller


def test_exported_names() -> None:
    assert teller.__all__ == [
        "AccessDenied",
        "AmbiguousElement",
        "ApprovalRefused",
        "BatchAlreadyLoaded",
        "BusinessError",
        "ConfigError",
        "ConsoleError",
        "ConsoleRefused",
        "ConsoleTimeout",
        "InDoubt",
        "InputError",
        "InputProblem",
        "ItemNotFound",
        "LoginRefused",
        "LostLease",
        "NotActionable",
        "NotSignedIn",
        "OtherFigures",
        "PaymentRefused",
        "ReferenceAlreadyUsed",
        "RoleRequired",
        "RunNotFound",
        "SelectorNotFound",
        "SessionExpired",
        "StateError",
        "TellerError",
        "TellerSystemError",
        "TransitionRefused",
        "UsernameRefused",
        "mask_account",
        "mask_text",
    ]


def test_error_families_decide_retries() -> None:
    assert issubclass(teller.PaymentRefused, teller.BusinessError)
    assert issubclass(teller.SessionExpired, teller.TellerSystemError)
    assert issubclass(teller.ReferenceAlreadyUsed, teller.InDoubt)
    assert not issubclass(teller.InDoubt, teller.TellerSystemError)
    assert issubclass(teller.RoleRequired, teller.AccessDenied)
    assert not issubclass(teller.AccessDenied, teller.StateError)
    # a lost race is told apart from a refused transition, and neither is retried as a
    # system error: the item is skipped (stale owner) or the caller is told why
    assert not issubclass(teller.LostLease, teller.TransitionRefused)
    assert not issubclass(teller.LostLease, teller.TellerSystemError)
    # a locator's refusals are system errors: retried, and InDoubt once past a submit
    assert issubclass(teller.AmbiguousElement, teller.TellerSystemError)
    assert issubclass(teller.NotActionable, teller.TellerSystemError)
    for name in ("RunNotFound", "ItemNotFound", "TransitionRefused", "LostLease"):
        assert issubclass(getattr(teller, name), teller.StateError)
    problem = teller.InputProblem("pay.xlsx", "Payroll", 7, "Amount", "a positive amount", "-5")
    assert str(problem) == (
        "pay.xlsx, sheet 'Payroll', row 7, column 'Amount': expected a positive amount (found '-5')"
    )
