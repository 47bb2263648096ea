"""The daily loss-handling workbook: outcomes, freeze times, stages, and text that stays text."""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from reports.loss_handling import (
    LossFigures,
    TicketOutcome,
    loss_figures,
    percentile,
    seconds_to_freeze,
    write_loss_report,
)
from teller.excel import file_sha256
from teller.integrity import ChainHead, public_key, read_manifest

DAY = date(2026, 11, 28)
GENERATED = datetime(2026, 11, 28, 18, 0, 0)
INJECTION = '=HYPERLINK("http://x","y")'
ID_NUMBER = "110101199003071234"  # a full ID number that must never reach the workbook
EVIDENCE = "evidence/run-3/LR-20261128-0006/attempt-3"


def _at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, 28, hh, mm, ss)


def _ticket(n: int, reported_at: datetime, **changes: Any) -> TicketOutcome:
    ticket = TicketOutcome(
        ticket_id=f"LR-20261128-{n:04d}",
        kind="loss",
        channel="phone",
        customer=f"客户{n}",
        card=f"****{1000 + n}",
        state="done",
        reported_at=reported_at,
        verified_at=None,
        frozen_at=None,
        frozen_by_teller=False,
        freeze_ref=None,
        account_frozen_at=None,
        replacement_at=None,
        replacement_ref=None,
        unfrozen_at=None,
        closed_at=None,
        handed_over=False,
        reason=None,
        evidence=None,
    )
    return replace(ticket, **changes)


def _frozen(at: datetime, n: int) -> dict[str, Any]:
    return {"frozen_at": at, "frozen_by_teller": True, "freeze_ref": f"FRZ-{n:04d}"}


@pytest.fixture
def tickets() -> list[TicketOutcome]:
    """Nine tickets, one per case the report tells apart, not in report order."""
    return [
        # 7: waiting for an approval after Teller froze the card (600 s).
        _ticket(
            7,
            _at(11, 30),
            channel="branch",
            state="needs_approval",
            verified_at=_at(11, 30, 30),
            **_frozen(_at(11, 40), 7),
            reason="account freeze waits for a second approval",
        ),
        # 1: closed with a replacement card (90 s).
        _ticket(
            1,
            _at(9, 0),
            verified_at=_at(9, 0, 40),
            **_frozen(_at(9, 1, 30), 1),
            replacement_at=_at(9, 2, 10),
            replacement_ref="RPL-0001",
            closed_at=_at(9, 3),
        ),
        # 2: closed without a replacement (120 s).
        _ticket(
            2,
            _at(9, 10),
            channel="app",
            verified_at=_at(9, 10, 20),
            **_frozen(_at(9, 12), 2),
            closed_at=_at(9, 13),
        ),
        # 3: the account frozen too (300 s).
        _ticket(
            3,
            _at(10, 0),
            channel="branch",
            verified_at=_at(10, 0, 30),
            **_frozen(_at(10, 5), 3),
            account_frozen_at=_at(10, 5, 30),
            closed_at=_at(10, 6),
        ),
        # 4: a clerk froze the card at 08:15, before the customer reported at 10:30.
        _ticket(
            4,
            _at(10, 30),
            channel="web",
            verified_at=_at(10, 30, 30),
            frozen_at=_at(8, 15),
            freeze_ref="FRZ-CLERK",
            closed_at=_at(10, 31),
        ),
        # 5: handed over on an identity mismatch; a hostile name.
        _ticket(
            5,
            _at(10, 45),
            customer=INJECTION,
            card="",
            state="failed_business",
            handed_over=True,
            reason=f"identity mismatch: ID {ID_NUMBER} is not the card holder's",
        ),
        # 6: failed after its retries, with evidence.
        _ticket(
            6,
            _at(11, 0),
            channel="app",
            state="failed_system",
            verified_at=_at(11, 0, 20),
            reason="cardadmin did not answer",
            evidence=EVIDENCE,
        ),
        # 8: an unfreeze, card unfrozen, ticket not closed yet.
        _ticket(8, _at(12, 0), kind="unfreeze", state="in_flight", unfrozen_at=_at(12, 2)),
        # 9: an unfreeze, closed.
        _ticket(
            9,
            _at(12, 30),
            kind="unfreeze",
            channel="branch",
            verified_at=_at(12, 30, 15),
            unfrozen_at=_at(12, 31),
            closed_at=_at(12, 32),
        ),
    ]


