"""The gate's history as a run builds it from the store: dated by the day each line was
paid, never by the pay date its input wrote."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import update

from teller.flow import Batch, NewItem
from teller.gate import Gate, GateLine, Policy
from teller.runs import gate_for, start_run
from teller.settings import Settings
from teller.store import Item, Store, now
from tests.teller.test_runner import ScriptedFlow, seal_key

ACCOUNT = "6222021234567890128"
WRITTEN = "2020-01-31"  # the pay date the input wrote, long ago


class DatedFlow(ScriptedFlow):
    """Two lines to one account under a pay date years old."""

    name = "dated"

    def load(self, path: Path) -> Batch:
        items = [
            NewItem(
                seq=n,
                key=f"OLD:{party}",
                amount=Decimal("20000.00"),
                payload={"party": party, "account": ACCOUNT, "name": "王芳"},
            )
            for n, party in enumerate(("E1", "E2"), start=1)
        ]
        return Batch("OLD", str(path), "0" * 64, items, {"day": WRITTEN})


def test_history_is_dated_by_the_day_paid(store: Store, tmp_path: Path) -> None:
    flow = DatedFlow({})
    run_id = start_run(
        store,
        flow,
        flow.load(tmp_path / "x"),
        Gate(Policy()),
        submitted_by="m",
        key=seal_key(tmp_path),
    )
    with store.engine.begin() as connection:  # as the runner leaves them once paid
        connection.execute(
            update(Item).where(Item.run_id == run_id).values(state="done", updated_at=now())
        )

    gate = gate_for(Settings(project=tmp_path, mode="sandbox"), store, flow)

    today = now().replace(tzinfo=UTC).astimezone().date()
    assert gate.history.paid_on(ACCOUNT, today) == Decimal("40000.00")
    assert gate.history.paid_on(ACCOUNT, date.fromisoformat(WRITTEN)) == Decimal(0)
    # so a cap weighs today's payments, whatever date the next input writes
    capped = Gate(
        Policy.model_validate({"daily_cap": {"per_beneficiary": "50000.00"}}),
        history=gate.history,
    )
    line = GateLine("NEW:E3", Decimal("10000.01"), "E3", ACCOUNT, "王芳", date(2030, 1, 1))
    assert [r.rule for r in capped.decide([line], today=today)[0].rules] == ["daily_cap"]


class PayFlow(ScriptedFlow):
    """One line of 12,000.00 (plus ``cents``) to ACCOUNT, in batch ``batch_id``."""

    name = "dated"

    def __init__(self, batch_id: str, cents: str = "0.00") -> None:
        super().__init__({})
        self.batch_id, self.cents = batch_id, Decimal(cents)

    def load(self, path: Path) -> Batch:
        item = NewItem(
            seq=1,
            key=f"{self.batch_id}:E1",
            amount=Decimal("12000.00") + self.cents,
            payload={"party": "E1", "account": ACCOUNT, "name": "王芳"},
        )
        return Batch(self.batch_id, str(path), "0" * 64, [item], {"day": WRITTEN})


def test_a_second_batch_loaded_before_the_first_is_paid_is_held(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "dated.toml").write_text(
        "[duplicates]\nlookback_days = 20\ntolerance = '1.00'\n", encoding="utf-8"
    )
    settings = Settings(project=tmp_path, mode="sandbox")
    first, again = PayFlow("NOV"), PayFlow("NOV-AGAIN", cents="0.01")

    one = start_run(store, first, first.load(tmp_path / "a"), gate_for(settings, store, first),
                    submitted_by="m", key=seal_key(tmp_path))  # fmt: skip
    two = start_run(store, again, again.load(tmp_path / "b"), gate_for(settings, store, again),
                    submitted_by="m", key=seal_key(tmp_path))  # fmt: skip

    [original], [repeat] = store.items(one), store.items(two)
    assert original.state == "auto_approved"  # approved, not yet paid
    assert repeat.state == "needs_approval"
    assert [r["rule"] for r in repeat.rules] == ["duplicate_paid"]
    assert repeat.rules[0]["figures"]["pending"] == "yes"
    # asked again right before paying, the first is not held for the repeat loaded after it
    gate = gate_for(settings, store, first)
    line = first.gate_line(original.key, original.amount, original.payload, {"day": WRITTEN})
    assert gate.decide([line])[0].outcome == "auto_approved"
