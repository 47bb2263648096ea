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
from tests.teller.test_runner import ScriptedFlow

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
    run_id = start_run(store, flow, flow.load(tmp_path / "x"), Gate(Policy()), submitted_by="m")
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
