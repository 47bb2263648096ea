"""Teller: robotic process automation for bank back-office work.

The engine knows nothing of payroll or cards: flows (``flows/``) and bots (``bots/``)
build on it. Browser-facing parts live in ``teller.browser``, ``teller.locators`` and
``teller.runner``; they are not imported here, so ``import teller`` stays light.
"""

from __future__ import annotations

from teller._errors import (
    AccessDenied,
    AmbiguousElement,
    ApprovalRefused,
    BatchAlreadyLoaded,
    BusinessError,
    ConfigError,
    ConsoleError,
    ConsoleRefused,
    ConsoleTimeout,
    InDoubt,
    InputError,
    InputProblem,
    ItemNotFound,
    LoginRefused,
    LostLease,
    NotActionable,
    NotSignedIn,
    OtherFigures,
    PaymentRefused,
    ReferenceAlreadyUsed,
    RoleRequired,
    RunNotFound,
    SelectorNotFound,
    SessionExpired,
    StateError,
    TellerError,
    TellerSystemError,
    TransitionRefused,
    UsernameRefused,
)
from teller._masking import mask_account, mask_text

__all__ = [
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
