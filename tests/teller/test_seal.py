"""Seals and the check before each payment, against someone who can write to the database.

Each test changes the store behind Teller's back, as a person with the database but not
the seal key might, and asks the check the runner makes right before paying
(``Clearance.check``) whether the item would be paid. Both databases.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from teller import ApprovalRefused
from teller.clearance import Clearance
from teller.flow import Batch
from teller.people import Person
from teller.runs import approve, reject, submit
from teller.seal import seal_item
from teller.settings import Settings
from teller.store import Item, NewItem, Run, Store, content_hash
from tests.teller.test_runner import ScriptedFlow

ANN = Person(3, "ann", frozenset({"approver"}), "s3")
BOB = Person(4, "bob", frozenset({"approver"}), "s4")
POLICY = """\
auto_limit = "1000.00"
dual_limit = "5000.00"

[duplicates]
lookback_days = 30
"""


class Lines(ScriptedFlow):
    """Scripted lines with an account each: key -> (amount, account)."""

    def __init__(self, lines: dict[str, tuple[str, str]], batch: str = "B1") -> None:
        super().__init__({key: ["ok"] for key in lines})
        self.lines = lines
        self.batch = batch

    def load(self, path: Path) -> Batch:
        items = [
            NewItem(
                seq=n,
                key=key,
                amount=Decimal(amount),
                payload={"party": f"P-{key}", "account": account, "name": key},
            )
            for n, (key, (amount, account)) in enumerate(self.lines.items(), start=1)
        ]
        return Batch(self.batch, str(path), "0" * 64, items, {"day": "2026-12-07"})


LINES = {
    "small": ("10.00", "6222000000000001"),
    "other": ("20.00", "6222000000000002"),
    "big": ("1200.00", "6222000000000003"),
    "huge": ("6000.00", "6222000000000004"),
}


def _settings(tmp_path: Path) -> Settings:
    return Settings(mode="sandbox", project=tmp_path)


def _policy(tmp_path: Path, text: str = POLICY) -> Path:
    path = tmp_path / "policies" / "scripted.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(store: Store, tmp_path: Path, lines: dict[str, tuple[str, str]] = LINES, **kw: Any) -> str:
    if not (tmp_path / "policies" / "scripted.toml").exists():
        _policy(tmp_path)
    flow = Lines(lines, **kw)
    return submit(_settings(tmp_path), store, flow, flow.load(tmp_path / "x"), submitted_by="maker")


def _items(store: Store, run_id: str) -> dict[str, Item]:
    return {i.key: i for i in store.items(run_id)}


def _force(store: Store, item_id: int, **values: object) -> None:
    """Change an item behind the application's back, as a bad actor with the database might."""
    with store.engine.begin() as connection:
        connection.execute(update(Item).where(Item.id == item_id).values(**values))


def _why_not(store: Store, tmp_path: Path, run_id: str, key: str) -> str | None:
    """Why the runner would not pay the item now (None: it would pay it)."""
    run = store.run(run_id)
    flow = Lines(LINES, batch=run.batch_id)
    clearance = Clearance(_settings(tmp_path), store, flow, run, key=_key(tmp_path))
    return clearance.check(_items(store, run_id)[key]).reason


def _key(tmp_path: Path) -> bytes:
    return _settings(tmp_path).key("seal")


def test_the_gate_and_its_approvers_pass_what_they_passed(store: Store, tmp_path: Path) -> None:
    run_id = _run(store, tmp_path)
    items = _items(store, run_id)
    assert {k: i.state for k, i in items.items()} == {
        "small": "auto_approved",
        "other": "auto_approved",
        "big": "needs_approval",
        "huge": "needs_approval",
    }
    assert all(len(i.seal) == 64 for i in items.values())
    assert _why_not(store, tmp_path, run_id, "small") is None
    assert _why_not(store, tmp_path, run_id, "big") == "0 valid approval(s) of 1 needed"
    approve(store, items["big"].id, by=ANN, key=_key(tmp_path))
    assert _why_not(store, tmp_path, run_id, "big") is None
    approve(store, items["huge"].id, by=ANN, key=_key(tmp_path))
    assert _why_not(store, tmp_path, run_id, "huge") == "1 valid approval(s) of 2 needed"
    approve(store, items["huge"].id, by=BOB, key=_key(tmp_path))
    assert _why_not(store, tmp_path, run_id, "huge") is None
    # the policy is on the run and, whole, in the trail
    run = store.run(run_id)
    assert run.policy_text == POLICY and run.policy_source.endswith("scripted.toml")
    policy = [r for r in store.audit_records(run_id=run_id) if r.what == "policy"]
    assert len(policy) == 1 and run.policy_sha256 in policy[0].detail
    assert POLICY in policy[0].detail


