"""The check right before each payment: the item's seal, and the gate again, now.

Whatever the store says about an item (its state, its decision, its approvals), the
runner pays it only if

1. its record matches its seal (``teller.seal``): nothing a person with the database
   but not the key changed, copied or moved;
2. the gate, run again for the line now, against the policy the run recorded (and the
   policy file as it is now, when it changed: the stricter of the two), with what was
   paid since, demands nothing the sealed decision did not: no stronger outcome, no
   more approvers, no rule that did not fire then;
3. a held line has enough valid sealed approvals: of distinct accounts, none the maker's,
   for this content and this decision, and no rejection.

:class:`Clearance` is built once per run (the policies parsed, their gates built with the
history of other runs, the run's own lines indexed); per item only what may have changed
is read again: the item, and the lines of other runs paid since.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from teller._errors import ConfigError
from teller.flow import Flow
from teller.gate import Decision, Gate, GateLine, History, PaidLine, Policy
from teller.people import same_person
from teller.runs import paid_lines, policy_path, recorded_policy
from teller.seal import RecordedPolicy, item_digest, seal_item, seal_matches
from teller.settings import Settings
from teller.store import Item, Run, Store, content_hash, now

__all__ = ["Clearance", "Verdict"]

_REJECTED = 99  # stronger than any number of approvers


@dataclass(frozen=True)
class Verdict:
    """Whether an item may be paid now; if not, why, and the decision to record instead."""

    reason: str | None  # None: pay it
    record: dict[str, Any] = field(default_factory=dict)  # fields to write with the move

    @property
    def cleared(self) -> bool:
        return self.reason is None


def _strength(outcome: str | None, approvers: int) -> int:
    if outcome == "auto_approved":
        return 0
    if outcome == "needs_approval":
        return max(1, approvers)
    return _REJECTED


def _near(value: str) -> str:
    """A loose form of a party or account: two lines the gate may relate share it."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(c for c in folded if c.isalnum())


