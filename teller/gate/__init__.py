"""The approval gate: a policy decides, per line, whether it may be paid on its own.

Lines the rules clear pass (``auto_approved``); the rest wait for one or two people
(``needs_approval``) with one suggestion in plain words, or are refused outright
(``rejected``). Every decision lists the rules that fired, each with the figures that
made it fire. A :class:`Gate` is built once per run from the policy, the watchlist the
policy names, and the :class:`History` of what was paid; then it decides whole batches.

The rules, each switched on by its table in ``policies/<flow>.toml``:

- ``auto_limit`` / ``dual_limit`` / ``reject_above``: the amount's limits (always on);
- ``pay_date``: the pay date written in the input, at most N days from the posting day;
- ``daily_cap``: per beneficiary account on the posting day, across batches;
- ``duplicates``: the same account and (almost, within a tolerance) the same amount in
  the batch, or paid in the period (N days, or the calendar month) up to the posting day;
- ``watchlist``: names (fuzzy, on a normalised form) and account numbers from a CSV file;
- ``luhn``: the account number's check digit;
- ``anomaly``: far from the party's or the account's median; a known party's new
  account; an account paid for another party; an id that looks like a known one; a
  party and account both never paid (``new_payee``, off unless asked).
- ``kinds``: every item of the listed kinds (``unfreeze``) waits for a person.

Days are counted from the posting day: the day :meth:`Gate.decide` runs (or its
``today``), never a date the input wrote. Accounts and party ids are compared by the
keys of ``teller.gate._keys``, so no spelling of a known one looks new.
"""

from __future__ import annotations

from teller.gate._gate import RULES, Gate
from teller.gate._history import History
from teller.gate._load import load_policy
from teller.gate._model import Action, Decision, FiredRule, GateLine, Outcome, PaidLine
from teller.gate._policy import (
    Anomaly,
    DailyCap,
    Duplicates,
    Kinds,
    Luhn,
    PayDate,
    Policy,
    Watchlist,
)

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
    "PayDate",
    "Policy",
    "Watchlist",
    "load_policy",
]