EXPECTED = LossFigures(
    tickets=9,
    closed=5,
    handed_over=1,
    failed=1,
    waiting=2,
    frozen_by_teller=4,
    # measured: 90, 120, 300, 600; median rank 1.5, p95 rank 2.85
    median_seconds=Decimal("210.0"),
    p95_seconds=Decimal("555.0"),
)


@pytest.fixture
def report(tmp_path: Path, tickets: list[TicketOutcome]) -> tuple[Path, LossFigures]:
    """The day's workbook and the figures the writer returned."""
    path = tmp_path / "loss-2026-11-28.xlsx"
    return path, write_loss_report(path, day=DAY, generated_at=GENERATED, tickets=tickets)


def _by_label(ws: Worksheet) -> dict[str, object]:
    return {row[0]: row[1] for row in ws.iter_rows(max_col=2, values_only=True) if row[0]}


def _table(ws: Worksheet) -> list[dict[str, object]]:
    header, *rows = ws.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _reference(values: list[int], pct: int) -> Decimal:
    # The textbook definition over fractions, rounded half up by hand: no Decimal tricks.
    ordered = sorted(values)
    rank = Fraction((len(ordered) - 1) * pct, 100)
    low = ordered[int(rank)]
    high = ordered[min(int(rank) + 1, len(ordered) - 1)]
    exact = low + (high - low) * (rank - int(rank))
    tenths = (exact * 10 + Fraction(1, 2)).__floor__()
    return Decimal(tenths) / 10


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([10, 20, 30, 40], 50, "25.0"),
        ([10, 20, 30, 40], 95, "38.5"),
        ([40, 10, 30, 20], 95, "38.5"),  # sorted first
        ([3, 1, 2], 50, "2.0"),
        ([7], 95, "7.0"),
        ([10, 20, 30, 40], 0, "10.0"),
        ([10, 20, 30, 40], 100, "40.0"),
        ([1, 2], 33, "1.3"),
        ([0, 1], 5, "0.1"),  # 0.05 rounds half up, not to even
        ([0, 1], 25, "0.3"),
    ],
)
def test_percentile_by_hand(values: list[int], pct: int, expected: str) -> None:
    result = percentile(values, pct)
    assert result == Decimal(expected)
    assert isinstance(result, Decimal) and str(result) == expected


def test_percentile_matches_the_definition() -> None:
    rng = random.Random(20261128)
    for _ in range(300):
        values = [rng.randrange(0, 5000) for _ in range(rng.randrange(1, 40))]
        pct = rng.randrange(0, 101)
        assert percentile(values, pct) == _reference(values, pct), (values, pct)


def test_percentile_of_nothing_and_out_of_range() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1, 2], 101)
    with pytest.raises(ValueError):
        percentile([1, 2], -1)


def test_seconds_to_freeze_only_for_teller_freezes(tickets: list[TicketOutcome]) -> None:
    by_id = {t.ticket_id[-1]: t for t in tickets}
    measured = {n: seconds_to_freeze(t) for n, t in by_id.items()}
    assert measured == {
        "1": 90,
        "2": 120,
        "3": 300,
        "4": None,  # frozen before the report
        "5": None,
        "6": None,
        "7": 600,
        "8": None,
        "9": None,
    }
    fraction = replace(by_id["1"], frozen_at=_at(9, 1, 30) + timedelta(microseconds=999_999))
    assert seconds_to_freeze(fraction) == 90
    # An unfreeze ticket has no report-to-freeze time even if the flow set a freeze on it.
    assert seconds_to_freeze(replace(by_id["1"], kind="unfreeze")) is None
    assert seconds_to_freeze(replace(by_id["1"], frozen_at=None)) is None


def test_outcomes_add_up(tickets: list[TicketOutcome]) -> None:
    figures = loss_figures(tickets)
    assert figures == EXPECTED
    assert figures.closed + figures.handed_over + figures.failed + figures.waiting == 9
    # A hand-over counts as one whatever its state; a rejection counts as failed.
    more = [
        replace(tickets[1], handed_over=True),
        replace(tickets[2], state="rejected"),
        replace(tickets[3], state="needs_review"),
    ]
    assert loss_figures(more) == LossFigures(3, 0, 1, 2, 0, 3, Decimal("120.0"), Decimal("282.0"))


