"""The approval gate: a policy decides, per line, whether it may be paid on its own.

Lines the rules clear pass (``auto_approved``); the rest wait for one or two people
(``needs_approval``) with one suggestion in plain words, or are refused outright
(``rejected``). Every decision lists the rules that fired, each with the figures that
made it fire. A :class:`Gate` is built once per run from the policy, the watchlist the
policy names, and the :class:`History` of what was paid; then it decides whole batches.

The rules, each switched on by its table in ``policies/<flow>.toml``:

- ``auto_limit`` / ``dual_limit`` / ``reject_above``: the amount's limits (always on);
- ``daily_cap``: per beneficiary account per day, across batches;
- ``duplicates``: same account and amount in the batch, or paid within N days;
- ``watchlist``: names (fuzzy) and account numbers (exact) from the bank's CSV file;
- ``luhn``: the account number's check digit;
- ``anomaly``: far from the party's median, or a known party's first new account;
- ``kinds``: every item of the listed kinds (``unfreeze``) waits for a person.
"""

from __future__ import annotations

from teller.gate._gate import RULES, Gate
from teller.gate._history import History
from teller.gate._load import load_policy
from teller.gate._model import Action, Decision, FiredRule, GateLine, Outcome, PaidLine
from teller.gate._policy import Anomaly, DailyCap, Duplicates, Kinds, Luhn, Policy, Watchlist

__all__ = [
    "RULES",
    "Action",
    "Anomaly",
    "DailyCap",
    "Decision",
    "Duplicates",
    "FiredRule",
    "Gate",
    "GateLine",
    "History",
    "Kinds",
    "Luhn",
    "Outcome",
    "PaidLine",
    "Policy",
    "Watchlist",
    "load_policy",
]
