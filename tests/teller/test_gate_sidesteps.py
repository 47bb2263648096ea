"""Rules a workbook cannot sidestep: each class of attack of issue 16 (point 3) against a Gate.

Every test builds a Gate over a History of what was paid and decides the attacker's
line; the variants are the ways a red team can reword the same payment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from teller.gate import Decision, Gate, GateLine, History, PaidLine, Policy

DAY = date(2026, 11, 28)  # the posting day: the day the gate runs
ACCOUNT = "6222021234567890128"
OTHER = "6217001234567890122"


def line(amount: str = "12000.00", **changes: Any) -> GateLine:
    base = GateLine("PAY-2:E00042", Decimal(amount), "E00042", ACCOUNT, "王芳", DAY)
    return replace(base, **changes)


def paid(
    amount: str = "12000.00",
    *,
    day: date = DAY,
    account: str = ACCOUNT,
    party: str = "E00042",
    n: int = 0,
) -> PaidLine:
    return PaidLine(f"PAY-1-{n}:{party}", party, account, Decimal(amount), day)


def decide(
    policy: dict[str, Any],
    lines: Sequence[GateLine],
    *,
    history: Sequence[PaidLine] = (),
    today: date = DAY,
) -> list[Decision]:
    gate = Gate(Policy.model_validate(policy), history=History(history), today=today)
    return gate.decide(lines)


def fired(decision: Decision) -> list[str]:
    return [r.rule for r in decision.rules]


# --- near-duplicates across batches ---------------------------------------------------------

NEAR = {"duplicates": {"lookback_days": 20, "tolerance": "1.00", "tolerance_pct": 0}}


@pytest.mark.parametrize(
    "variant",
    [
        {"amount": Decimal("12000.01")},  # a cent more
        {"amount": Decimal("11999.99")},  # a cent less
        {"amount": Decimal("12001.00")},  # exactly the tolerance away
        {"key": "PAY-NEW:E00042"},  # a new batch id
        {"party": "E99999"},  # another employee id, the same account
        {"account": "6222 0212-3456 7890 128"},  # the account spaced and dashed
        {"account": "6222\u200b021234567890128"},  # with a zero-width space
        {"account": "６２２２０２１２３４５６７８９０１２８"},  # fullwidth digits
        {"day": date(2027, 3, 1)},  # a pay date written far from the posting day
    ],
)
def test_a_near_duplicate_of_a_paid_line_is_held(variant: dict[str, Any]) -> None:
    history = [paid(day=DAY - timedelta(days=3))]
    [decision] = decide(NEAR, [line(**variant)], history=history)
    assert decision.outcome == "needs_approval"
    assert "duplicate_paid" in fired(decision)
    figures = next(r for r in decision.rules if r.rule == "duplicate_paid").figures
    assert figures["paid_key"] == "PAY-1-0:E00042" and figures["other_amount"] == "12000.00"
    assert ACCOUNT not in str(decision)  # the account is masked


@pytest.mark.parametrize(
    ("amount", "held"), [("12001.00", True), ("12001.01", False), ("10998.99", False)]
)
def test_the_absolute_tolerance_is_a_boundary(amount: str, held: bool) -> None:
    history = [paid(day=DAY - timedelta(days=1))]
    [decision] = decide(NEAR, [line(amount)], history=history)
    assert ("duplicate_paid" in fired(decision)) is held


@pytest.mark.parametrize(
    ("amount", "held"),
    [("12631.57", True), ("12631.58", False), ("11400.00", True), ("11399.99", False)],
)
def test_the_percent_tolerance_is_of_the_larger_amount(amount: str, held: bool) -> None:
    # 5% of the larger amount: 631.57 is within 5% of 12,631.57, 631.58 not of 12,631.58;
    # 600.00 is 5% of 12,000.00 exactly
    policy = {"duplicates": {"lookback_days": 20, "tolerance_pct": 5}}
    [decision] = decide(policy, [line(amount)], history=[paid(day=DAY - timedelta(days=1))])
    assert ("duplicate_paid" in fired(decision)) is held


def test_near_duplicates_in_one_batch_are_held() -> None:
    lines = [
        line(key="B:E1", party="E1"),
        line("12000.01", key="B:E2", party="E2"),
        line("12000.00", key="B:E3", party="E3", account=OTHER),
    ]
    decisions = decide(NEAR, lines)
    assert "duplicate_in_batch" in fired(decisions[1])
    assert decisions[1].rules[0].figures["earlier_key"] == "B:E1"
    assert "duplicate_in_batch" not in fired(decisions[2])


@pytest.mark.parametrize(
    ("paid_day", "same_month", "held"),
    [
        (date(2026, 11, 2), True, True),  # 26 days back, same calendar month
        (date(2026, 11, 2), False, False),  # outside 20 days, and the month is not asked
        (date(2026, 10, 31), True, False),  # last month, 28 days back
        (date(2026, 11, 8), False, True),  # 20 days back: the lookback's last day
    ],
)
def test_the_period_is_the_month_or_the_lookback(
    paid_day: date, same_month: bool, held: bool
) -> None:
    policy = {"duplicates": {"lookback_days": 20, "same_month": same_month, "tolerance": "1.00"}}
    [decision] = decide(policy, [line("12000.01")], history=[paid(day=paid_day)])
    assert ("duplicate_paid" in fired(decision)) is held


def test_the_period_crosses_a_month_end() -> None:
    policy = {"duplicates": {"lookback_days": 20, "same_month": True, "tolerance": "1.00"}}
    history = [paid(day=date(2026, 11, 29))]
    [decision] = decide(policy, [line("12000.01")], history=history, today=date(2026, 12, 2))
    assert "duplicate_paid" in fired(decision)


def test_a_monthly_salary_is_not_a_duplicate_of_last_month() -> None:
    # the shipped policy's period: 20 days or the month; last month's pay is neither
    policy = {"duplicates": {"lookback_days": 20, "same_month": True, "tolerance_pct": 5}}
    [decision] = decide(policy, [line()], history=[paid(day=date(2026, 10, 28))])
    assert decision.outcome == "auto_approved"


# --- caps on the posting day ----------------------------------------------------------------

CAP = {"daily_cap": {"per_beneficiary": "30000.00"}}


@pytest.mark.parametrize("written", [DAY, DAY + timedelta(days=9), date(2020, 1, 1)])
def test_the_cap_counts_what_was_paid_on_the_posting_day(written: date) -> None:
    history = [paid("20000.00", day=DAY)]  # paid today, in another batch
    [decision] = decide(CAP, [line("10000.01", day=written)], history=history)
    assert fired(decision) == ["daily_cap"]
    assert decision.rules[0].figures["day"] == DAY.isoformat()
    assert decision.rules[0].figures["paid_that_day"] == "20000.00"


def test_the_cap_ignores_what_was_paid_on_the_written_day() -> None:
    written = DAY + timedelta(days=5)
    history = [paid("20000.00", day=written)]  # not today: it does not count today
    [decision] = decide(CAP, [line("10000.01", day=written)], history=history)
    assert "daily_cap" not in fired(decision)


def test_the_gate_counts_from_the_day_it_is_asked() -> None:
    today = date.today()
    history = History([paid("20000.00", day=today)])
    gate = Gate(Policy.model_validate(CAP), history=history)  # no today: the machine's date
    [decision] = gate.decide([line("10000.01", day=date(2020, 1, 1))])
    assert fired(decision) == ["daily_cap"] and decision.rules[0].figures["day"] == str(today)
    # a caller re-running the gate on another day passes that day
    [later] = gate.decide([line("10000.01")], today=today + timedelta(days=1))
    assert later.outcome == "auto_approved"


PAY_DATE = {"pay_date": {"max_days_before": 3, "max_days_after": 5}}


@pytest.mark.parametrize(
    ("offset", "held"), [(-3, False), (-4, True), (5, False), (6, True), (-400, True)]
)
def test_a_pay_date_far_from_today_is_held(offset: int, held: bool) -> None:
    [decision] = decide(PAY_DATE, [line(day=DAY + timedelta(days=offset))])
    assert fired(decision) == (["pay_date"] if held else [])
    if held:
        assert decision.rules[0].figures["days_apart"] == str(offset)
        assert decision.rules[0].figures["today"] == DAY.isoformat()


def test_a_pay_date_far_from_today_can_be_rejected() -> None:
    policy = {"pay_date": {"max_days_after": 0, "action": "reject"}}
    [decision] = decide(policy, [line(day=DAY + timedelta(days=1))])
    assert decision.outcome == "rejected" and fired(decision) == ["pay_date"]


# --- new account and anomaly keyed on the account --------------------------------------------

ANOMALY = {"anomaly": {"max_deviation_pct": 50, "last_lines": 6, "min_history": 3}}


def usual(party: str = "E00042", account: str = ACCOUNT) -> list[PaidLine]:
    """Three months of pay of about 10,000.00 to ``account`` for ``party``."""
    return [
        paid(a, day=DAY - timedelta(days=31 * (3 - i)), account=account, party=party, n=i)
        for i, a in enumerate(("9000.00", "10000.00", "11000.00"))
    ]


@pytest.mark.parametrize("party", ["E99999", "NEWHIRE-1", "E00043"])
def test_a_fresh_id_paying_a_known_account_is_held(party: str) -> None:
    [decision] = decide(ANOMALY, [line("10000.00", party=party)], history=usual())
    assert fired(decision) == ["shared_account"]
    assert decision.rules[0].figures["other_parties"] == "E00042"


def test_a_known_employee_paid_into_anothers_account_is_held() -> None:
    history = [*usual(), *usual("E00007", OTHER)]
    [decision] = decide(ANOMALY, [line("10000.00", account=OTHER)], history=history)
    assert set(fired(decision)) == {"shared_account", "new_account"}


def test_an_account_shared_in_one_batch_is_held() -> None:
    lines = [line("8000.00", party="E1", key="B:E1"), line("5000.00", party="E2", key="B:E2")]
    first, second = decide(ANOMALY, lines)
    assert fired(first) == [] and fired(second) == ["shared_account"]


@pytest.mark.parametrize("party", ["e00042", "Ｅ00042", " E00042", "E00042\u200b"])
def test_another_spelling_of_a_known_id_is_that_employee(party: str) -> None:
    # a new account for E00042, however the id is written, is E00042's new account
    [decision] = decide(ANOMALY, [line("10000.00", party=party, account=OTHER)], history=usual())
    assert fired(decision) == ["new_account"]


@pytest.mark.parametrize("party", ["E0OO42", "E-00042", "EOOO42", "E000042", "E0O04Z"])
def test_an_id_that_looks_like_a_known_one_is_held(party: str) -> None:
    [decision] = decide(ANOMALY, [line("10000.00", party=party, account=OTHER)], history=usual())
    assert "lookalike_party" in fired(decision)
    assert (
        "E00042" in decision.rules[fired(decision).index("lookalike_party")].figures["looks_like"]
    )


def test_look_alike_ids_in_one_batch_are_held() -> None:
    lines = [line(party="E00042", key="B:1"), line(party="E0OO42", key="B:2", account=OTHER)]
    first, second = decide(ANOMALY, lines)
    assert fired(first) == [] and fired(second) == ["lookalike_party"]


def test_an_amount_far_from_the_accounts_usual_is_held_whatever_the_id() -> None:
    # a fresh id: no party history to compare with, but the account has one
    [decision] = decide(ANOMALY, [line("30000.00", party="E99999")], history=usual())
    assert set(fired(decision)) == {"shared_account", "anomaly_amount"}
    rule = decision.rules[fired(decision).index("anomaly_amount")]
    assert rule.figures["basis"] == "account" and rule.figures["median"] == "10000.00"


def test_a_stranger_is_held_only_when_the_policy_asks() -> None:
    stranger = line("10000.00", party="E77777", account=OTHER)
    [quiet] = decide(ANOMALY, [stranger], history=usual())
    assert quiet.outcome == "auto_approved"
    policy = {"anomaly": {**ANOMALY["anomaly"], "new_payee": True}}
    [held] = decide(policy, [stranger, line("10000.00")], history=usual())[:1]
    assert fired(held) == ["new_payee"]
    [known] = decide(policy, [line("10000.00")], history=usual())
    assert known.outcome == "auto_approved"


# --- the watchlist on a normalised form -------------------------------------------------------


@pytest.fixture
def listed(tmp_path: Path) -> Path:
    (tmp_path / "watchlist.csv").write_text(
        "name,account,note\nZHANG Wei,,sanctions list\n张卫国,,fraud alert\n"
        f",{OTHER},mule account\n",
        encoding="utf-8",
    )
    return tmp_path


def screen(folder: Path, lines: Sequence[GateLine]) -> list[Decision]:
    policy = Policy.model_validate({"watchlist": {"name_threshold": 90}})
    return Gate(policy, policy_dir=folder, today=DAY).decide(lines)


@pytest.mark.parametrize(
    "name",
    [
        "ZНANG Wеi",  # Cyrillic Н and е
        "ΖΗΑΝG Wei",  # Greek capitals
        "ZHA\u200bNG Wei",  # a zero-width space inside a word
        "ZHANG\u00adWei",  # a soft hyphen between the words
        "ZHANG \u202eWei",  # a bidi override
        "ＺＨＡＮＧ　Ｗｅｉ",  # fullwidth letters and space
        "Z H A N G  W E I",  # spaced out
        "ZhangWei",  # run together
        "WeiZhang",  # run together, the other order
        "Zhang-Wei.",  # punctuation
        "張衛國",  # traditional characters for the simplified entry
        "张\u200d卫\ufeff国",  # zero-width joiner and BOM between the characters
    ],
)
def test_a_listed_name_is_found_however_it_is_written(listed: Path, name: str) -> None:
    [decision] = screen(listed, [line(name=name)])
    assert fired(decision) == ["watchlist_name"], name
    assert decision.rules[0].figures["score"] == "100"


@pytest.mark.parametrize(
    "account",
    [
        OTHER,
        "6217-0012 3456-7890-122",
        "6217\u200b0012\u200c34567890122",
        "６２１７００１２３４５６７８９０１２２",
        "\u202d6217001234567890122\u202c",
    ],
)
def test_a_listed_account_is_found_however_it_is_written(listed: Path, account: str) -> None:
    [decision] = screen(listed, [line(account=account)])
    assert decision.outcome == "rejected" and fired(decision) == ["watchlist_account"]


def test_an_unlisted_name_still_passes(listed: Path) -> None:
    decisions = screen(listed, [line(name="王芳"), line(name="ZHAO Lei"), line(name="张伟")])
    assert [d.outcome for d in decisions] == ["auto_approved"] * 3


def test_items_that_pay_no_account_share_none() -> None:
    # a card freeze has no beneficiary account: its parties are not one account's
    lines = [line(party="T-1", key="T-1", account=""), line(party="T-2", key="T-2", account="")]
    history = [paid(account="", party="T-0")]
    policy = {"anomaly": {**ANOMALY["anomaly"], "new_payee": True}}
    assert [d.outcome for d in decide(policy, lines, history=history)] == ["auto_approved"] * 2


# --- lines on their way (loaded, not yet paid) -------------------------------------------------


def pending(key: str, order: int, amount: str = "12000.00") -> PaidLine:
    party = key.split(":")[1]
    return PaidLine(key, party, ACCOUNT, Decimal(amount), DAY, pending=True, order=order)


def test_a_near_duplicate_of_a_line_on_its_way_is_held() -> None:
    # batch A is loaded and approved, not yet paid; batch B repeats it a cent off
    history = [pending("A:E00042", 5)]
    [decision] = decide(NEAR, [line("12000.01", key="B:E00042")], history=history)
    assert fired(decision) == ["duplicate_paid"]
    assert decision.rules[0].figures["pending"] == "yes"
    assert "on its way" in decision.rules[0].detail


def test_the_earlier_of_two_lines_on_their_way_is_not_held_for_the_later() -> None:
    # asked again before paying, A is not a duplicate of B, loaded after it; B is of A
    history = [pending("A:E00042", 5), pending("B:E00042", 9, "12000.01")]
    [first] = decide(NEAR, [line(key="A:E00042")], history=history)
    [second] = decide(NEAR, [line("12000.01", key="B:E00042")], history=history)
    assert first.outcome == "auto_approved"
    assert fired(second) == ["duplicate_paid"]
    assert second.rules[0].figures["paid_key"] == "A:E00042"


@pytest.mark.parametrize(("amount", "held"), [("1000.00", False), ("1000.01", True)])
def test_lines_loaded_today_count_toward_the_cap(amount: str, held: bool) -> None:
    [decision] = decide(CAP, [line(amount)], history=[pending("A:E00007", 5, "29000.00")])
    assert fired(decision) == (["daily_cap"] if held else [])
    if held:
        assert decision.rules[0].figures["on_its_way"] == "29000.00"


def test_asked_again_a_line_is_capped_only_by_those_loaded_before_it() -> None:
    history = [pending("A:E00007", 5, "29000.00"), pending("Z:E00008", 9, "5000.00")]
    [first] = decide(CAP, [line("29000.00", key="A:E00007")], history=history)
    [later] = decide(CAP, [line("5000.00", key="Z:E00008")], history=history)
    assert first.outcome == "auto_approved"
    assert fired(later) == ["daily_cap"] and later.rules[0].figures["on_its_way"] == "29000.00"


def test_lines_on_their_way_count_for_no_party_rule() -> None:
    # they are not paid: no median, no known account or party comes from them
    history = [pending("A:E00007", 5, "2000.00")]
    [decision] = decide(ANOMALY, [line("2000.00", party="E00042")], history=history)
    assert decision.outcome == "auto_approved"
