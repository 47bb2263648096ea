"""Seals on the gate's decisions and on people's approvals, and the policy as recorded.

A seal is an HMAC-SHA256, keyed by ``keys.seal`` (``Settings.key("seal")``: a secret
reference, never in the store or the repository), over one canonical encoding of all a
payment rests on: the item's key, amount and payload; its run and batch; the decision
(outcome, approvers needed, the rules that fired); every approval and rejection (account,
user name, session, the content and the decision approved, rejected or not); and the
SHA-256 of the policy the run was gated under. Whoever can write to the database but
does not hold the key cannot make a seal match a record they changed, nor move a seal or
an approval from one item or run to another.

The policy is part of the record (:class:`RecordedPolicy`): its text, as the file held
it when the run was gated, and the SHA-256 of that text, kept on the run and in the audit
trail, and read back at pay time instead of the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from teller._errors import ConfigError
from teller.gate import Policy, load_policy
from teller.store import Item, Run

__all__ = [
    "RecordedPolicy",
    "decision_digest",
    "item_digest",
    "seal_item",
    "seal_of",
    "seal_matches",
    "sha256_text",
]

_DOMAIN = "teller-seal-v1"  # changes if the encoding ever does: an old seal never matches


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def _amount(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def decision_digest(outcome: str | None, approvers: int, rules: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of a decision: what an approval approved, so a new decision is approved anew."""
    return hashlib.sha256(
        _canonical({"outcome": outcome, "approvers": approvers, "rules": list(rules)})
    ).hexdigest()


def _approval(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a seal keeps of an approval: who (account, name, session), what, and which way."""
    return {
        "user": record.get("user"),
        "by": record.get("by"),
        "session": record.get("session"),
        "hash": record.get("hash"),
        "decision": record.get("decision"),
        "rejected": bool(record.get("rejected")),
    }


def seal_of(
    key: bytes,
    *,
    item_key: str,
    amount: Decimal | None,
    payload: Mapping[str, Any],
    run_id: str,
    batch_id: str,
    outcome: str | None,
    approvers: int,
    rules: Sequence[Mapping[str, Any]],
    approvals: Sequence[Mapping[str, Any]],
    policy_sha256: str,
    console: str = "",
) -> str:
    """The seal of an item's record: HMAC-SHA256 of its canonical encoding, hex.

    ``console`` (the run's) is sealed when there is one, so a run cannot be sent to
    another console by editing the store; a run without one seals as before it existed.
    """
    message = _canonical(
        {
            "domain": _DOMAIN,
            "key": item_key,
            "amount": _amount(amount),
            "payload": dict(payload),
            "run": run_id,
            "batch": batch_id,
            "decision": {"outcome": outcome, "approvers": approvers, "rules": list(rules)},
            "approvals": [_approval(a) for a in approvals],
            "policy": policy_sha256,
            **({"console": console} if console else {}),
        }
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_item(key: bytes, item: Item, run: Run, **changes: Any) -> str:
    """The seal of an item's record as it is, or with ``changes`` (``decision``,
    ``approvers_needed``, ``rules``, ``approvals``) as they are about to be written."""
    return seal_of(
        key,
        item_key=item.key,
        amount=item.amount,
        payload=item.payload,
        run_id=run.id,
        batch_id=run.batch_id,
        outcome=changes.get("decision", item.decision),
        approvers=changes.get("approvers_needed", item.approvers_needed),
        rules=changes.get("rules", item.rules),
        approvals=changes.get("approvals", item.approvals),
        policy_sha256=sha256_text(run.policy_text),
        console=run.console,
    )


def item_digest(item: Item, **changes: Any) -> str:
    """The digest of the item's decision (or of the one about to be written)."""
    return decision_digest(
        changes.get("decision", item.decision),
        changes.get("approvers_needed", item.approvers_needed),
        changes.get("rules", item.rules),
    )


def seal_matches(found: str | None, expected: str) -> bool:
    """Whether a stored seal is the one expected (in constant time)."""
    return bool(found) and hmac.compare_digest(str(found), expected)


@dataclass(frozen=True)
class RecordedPolicy:
    """A policy as a run records it: its text, the text's SHA-256, where it was read.

    ``source`` is the policy file's path, or "" for a policy built in code, whose ``text``
    is then its JSON. ``watchlist_sha256`` is the SHA-256 of the watchlist file the policy
    named, when it names one.
    """

    text: str
    source: str = ""
    watchlist_sha256: str = ""

    @property
    def sha256(self) -> str:
        return sha256_text(self.text)

    @classmethod
    def read(cls, path: Path, *, required: bool) -> tuple[RecordedPolicy, Policy]:
        """Read a policy file once: its text recorded, and the policy that text says.

        ``load_policy`` names any problem by line and field; the text it read must be the
        text hashed, so a file swapped while it was read is refused.
        """
        policy = load_policy(path, required=required)
        if not path.is_file():  # sandbox: no file, the default policy
            return cls.built_in(policy), policy
        text = path.read_bytes().decode("utf-8")
        record = cls(text, str(path), _watchlist_sha256(policy, path.parent))
        if record.policy().model_dump() != policy.model_dump():
            raise ConfigError(str(path), "changed while it was read; run again")
        return record, policy

    @classmethod
    def built_in(cls, policy: Policy, folder: Path | None = None) -> RecordedPolicy:
        """The record of a policy built in code (or the default one): its JSON."""
        text = json.dumps(policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        where = folder or policy.directory
        return cls(text, "", _watchlist_sha256(policy, where) if where else "")

    def policy(self) -> Policy:
        """The policy this record's text says."""
        where = self.source or "the run's recorded policy"
        try:
            if self.source:
                data = tomllib.loads(self.text, parse_float=Decimal)
            else:
                data = json.loads(self.text)
            return Policy.model_validate(data)
        except (tomllib.TOMLDecodeError, ValueError, ValidationError) as exc:
            raise ConfigError(where, f"the recorded policy cannot be read: {exc}") from None


def _watchlist_sha256(policy: Policy, folder: Path | None) -> str:
    if policy.watchlist is None or not policy.watchlist.enabled or folder is None:
        return ""
    path = folder / policy.watchlist.file
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
