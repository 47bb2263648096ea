"""The cardadmin console's records as the bot returns them, and its screen words for codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from teller import ConsoleError

__all__ = [
    "ACCOUNT_STATUSES",
    "CARD_STATUSES",
    "KINDS",
    "REASONS",
    "Account",
    "Action",
    "Card",
    "code_of",
    "parse_time",
]

# What the screens show -> the code the bot returns.
CARD_STATUSES = {"正常": "active", "掛失凍結": "frozen_lost", "銷卡": "closed"}
ACCOUNT_STATUSES = {"正常": "active", "凍結": "frozen"}
KINDS = {
    "掛失凍結": "freeze_card",
    "凍結賬戶": "freeze_account",
    "補卡": "replace_card",
    "解除掛失": "unfreeze_card",
}
REASONS = ("01", "02", "03")  # 01 遺失 Lost, 02 被盜 Stolen, 03 其他 Other
_CONSOLE = "cardadmin"


@dataclass(frozen=True)
class Action:
    """One entry of the console's action log: a freeze, a replacement order or an unfreeze."""

    ref: str
    kind: str  # freeze_card / freeze_account / replace_card / unfreeze_card
    target: str  # the card or account number
    memo: str
    at: datetime  # the console's local time (Asia/Shanghai), naive


@dataclass(frozen=True)
class Card:
    """A card as its page shows it."""

    card_no: str
    account_no: str
    holder: str
    status: str  # active / frozen_lost / closed
    freeze: Action | None  # the freeze in force, when frozen
    replacement: Action | None  # the replacement order on file, if any


@dataclass(frozen=True)
class Account:
    """An account as its page shows it."""

    account_no: str
    status: str  # active / frozen
    freeze: Action | None  # the freeze in force, when frozen


def code_of(label: str, codes: dict[str, str], screen: str) -> str:
    """The code for a label the console shows; a label it should not show is a ConsoleError."""
    try:
        return codes[label.strip()]
    except KeyError:
        raise ConsoleError(_CONSOLE, screen, f"unexpected label {label!r}") from None


def parse_time(text: str, screen: str) -> datetime:
    """The console's ``YYYY-MM-DD HH:MM:SS`` as a naive datetime."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ConsoleError(_CONSOLE, screen, f"unreadable time {text!r}") from None