def test_writer_returns_the_figures(report: tuple[Path, LossFigures]) -> None:
    _, figures = report
    assert figures == EXPECTED


def test_summary_sheet(report: tuple[Path, LossFigures]) -> None:
    path, _ = report
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Tickets", "Exceptions"]
    ws = wb["Summary"]
    summary = _by_label(ws)
    assert summary["Day"] == datetime(2026, 11, 28)
    assert summary["Generated at"] == GENERATED
    counts = [summary[k] for k in ("Tickets", "Closed", "Handed over", "Failed", "Waiting")]
    assert counts == [9, 5, 1, 1, 2]
    assert summary["Frozen by Teller"] == 4
    median_label, p95_label = (
        "Median seconds, report to freeze",
        "95th percentile seconds, report to freeze",
    )
    assert summary[median_label] == 210 and summary[p95_label] == 555
    for row in ws.iter_rows(max_col=2):
        if row[0].value in (median_label, p95_label):
            assert row[1].data_type == "n" and row[1].number_format == "0.0"
    note = str(summary["Note"])
    assert "Asia/Shanghai" in note and "frozen before the report" in note

    header = next(r[0].row for r in ws.iter_rows(max_col=1) if r[0].value == "Outcome")
    assert [c.value for c in ws[header]][:2] == ["Outcome", "Tickets"]
    rows = ws.iter_rows(min_row=header + 1, max_col=2, values_only=True)
    outcomes = dict(takewhile(lambda row: row[0], rows))
    assert outcomes == {"closed": 5, "handed over": 1, "failed": 1, "waiting": 2}
    assert len(ws._charts) == 1