def _edits(items: dict[str, Item]) -> dict[str, tuple[str, dict[str, object]]]:
    """Each way of editing the database, as (the item edited, the columns written)."""
    small, huge = items["small"], items["huge"]
    changed = {**small.payload, "account": "6222999999999999"}
    return {
        "state approved": ("big", {"state": "approved"}),
        "decision auto_approved": ("big", {"state": "auto_approved", "decision": "auto_approved"}),
        "approvals copied": ("big", {"state": "approved", "approvals": huge.approvals}),
        "content rewritten": (
            "small",
            {"payload": changed, "content_hash": content_hash(small.key, small.amount, changed)},
        ),
        "amount rewritten": (
            "small",
            {
                "amount": Decimal("999.00"),
                "content_hash": content_hash(small.key, Decimal("999.00"), small.payload),
            },
        ),
        "seal copied": (
            "big",
            {"state": "auto_approved", "decision": "auto_approved", "seal": small.seal},
        ),
        "approvers lowered": ("huge", {"state": "approved", "approvers_needed": 1}),
        "rules emptied": ("big", {"state": "approved", "rules": []}),
    }


CASES = [
    "state approved",
    "decision auto_approved",
    "approvals copied",
    "content rewritten",
    "amount rewritten",
    "seal copied",
    "approvers lowered",
    "rules emptied",
]


@pytest.mark.parametrize("edit", CASES)
def test_no_edit_of_the_record_is_paid(store: Store, tmp_path: Path, edit: str) -> None:
    run_id = _run(store, tmp_path)
    items = _items(store, run_id)
    approve(store, items["huge"].id, by=ANN, key=_key(tmp_path))  # one approval of two
    items = _items(store, run_id)
    key, values = _edits(items)[edit]
    _force(store, items[key].id, **values)
    why = _why_not(store, tmp_path, run_id, key)
    assert why is not None, edit
    if edit in ("state approved",):
        assert why == "0 valid approval(s) of 1 needed"
    else:
        assert why.startswith("seal does not match"), why


def test_an_approval_copied_with_its_seal_from_another_run_is_void(
    store: Store, tmp_path: Path
) -> None:
    first = _run(store, tmp_path, {"big": LINES["big"]}, batch="B1")
    approve(store, _items(store, first)["big"].id, by=ANN, key=_key(tmp_path))
    source = _items(store, first)["big"]
    second = _run(store, tmp_path, {"big2": LINES["big"]}, batch="B2")
    target = _items(store, second)["big2"]
    _force(store, target.id, state="approved", approvals=source.approvals, seal=source.seal)
    assert str(_why_not(store, tmp_path, second, "big2")).startswith("seal does not match")


def test_a_rewritten_policy_on_the_run_pays_nothing(store: Store, tmp_path: Path) -> None:
    run_id = _run(store, tmp_path)
    laxer = POLICY.replace('"1000.00"', '"9000.00"').replace('"5000.00"', '"9500.00"')
    with store.engine.begin() as connection:
        connection.execute(update(Run).where(Run.id == run_id).values(policy_text=laxer))
    assert "does not match its SHA-256" in str(_why_not(store, tmp_path, run_id, "small"))
    from teller.seal import sha256_text

    with store.engine.begin() as connection:  # the hash rewritten too: the seals hold it
        connection.execute(
            update(Run).where(Run.id == run_id).values(policy_sha256=sha256_text(laxer))
        )
    assert str(_why_not(store, tmp_path, run_id, "small")).startswith("seal does not match")


