"""The gate: every rule of a policy applied to a batch, line by line, into decisions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from teller.gate._history import History
from teller.gate._model import Decision, GateLine
from teller.gate._parties import anomaly, lookalike_party, new_account, new_payee, shared_account
from teller.gate._policy import Anomaly, Policy
from teller.gate._rules import Batch, daily_cap, duplicates, limits, pay_date
from teller.gate._screen import kind, luhn, watchlist_account, watchlist_name
from teller.gate._watchlist import Screening
from teller.gate._words import Hit

__all__ = ["RULES", "Gate"]

# Every rule the gate can fire, most severe first: the first held rule speaks to the checker.
RULES = (
    "kind",
    "watchlist_account",
    "watchlist_name",
    "reject_above",
    "duplicate_paid",
    "duplicate_in_batch",
    "lookalike_party",
    "shared_account",
    "pay_date",
    "luhn",
    "new_account",
    "new_payee",
    "anomaly_amount",
    "daily_cap",
    "dual_limit",
    "auto_limit",
)
_RANK = {rule: rank for rank, rule in enumerate(RULES)}

_Check = Callable[[GateLine, Batch], "Hit | list[Hit] | None"]


def _decision(policy: Policy, line: GateLine, hits: list[Hit]) -> Decision:
    if not hits:
        return Decision("auto_approved", [], None, 0)
    # a rejecting rule decides; among the rest, the most severe speaks first
    hits = sorted(hits, key=lambda h: (h.fired.action != "reject", _RANK[h.fired.rule]))
    rules = [h.fired for h in hits]
    if rules[0].action == "reject":
        return Decision("rejected", rules, None, 0)
    dual = policy.dual_limit
    approvers = 2 if dual is not None and line.amount > dual else 1
    return Decision("needs_approval", rules, hits[0].suggestion, approvers)


class Gate:
    """A policy made ready to decide: its watchlist loaded, its history at hand.

    Every rule that counts days counts from the posting day: ``today`` given to
    :meth:`decide`, else the one given here, else the machine's local date when
    ``decide`` is called. A gate built at load and asked again right before a payment
    therefore weighs the day the console posts, never the date a workbook wrote.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        history: History | None = None,
        policy_dir: Path | None = None,
        today: date | None = None,
    ) -> None:
        self.policy = policy
        self.history = history if history is not None else History(())
        self.today = today
        self._checks = self._build(policy, self.history, policy_dir or policy.directory)

    def decide(self, lines: Sequence[GateLine], *, today: date | None = None) -> list[Decision]:
        """Decide one batch, in order: earlier lines count toward duplicates and the cap."""
        batch = Batch(today or self.today or date.today())
        decisions = []
        for line in lines:
            decision = self._decide(line, batch)
            batch.add(line, rejected=decision.outcome == "rejected")
            decisions.append(decision)
        return decisions

    def _decide(self, line: GateLine, batch: Batch) -> Decision:
        hits: list[Hit] = []
        for check in self._checks:
            found = check(line, batch)
            if isinstance(found, list):
                hits.extend(found)
            elif found is not None:
                hits.append(found)
        return _decision(self.policy, line, hits)

    @staticmethod
    def _build(policy: Policy, history: History, folder: Path | None) -> list[_Check]:
        checks: list[_Check] = [lambda line, batch: limits(policy, history, batch, line)]
        if policy.pay_date is not None and policy.pay_date.enabled:
            when = policy.pay_date
            checks.append(lambda line, batch: pay_date(when, batch, line))
        if policy.daily_cap is not None and policy.daily_cap.enabled:
            cap = policy.daily_cap
            checks.append(lambda line, batch: daily_cap(cap, history, batch, line))
        if policy.duplicates is not None and policy.duplicates.enabled:
            twice = policy.duplicates
            checks.append(lambda line, batch: duplicates(twice, history, batch, line))
        if policy.watchlist is not None and policy.watchlist.enabled:
            rule = policy.watchlist
            # relative to the policy file; a policy built in code resolves from the working folder
            path = (folder or Path.cwd()) / rule.file
            screening = Screening.load(path, threshold=rule.name_threshold)
            checks.append(lambda line, _: watchlist_account(rule, screening, line))
            checks.append(lambda line, _: watchlist_name(rule, screening, line))
        if policy.luhn is not None and policy.luhn.enabled:
            digit = policy.luhn
            checks.append(lambda line, _: luhn(digit, line))
        if policy.anomaly is not None and policy.anomaly.enabled:
            checks += _party_checks(policy.anomaly, history)
        if policy.kinds is not None and policy.kinds.enabled:
            kinds = policy.kinds
            checks.append(lambda line, _: kind(kinds, line))
        return checks


def _party_checks(shape: Anomaly, history: History) -> list[_Check]:
    checks: list[_Check] = [lambda line, batch: anomaly(shape, history, batch, line)]
    if shape.new_account:
        checks.append(lambda line, _: new_account(shape, history, line))
    if shape.shared_account:
        checks.append(lambda line, batch: shared_account(shape, history, batch, line))
    if shape.lookalike_party:
        checks.append(lambda line, batch: lookalike_party(shape, history, batch, line))
    if shape.new_payee:
        checks.append(lambda line, batch: new_payee(shape, history, batch, line))
    return checks