def test_tickets_sheet(report: tuple[Path, LossFigures]) -> None:
    path, _ = report
    ws = load_workbook(path)["Tickets"]
    rows = _table(ws)
    assert [row["Ticket id"] for row in rows] == [f"LR-20261128-{n:04d}" for n in range(1, 10)]
    by_n = {int(str(row["Ticket id"])[-4:]): row for row in rows}
    first = by_n[1]
    assert first == {
        "Ticket id": "LR-20261128-0001",
        "Kind": "loss",
        "Channel": "phone",
        "Customer": "客户1",
        "Card": "****1001",
        "Reported at": _at(9, 0),
        "Verified at": _at(9, 0, 40),
        "Frozen at": _at(9, 1, 30),
        "Frozen by": "Teller",
        "Freeze ref": "FRZ-0001",
        "Account frozen at": None,
        "Replacement ordered at": _at(9, 2, 10),
        "Replacement ref": "RPL-0001",
        "Unfrozen at": None,
        "Closed at": _at(9, 3),
        "Seconds to freeze": 90,
        "Stage": "closed",
        "State": "done",
        "Reason": None,
    }
    assert ws["F2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert by_n[3]["Account frozen at"] == _at(10, 5, 30)
    assert by_n[4]["Frozen by"] == "before the report" and by_n[4]["Seconds to freeze"] is None
    assert by_n[5]["Card"] is None and by_n[5]["Frozen by"] is None
    assert by_n[5]["Reason"] == "identity mismatch: ID ****1234 is not the card holder's"
    assert [row["Seconds to freeze"] for row in rows] == [
        90,
        120,
        300,
        None,
        None,
        None,
        600,
        None,
        None,
    ]
    stages = [row["Stage"] for row in rows]
    assert stages == [
        "closed",
        "closed",
        "closed",
        "closed",
        "handed over",
        "verified",
        "frozen",
        "unfrozen",
        "closed",
    ]
    assert by_n[8]["Unfrozen at"] == _at(12, 2) and by_n[8]["Kind"] == "unfreeze"


def test_stage_before_any_console_step(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    only = _ticket(1, _at(9, 0), state="needs_approval")
    write_loss_report(path, day=DAY, generated_at=GENERATED, tickets=[only])
    (row,) = _table(load_workbook(path)["Tickets"])
    assert row["Stage"] == "received"


def test_exceptions_sheet(report: tuple[Path, LossFigures]) -> None:
    path, _ = report
    rows = _table(load_workbook(path)["Exceptions"])
    found = [(row["Ticket id"], row["Issue"], row["State"]) for row in rows]
    assert found == [
        ("LR-20261128-0005", "handed over", "failed_business"),
        ("LR-20261128-0006", "failed", "failed_system"),
        ("LR-20261128-0007", "waiting", "needs_approval"),
        ("LR-20261128-0008", "waiting", "in_flight"),
    ]
    failed = rows[1]
    assert failed["Reason"] == "cardadmin did not answer"
    assert failed["Evidence"] == EVIDENCE and failed["Stage"] == "verified"
    assert rows[0]["Reason"] == "identity mismatch: ID ****1234 is not the card holder's"
    assert rows[0]["Reported at"] == _at(10, 45)


def test_hostile_name_lands_as_plain_text(report: tuple[Path, LossFigures]) -> None:
    path, _ = report
    wb = load_workbook(path)
    for title in ("Tickets", "Exceptions"):
        cell = next(r[3] for r in wb[title].iter_rows(min_row=2) if r[0].value.endswith("0005"))
        assert cell.value == INJECTION
        assert cell.data_type == "s"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", archive.read(name).decode()), name


def test_no_full_id_or_card_number_anywhere(tmp_path: Path, tickets: list[TicketOutcome]) -> None:
    card = "6222020200110007"
    leaky = [replace(tickets[0], card=card), *tickets[1:]]
    path = tmp_path / "r.xlsx"
    write_loss_report(path, day=DAY, generated_at=GENERATED, tickets=leaky)
    with zipfile.ZipFile(path) as archive:
        text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    assert ID_NUMBER not in text and card not in text
    assert not re.search(r"\d{12,}", text)
    assert "****0007" in text


def test_aware_generated_at_is_shown_in_console_time(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_loss_report(
        path, day=DAY, generated_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC), tickets=[]
    )
    assert _by_label(load_workbook(path)["Summary"])["Generated at"] == _at(18, 0)


def test_manifest_and_protection(report: tuple[Path, LossFigures]) -> None:
    path, _ = report
    manifest = path.with_name(path.name + ".sha256").read_text("utf-8")
    assert manifest == f"{file_sha256(path)}  {path.name}\n"
    wb = load_workbook(path)
    for title, last in (("Tickets", "S10"), ("Exceptions", "K5")):
        assert wb[title].freeze_panes == "A2" and wb[title].auto_filter.ref == f"A1:{last}"
        assert wb[title].protection.sheet
    assert wb["Summary"].protection.sheet


def test_empty_day(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    figures = write_loss_report(path, day=DAY, generated_at=GENERATED, tickets=[])
    assert figures == LossFigures(0, 0, 0, 0, 0, 0, None, None)
    wb = load_workbook(path)
    assert wb["Tickets"].max_row == 1 and wb["Exceptions"].max_row == 1
    summary = _by_label(wb["Summary"])
    assert summary["Tickets"] == 0
    assert summary["Median seconds, report to freeze"] is None


def test_rounding_is_exact_not_float() -> None:
    # 0.15 and 0.35 are not exact in binary: a float round-trip would round some of them down.
    for low in range(0, 50):
        values = [low, low + 1]
        for pct in (15, 35, 45, 65, 85):
            exact = Decimal(low) + Decimal(pct) / 100
            assert percentile(values, pct) == exact.quantize(Decimal("0.1"), ROUND_HALF_UP)


def test_the_loss_report_names_the_audit_head_it_saw(tmp_path: Path) -> None:
    path = tmp_path / "loss.xlsx"
    head = ChainHead(77, "ab" * 32)
    key = b"report-test-audit-key-0123456789"
    write_loss_report(
        path,
        day=DAY,
        generated_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        tickets=[],
        head=head,
        key=key,
    )
    summary = _by_label(load_workbook(path)["Summary"])
    assert summary["Audit head seen (record)"] == 77 and summary["Audit head MAC"] == "ab" * 32
    manifest = read_manifest(path, trusted=public_key(key))
    assert manifest.ok and manifest.head == head