def test_a_limit_raised_after_load_releases_nothing(store: Store, tmp_path: Path) -> None:
    run_id = _run(store, tmp_path)
    _policy(tmp_path, POLICY.replace('"1000.00"', '"2000.00"'))  # big is under it now
    _force(store, _items(store, run_id)["big"].id, state="approved")
    assert _why_not(store, tmp_path, run_id, "big") == "0 valid approval(s) of 1 needed"
    run = store.run(run_id)
    clearance = Clearance(_settings(tmp_path), store, Lines(LINES), run, key=_key(tmp_path))
    assert clearance.changed is not None and "recorded" in clearance.changed


def test_a_limit_lowered_after_load_holds_what_it_now_holds(store: Store, tmp_path: Path) -> None:
    run_id = _run(store, tmp_path)
    _policy(tmp_path, POLICY.replace('"1000.00"', '"15.00"'))  # "other" (20.00) is over it
    run = store.run(run_id)
    clearance = Clearance(_settings(tmp_path), store, Lines(LINES), run, key=_key(tmp_path))
    assert clearance.check(_items(store, run_id)["small"]).cleared
    verdict = clearance.check(_items(store, run_id)["other"])
    assert str(verdict.reason).startswith("the gate now holds it: 20.00 is")
    # the stricter decision is recorded, sealed: an approver can approve it, then it is paid
    assert verdict.record["decision"] == "needs_approval"
    assert verdict.record["approvers_needed"] == 1
    item = _items(store, run_id)["other"]
    store.move(item.id, "needs_approval", actor="runner", **verdict.record)
    approve(store, item.id, by=ANN, key=_key(tmp_path))
    assert _why_not(store, tmp_path, run_id, "other") is None


def test_a_line_another_run_paid_since_is_held(store: Store, tmp_path: Path) -> None:
    second = _run(store, tmp_path, {"a2": LINES["small"]}, batch="B2")
    # a copy loaded after it is held at load (a2 is on its way); a person passes it
    first = _run(store, tmp_path, {"a1": LINES["small"]}, batch="B1")
    assert _items(store, second)["a2"].state == "auto_approved"  # nothing was paid yet
    run = store.run(second)
    clearance = Clearance(_settings(tmp_path), store, Lines({}), run, key=_key(tmp_path))
    assert clearance.check(_items(store, second)["a2"]).cleared
    one = _items(store, first)["a1"]  # paid by another runner after this one was built
    approve(store, one.id, by=BOB, key=_key(tmp_path))
    store.move(one.id, "in_flight", actor="runner")
    store.move(one.id, "done", actor="runner", receipt="TX-1")
    why = clearance.check(_items(store, second)["a2"]).reason
    assert str(why).startswith("the gate now holds it:") and "paid" in str(why), why


def test_a_rejection_is_never_paid_and_a_broken_seal_only_rejected(
    store: Store, tmp_path: Path
) -> None:
    run_id = _run(store, tmp_path)
    items = _items(store, run_id)
    reject(store, items["big"].id, by=ANN, key=_key(tmp_path), reason="not on payroll")
    _force(store, items["big"].id, state="approved")
    assert _why_not(store, tmp_path, run_id, "big") == "rejected by ann"
    # a record that does not match its seal cannot be approved, only rejected
    _force(store, items["huge"].id, approvers_needed=1)
    with pytest.raises(ApprovalRefused, match="does not match its seal"):
        approve(store, items["huge"].id, by=ANN, key=_key(tmp_path))
    assert reject(store, items["huge"].id, by=ANN, key=_key(tmp_path), reason="x").state == (
        "rejected"
    )


def test_a_seal_made_with_another_key_does_not_match(store: Store, tmp_path: Path) -> None:
    run_id = _run(store, tmp_path)
    item = _items(store, run_id)["big"]
    run = store.run(run_id)
    forged = seal_item(b"a key that is not ours 0123", item, run, decision="auto_approved")
    _force(store, item.id, state="auto_approved", decision="auto_approved", seal=forged)
    assert str(_why_not(store, tmp_path, run_id, "big")).startswith("seal does not match")


