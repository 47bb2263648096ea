"""The account-loss intake file: written once, read back through the same checks as any input."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from flows._loss_tickets import IntakeFile, TicketLine, read_intake, write_intake
from flows.account_loss import AccountLossFlow
from teller import InputError
from teller.settings import InputLimits

TAKEN = datetime(2026, 11, 28, 10, 15, 0)


def ticket(n: int, **changes: object) -> dict[str, object]:
    line = {
        "ticket_id": f"LR-20261128-{n:04d}",
        "kind": "loss",
        "reported_at": f"2026-11-28T10:{n:02d}:00",
        "channel": "phone",
        "customer_name": "王偉",
    }
    return {**line, **changes}


def write(tmp_path: Path, tickets: list[dict[str, object]]) -> Path:
    path = tmp_path / "intake.json"
    body = {"source": "servicedesk", "taken_at": TAKEN.isoformat(), "tickets": tickets}
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_intake_file_round_trips_and_loads_as_a_batch(tmp_path: Path) -> None:
    lines = [TicketLine.model_validate(ticket(n)) for n in (1, 2)]
    path = write_intake(tmp_path, IntakeFile(source="servicedesk", taken_at=TAKEN, tickets=lines))
    assert path.name == "sweep-20261128T101500000000.json"
    with pytest.raises(FileExistsError):  # an intake is never written over
        write_intake(tmp_path, IntakeFile(source="servicedesk", taken_at=TAKEN, tickets=lines))
    batch = AccountLossFlow().load(path)
    assert batch.batch_id == "sweep-20261128T101500000000"
    assert [(i.seq, i.key, i.amount) for i in batch.items] == [
        (1, "LR-20261128-0001", None),
        (2, "LR-20261128-0002", None),
    ]
    assert batch.items[0].payload == {
        "kind": "loss",
        "reported_at": "2026-11-28 10:01:00",
        "channel": "phone",
        "customer": "王偉",
    }
    line = AccountLossFlow().gate_line(
        batch.items[0].key, None, {**batch.items[0].payload, "kind": "unfreeze"}, batch.info
    )
    assert (line.kind, line.amount, str(line.day)) == ("unfreeze", 0, "2026-11-28")


def test_every_problem_is_named_by_row_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, [ticket(1), ticket(2, kind="stolen", channel="fax"), ticket(1)])
    with pytest.raises(InputError) as caught:
        read_intake(path)
    found = {(p.file, p.row, p.column, p.found) for p in caught.value.problems}
    assert found == {("intake.json", 2, "kind", "stolen"), ("intake.json", 2, "channel", "fax")}
    path = write(tmp_path, [ticket(1), ticket(1)])
    with pytest.raises(InputError, match="each ticket once.*LR-20261128-0001"):
        read_intake(path)


def test_a_file_that_is_not_json_is_refused_whole(tmp_path: Path) -> None:
    path = tmp_path / "intake.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="intake.json"):
        read_intake(path)


def test_an_intake_file_over_the_size_cap_is_refused_naming_the_cap(tmp_path: Path) -> None:
    path = write(tmp_path, [ticket(1), ticket(2)])
    size = path.stat().st_size
    with pytest.raises(InputError, match="intake.json: expected a file of at most .*max_file_mb"):
        read_intake(path, limits=InputLimits(max_file_mb=(size - 1) / 2**20))
    intake, _ = read_intake(path, limits=InputLimits(max_file_mb=size / 2**20))
    assert len(intake.tickets) == 2