class Clearance:
    """One run's check before each payment: the gates built once, the history kept fresh."""

    def __init__(
        self, settings: Settings, store: Store, flow: Flow, run: Run, *, key: bytes
    ) -> None:
        self.store, self.flow, self.run, self._key = store, flow, run, key
        self._folder = policy_path(settings, flow).parent
        self.problem: str | None = None  # a reason that holds every line of the run
        self.changed: str | None = None  # how the policy file differs from the recorded one
        policies = self._policies(settings, run)
        self._since = now()
        self._history = paid_lines(store, flow, but=run.id)
        self._gates = [
            Gate(p, history=History(self._history), policy_dir=self._folder) for p in policies
        ]
        self._fresh: tuple[frozenset[str], list[Gate]] = (frozenset(), self._gates)
        self._since_lines: tuple[frozenset[str], list[PaidLine]] = (frozenset(), [])
        # the run's own lines by the loose form of their party and of their account
        self._near: dict[str, list[tuple[int, GateLine]]] = {}
        for i in store.items(run.id):
            line = flow.gate_line(i.key, i.amount, i.payload, run.info)
            for near in {_near(line.party), _near(line.account)} - {""}:
                self._near.setdefault(near, []).append((i.seq, line))

    def _policies(self, settings: Settings, run: Run) -> list[Policy]:
        """The recorded policy, and the policy file as it is now if it differs."""
        record = RecordedPolicy(run.policy_text, run.policy_source, run.watchlist_sha256)
        if not run.policy_text or run.policy_sha256 != record.sha256:
            self.problem = "the run's recorded policy does not match its SHA-256"
            return []
        try:
            recorded = record.policy()
        except ConfigError as exc:
            self.problem = f"the run's recorded policy cannot be read: {exc}"
            return []
        if not run.policy_source:  # a policy built in code: there is no file to compare
            return [recorded]
        now_record = recorded_policy(settings, self.flow)  # ConfigError: the run stops
        if (now_record.sha256, now_record.watchlist_sha256) == (
            record.sha256,
            record.watchlist_sha256,
        ):
            return [recorded]
        self.changed = (
            f"policy SHA-256 {record.sha256[:12]} recorded, {now_record.sha256[:12]} now; "
            f"watchlist {record.watchlist_sha256[:12] or '-'} recorded, "
            f"{now_record.watchlist_sha256[:12] or '-'} now"
        )
        return [recorded, now_record.policy()]

    def check(self, item: Item) -> Verdict:
        """Whether ``item`` (as read from the store just now) may be paid now."""
        if self.problem is not None:
            return Verdict(self.problem)
        if not seal_matches(item.seal, seal_item(self._key, item, self.run)):
            return Verdict("seal does not match: the record was changed outside Teller")
        refused = self._refusal(item)
        if refused is not None:
            return Verdict(refused)
        now_decided = self._decide(item)
        held = self._stricter(item, now_decided)
        if held is not None:
            return held
        if item.decision == "auto_approved":
            return Verdict(None)
        return Verdict(self._approvals(item))

    def _refusal(self, item: Item) -> str | None:
        if item.decision not in ("auto_approved", "needs_approval"):
            return f"the gate decided {item.decision!r}"
        for a in item.approvals:
            if a.get("rejected"):
                return f"rejected by {a.get('by')}"
        return None

    def _decide(self, item: Item) -> list[Decision]:
        """The gate's decisions on the line now: one per policy (recorded, current)."""
        line = self.flow.gate_line(item.key, item.amount, item.payload, self.run.info)
        party, account = _near(line.party), _near(line.account)

        def related(other: GateLine | PaidLine) -> bool:
            return (party != "" and _near(other.party) == party) or (
                account != "" and _near(other.account) == account
            )

        # the run's earlier lines the gate weighed this one with at load (cap, duplicates)
        found = {
            seq: other
            for near in {party, account} - {""}
            for seq, other in self._near.get(near, ())
            if seq < item.seq
        }
        earlier = [found[seq] for seq in sorted(found)]
        gates = self._gates_now(related)
        return [gate.decide([*earlier, line])[-1] for gate in gates]

    def _gates_now(self, related: Callable[[GateLine | PaidLine], bool]) -> list[Gate]:
        """The gates, with the lines other runs paid since they were built when one of
        them bears on this line (rare: then the gates are built again with them)."""
        moved = self.store.keys_moved(
            self.flow.name, states=("done",), since=self._since, but=self.run.id
        )
        keys = frozenset(moved)
        if not keys:
            return self._gates
        if keys != self._since_lines[0]:  # read again only when something new was paid
            since = paid_lines(self.store, self.flow, but=self.run.id, moved_since=self._since)
            self._since_lines = (keys, since)
        since = self._since_lines[1]
        if not any(related(p) for p in since):
            return self._gates
        if keys != self._fresh[0]:
            known = {p.key for p in self._history}
            history = History([*self._history, *(p for p in since if p.key not in known)])
            gates = [Gate(g.policy, history=history, policy_dir=self._folder) for g in self._gates]
            self._fresh = (keys, gates)
        return self._fresh[1]

    def _stricter(self, item: Item, decisions: list[Decision]) -> Verdict | None:
        """None if the sealed decision covers what the gate decides now; else the decision
        to record instead (sealed), with why."""
        have = _strength(item.decision, item.approvers_needed)
        names = {str(r.get("rule")) for r in item.rules}
        rules = list(item.rules)
        need = have
        said: list[str] = []
        suggestion = item.suggestion
        for decision in decisions:
            new = [r for r in decision.rules if r.rule not in names]
            strength = _strength(decision.outcome, decision.approvers_needed)
            if strength <= have and not new:
                continue
            need = max(need, strength, 1)
            rules += [asdict(r) for r in new]
            names |= {r.rule for r in new}
            said += [r.detail for r in (new or decision.rules)]
            suggestion = decision.suggestion or suggestion
        if not said:
            return None
        outcome = "rejected" if need >= _REJECTED else "needs_approval"
        fields: dict[str, Any] = {
            "decision": outcome,
            "approvers_needed": 0 if outcome == "rejected" else need,
            "rules": rules,
        }
        fields["seal"] = seal_item(self._key, item, self.run, **fields)
        fields["suggestion"] = suggestion
        verb = "rejects" if outcome == "rejected" else "holds"
        return Verdict(f"the gate now {verb} it: {'; '.join(said)}", fields)

    def _approvals(self, item: Item) -> str | None:
        current = content_hash(item.key, item.amount, item.payload)
        digest = item_digest(item)
        valid = {
            str(a["by"])
            for a in item.approvals
            if a.get("hash") == current
            and a.get("decision") == digest
            and "user" in a
            and not a.get("rejected")
            and not same_person(str(a["by"]), self.run.submitted_by)
        }
        needed = max(1, item.approvers_needed)
        if len(valid) < needed:
            return f"{len(valid)} valid approval(s) of {needed} needed"
        return None