def test_a_new_reason_to_hold_voids_the_approvals_given_before(
    store: Store, tmp_path: Path
) -> None:
    run_id = _run(store, tmp_path)
    big = _items(store, run_id)["big"]
    approve(store, big.id, by=ANN, key=_key(tmp_path))
    assert _why_not(store, tmp_path, run_id, "big") is None
    # the second limit lowered under big's amount: the gate now wants two approvers
    _policy(tmp_path, POLICY.replace('"5000.00"', '"1100.00"'))
    run = store.run(run_id)
    clearance = Clearance(_settings(tmp_path), store, Lines(LINES), run, key=_key(tmp_path))
    verdict = clearance.check(_items(store, run_id)["big"])
    assert str(verdict.reason).startswith("the gate now holds it:"), verdict.reason
    assert verdict.record["approvers_needed"] == 2
    store.move(big.id, "needs_approval", actor="runner", **verdict.record)
    assert clearance.check(store.item(big.id)).reason == "0 valid approval(s) of 2 needed"
    approve(store, big.id, by=ANN, key=_key(tmp_path))  # ann decides again, on what is new
    approve(store, big.id, by=BOB, key=_key(tmp_path))
    assert clearance.check(store.item(big.id)).cleared


def test_a_held_line_is_held_again_for_a_rule_its_approver_never_saw(
    store: Store, tmp_path: Path
) -> None:
    """Same strength (one approver), a new rule: another run paid the same line since."""
    second = _run(store, tmp_path, {"b2": LINES["big"]}, batch="B2")  # held: over the limit
    first = _run(store, tmp_path, {"b1": LINES["big"]}, batch="B1")  # a copy loaded after
    b2 = _items(store, second)["b2"]
    approve(store, b2.id, by=ANN, key=_key(tmp_path))  # over the limit: approved
    b1 = _items(store, first)["b1"]
    approve(store, b1.id, by=BOB, key=_key(tmp_path))
    store.move(b1.id, "in_flight", actor="runner")
    store.move(b1.id, "done", actor="runner", receipt="TX-1")
    why = str(_why_not(store, tmp_path, second, "b2"))
    assert why.startswith("the gate now holds it:") and "paid" in why, why


def test_the_recorded_policy_decides_when_the_file_was_relaxed(
    store: Store, tmp_path: Path
) -> None:
    """The file's [duplicates] switched off after load: the recorded policy still has it."""
    second = _run(store, tmp_path, {"a2": LINES["small"]}, batch="B2")
    first = _run(store, tmp_path, {"a1": LINES["small"]}, batch="B1")  # held at load: a copy
    _policy(tmp_path, POLICY.replace("[duplicates]", "[duplicates]\nenabled = false"))
    one = _items(store, first)["a1"]
    approve(store, one.id, by=BOB, key=_key(tmp_path))
    store.move(one.id, "in_flight", actor="runner")
    store.move(one.id, "done", actor="runner", receipt="TX-1")
    why = str(_why_not(store, tmp_path, second, "a2"))
    assert why.startswith("the gate now holds it:") and "paid" in why, why


@pytest.mark.parametrize("other", ["coreplus", ""])
def test_a_run_sent_to_another_console_pays_nothing(
    store: Store, tmp_path: Path, other: str
) -> None:
    """The run's console is sealed: editing it (or blanking it) holds every line."""
    _policy(tmp_path)
    flow = Lines(LINES)
    flow.console = "corebank"
    run_id = submit(
        _settings(tmp_path), store, flow, flow.load(tmp_path / "x"), submitted_by="maker"
    )
    assert store.run(run_id).console == "corebank"
    assert _why_not(store, tmp_path, run_id, "small") is None
    with store.engine.begin() as connection:
        connection.execute(update(Run).where(Run.id == run_id).values(console=other))
    why = _why_not(store, tmp_path, run_id, "small")
    assert why is not None and why.startswith("seal does not match"), why
