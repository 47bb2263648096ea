"""The gate: every rule at its boundary, explained with figures, from a policy a bank can read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from teller import ConfigError
from teller.gate import (
    RULES,
    Decision,
    Gate,
    GateLine,
    History,
    PaidLine,
    Policy,
    load_policy,
)

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 28)
# Luhn-valid 19-digit accounts, as the sandbox's sample generator makes them
ACCOUNT = "6222021234567890128"
OTHER = "6217001234567890122"


def line(amount: str = "12000.00", **changes: Any) -> GateLine:
    base = GateLine("PAY-1:E00042", Decimal(amount), "E00042", ACCOUNT, "王芳", DAY)
    return replace(base, **changes)


def paid(
    amount: str, *, days_ago: int = 31, account: str = ACCOUNT, party: str = "E00042", n: int = 0
) -> PaidLine:
    key = f"OLD-{days_ago}-{n}:{party}"
    return PaidLine(key, party, account, Decimal(amount), DAY - timedelta(days=days_ago))


def monthly(*amounts: str) -> list[PaidLine]:
    """Earlier monthly pay of E00042, the most recent last."""
    count = len(amounts)
    return [paid(a, days_ago=31 * (count - i), n=i) for i, a in enumerate(amounts)]


def one(policy: Policy, item: GateLine, *, history: Sequence[PaidLine] = ()) -> Decision:
    return Gate(policy, history=History(history), today=DAY).decide([item])[0]


def fired(decision: Decision) -> list[str]:
    return [r.rule for r in decision.rules]


@pytest.fixture
def watchlist_dir(tmp_path: Path) -> Path:
    (tmp_path / "watchlist.csv").write_text(
        "name,account,note\n"
        "ZHANG Wei,,sanctions list\n"
        "张卫国,,fraud alert\n"
        "ZHANG Xiao,,test entry\n"
        f",{OTHER[:4]} {OTHER[4:]},mule account\n",
        encoding="utf-8",
    )
    return tmp_path


def screening(folder: Path, **rule: Any) -> Gate:
    return Gate(Policy.model_validate({"watchlist": rule}), policy_dir=folder, today=DAY)


# --- limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "outcome", "approvers"),
    [
        ("50000.00", "auto_approved", 0),
        ("50000.01", "needs_approval", 1),
        ("200000.00", "needs_approval", 1),
        ("200000.01", "needs_approval", 2),
        ("1000000.00", "needs_approval", 2),
        ("1000000.01", "rejected", 0),
    ],
)
def test_limits_at_their_boundaries(amount: str, outcome: str, approvers: int) -> None:
    policy = Policy(dual_limit=Decimal("200000.00"), reject_above=Decimal("1000000.00"))
    decision = one(policy, line(amount))
    assert (decision.outcome, decision.approvers_needed) == (outcome, approvers)


def test_a_line_above_the_dual_limit_says_two_approvers() -> None:
    decision = one(Policy(dual_limit=Decimal("200000.00")), line("250000.00"))
    assert fired(decision) == ["dual_limit"]
    assert (
        "50,000.00 above the dual-approval limit 200,000.00; two approvers"
        in decision.rules[0].detail
    )


def test_without_a_policy_file_only_the_limit_holds() -> None:
    decisions = Gate(Policy()).decide([line("50000.00"), line("62000.00", key="b")])
    assert [d.outcome for d in decisions] == ["auto_approved", "needs_approval"]
    assert "12,000.00 above the auto-approval limit 50,000.00" in decisions[1].rules[0].detail


def test_decision_outcome_and_approvers_must_agree() -> None:
    with pytest.raises(ValueError, match="approver"):
        Decision("needs_approval")
    with pytest.raises(ValueError, match="approver"):
        Decision("auto_approved", approvers_needed=1)


# --- daily cap ----------------------------------------------------------------------------

CAP = Policy.model_validate({"daily_cap": {"per_beneficiary": "30000.00"}})


@pytest.mark.parametrize(("amount", "held"), [("10000.00", False), ("10000.01", True)])
def test_cap_counts_what_was_paid_that_day(amount: str, held: bool) -> None:
    history = [paid("20000.00", days_ago=0), paid("25000.00", days_ago=1)]
    decision = one(CAP, line(amount), history=history)
    assert fired(decision) == (["daily_cap"] if held else [])
    if held:
        figures = decision.rules[0].figures
        assert figures["paid_that_day"] == "20000.00" and figures["over"] == "0.01"


@pytest.mark.parametrize(("last", "held"), [("10000.00", False), ("10000.01", True)])
def test_cap_counts_earlier_lines_of_the_batch(last: str, held: bool) -> None:
    lines = [line("12000.00", key="a"), line("8000.00", key="b"), line(last, key="c")]
    decisions = Gate(CAP).decide(lines)
    assert [fired(d) for d in decisions] == [[], [], ["daily_cap"] if held else []]


def test_cap_leaves_out_lines_the_gate_rejected() -> None:
    policy = CAP.model_copy(update={"reject_above": Decimal("60000.00")})
    lines = [line("70000.00", key="a"), line("30000.00", key="b")]
    assert [d.outcome for d in Gate(policy).decide(lines)] == ["rejected", "auto_approved"]


# --- duplicates ---------------------------------------------------------------------------

TWICE = Policy.model_validate({"duplicates": {"lookback_days": 30}})


def test_the_same_account_and_amount_twice_in_a_batch() -> None:
    lines = [line(key="a"), line(key="b"), line("12000.01", key="c"), line(key="d", account=OTHER)]
    decisions = Gate(TWICE).decide(lines)
    assert [fired(d) for d in decisions] == [[], ["duplicate_in_batch"], [], []]
    assert decisions[1].rules[0].figures["earlier_key"] == "a"
    assert decisions[1].suggestion == (
        "reject: same account and the same amount 12,000.00 as line a of this batch"
    )


@pytest.mark.parametrize(("days_ago", "held"), [(0, True), (30, True), (31, False)])
def test_the_same_payment_within_the_lookback(days_ago: int, held: bool) -> None:
    decision = one(TWICE, line(), history=[paid("12000.00", days_ago=days_ago)])
    assert fired(decision) == (["duplicate_paid"] if held else [])
    if held:
        assert decision.rules[0].figures["days_apart"] == str(days_ago)
        assert decision.suggestion.startswith("reject: 12,000.00 already paid to ****0128 on ")


# --- watchlist ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "score"),
    [("Zhang  Wei", "100"), ("wei zhang", "100"), ("ＺＨＡＮＧ Wēi", "100"), ("张 卫国", "100")],
)
def test_names_are_folded_before_they_are_compared(
    watchlist_dir: Path, name: str, score: str
) -> None:
    decision = screening(watchlist_dir).decide([line(name=name)])[0]
    assert fired(decision) == ["watchlist_name"] and decision.outcome == "needs_approval"
    assert decision.rules[0].figures["score"] == score


def test_a_misspelt_name_scores_high(watchlist_dir: Path) -> None:
    decision = screening(watchlist_dir, name_threshold=85).decide([line(name="ZHANG Wie")])[0]
    assert float(decision.rules[0].figures["score"]) >= 85
    assert decision.suggestion == "reject: name matches watchlist entry 'ZHANG Wei' at 88.9%"


@pytest.mark.parametrize(("threshold", "held"), [(90, True), (90.1, False)])
def test_name_threshold_boundary(watchlist_dir: Path, threshold: float, held: bool) -> None:
    # 'zhang xiau' against 'zhang xiao': one letter of ten differs, a score of exactly 90
    decision = screening(watchlist_dir, name_threshold=threshold).decide([line(name="ZHANG Xiau")])[
        0
    ]
    assert fired(decision) == (["watchlist_name"] if held else [])


def test_a_listed_account_is_rejected(watchlist_dir: Path) -> None:
    decision = screening(watchlist_dir).decide([line(account=f"{OTHER[:6]}-{OTHER[6:]}")])[0]
    assert decision.outcome == "rejected" and decision.approvers_needed == 0
    assert fired(decision) == ["watchlist_account"]
    assert decision.rules[0].detail == "account ****0122 is on the watchlist (mule account)"


def test_watchlist_actions_come_from_the_policy(watchlist_dir: Path) -> None:
    gate = screening(watchlist_dir, name_action="reject", account_action="hold")
    by_name, by_account = gate.decide([line(name="ZHANG Wei"), line(account=OTHER)])
    assert (by_name.outcome, by_account.outcome) == ("rejected", "needs_approval")


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("name,acount,note\nA,,\n", ":1: expected the columns"),
        ("name,account,note\nA,,\n,,only a note\n", ":3: a row needs a name or an account"),
        ("name,account,note\n,6222 02AB?,\n", ":2: account must be letters and digits"),
        ("name,account,note\n,,\nA,1,x,y\n", ":3: more cells than columns"),
    ],
)
def test_a_bad_watchlist_names_its_line(tmp_path: Path, content: str, where: str) -> None:
    (tmp_path / "watchlist.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=where):
        screening(tmp_path)


# --- Luhn ---------------------------------------------------------------------------------

LUHN = Policy.model_validate({"luhn": True})


@pytest.mark.parametrize(
    ("account", "held"),
    [
        (ACCOUNT, False),
        ("6222 0212 3456 7890 128", False),
        (ACCOUNT[:-1] + "9", True),
        ("62220212345X", True),
    ],
)
def test_account_check_digit(account: str, held: bool) -> None:
    decision = one(LUHN, line(account=account))
    assert fired(decision) == (["luhn"] if held else [])
    if held:
        assert decision.suggestion.startswith("reject: account ****")


# --- anomaly ------------------------------------------------------------------------------

ANOMALY = Policy.model_validate(
    {"anomaly": {"max_deviation_pct": 50, "last_lines": 6, "min_history": 3}}
)
USUAL = monthly("9000.00", "10000.00", "11000.00")  # median 10,000.00


@pytest.mark.parametrize(
    ("amount", "held"),
    [("15000.00", False), ("15000.01", True), ("5000.00", False), ("4999.99", True)],
)
def test_anomaly_at_the_deviation_boundary(amount: str, held: bool) -> None:
    decision = one(ANOMALY, line(amount), history=USUAL)
    assert fired(decision) == (["anomaly_amount"] if held else [])


def test_anomaly_looks_at_the_last_lines_only() -> None:
    # seven months; the oldest (100,000.00) is outside the last six, whose median is 10,500.00
    history = monthly(
        "100000.00", "10000.00", "10000.00", "10000.00", "11000.00", "11000.00", "11000.00"
    )
    decision = one(ANOMALY, line("16000.00"), history=history)
    assert decision.rules[0].figures == {
        "amount": "16000.00",
        "median": "10500.00",
        "deviation_pct": "52.4",
        "max_deviation_pct": "50",
        "history_lines": "6",
        "basis": "party",
    }
    assert (
        decision.suggestion == "check: 52.4% above the median 10,500.00 of E00042's last 6 payments"
    )


def test_too_little_history_is_no_anomaly() -> None:
    assert fired(one(ANOMALY, line("90000.00"), history=USUAL[:2])) == ["auto_limit"]


def test_a_known_party_paid_to_a_new_account_is_held() -> None:
    decision = one(ANOMALY, line(account=OTHER), history=USUAL)
    assert fired(decision) == ["new_account"]
    assert decision.rules[0].figures["earlier_accounts"] == "****0128"
    assert decision.suggestion.startswith("check: new account ****0122 for E00042")


def test_an_unknown_party_is_not_held_for_its_account() -> None:
    assert (
        one(ANOMALY, line(party="E09999", account=OTHER), history=USUAL).outcome == "auto_approved"
    )


def test_new_account_check_can_be_left_out() -> None:
    policy = Policy.model_validate({"anomaly": {"new_account": False}})
    assert one(policy, line(account=OTHER), history=USUAL).outcome == "auto_approved"


# --- every rule together ------------------------------------------------------------------


def test_a_held_kind_always_waits_for_a_person() -> None:
    policy = Policy.model_validate({"kinds": {"hold": ["unfreeze"]}})
    held = one(policy, line("0.01", kind="unfreeze"))
    assert held.outcome == "needs_approval" and held.approvers_needed == 1
    assert fired(held) == ["kind"] and held.rules[0].figures == {"kind": "unfreeze"}
    assert held.suggestion is not None and held.suggestion.startswith("check: unfreeze")
    assert one(policy, line("0.01", kind="freeze")).outcome == "auto_approved"
    assert one(Policy(), line("0.01", kind="unfreeze")).outcome == "auto_approved"


def test_a_kinds_table_must_name_a_kind() -> None:
    with pytest.raises(ValueError, match="hold"):
        Policy.model_validate({"kinds": {"hold": []}})


def full_policy(*, off: str = "") -> Policy:
    return Policy.model_validate(
        {
            "dual_limit": "200000.00",
            "daily_cap": {"per_beneficiary": "100000.00", "enabled": off != "daily_cap"},
            "duplicates": {"lookback_days": 30, "enabled": off != "duplicates"},
            "watchlist": {"name_threshold": 90, "enabled": off != "watchlist"},
            "luhn": {"enabled": off != "luhn"},
            "anomaly": {"enabled": off != "anomaly"},
        }
    )


BAD_ACCOUNT = OTHER[:-1] + "3"  # fails its check digit
# E00042's usual pay; and someone else paid BAD_ACCOUNT the same amount three days ago
BUSY = History([*USUAL, paid("150000.00", days_ago=3, account=BAD_ACCOUNT, party="E00007")])
# a listed name, a bad check digit, a new account, far above the usual, paid before
WORST = line("150000.00", name="Zhang Wei", account=BAD_ACCOUNT)
RULES_OF = {
    "daily_cap": {"daily_cap"},
    "duplicates": {"duplicate_in_batch", "duplicate_paid"},
    "watchlist": {"watchlist_name", "watchlist_account"},
    "luhn": {"luhn"},
    "anomaly": {"anomaly_amount", "new_account", "shared_account"},
}


def test_every_fired_rule_explains_itself(watchlist_dir: Path) -> None:
    gate = Gate(full_policy(), history=BUSY, policy_dir=watchlist_dir)
    decision = gate.decide([WORST, replace(WORST, key="again")])[1]
    # the rules a single line cannot fire together with these are tested on their own
    assert set(fired(decision)) == set(RULES) - {
        "watchlist_account",
        "reject_above",
        "dual_limit",
        "kind",
        "lookalike_party",
        "pay_date",
        "new_payee",
    }
    assert fired(decision) == [r for r in RULES if r in fired(decision)]  # most severe first
    for rule in decision.rules:
        assert rule.detail and rule.figures
        assert all(isinstance(v, str) and v for v in rule.figures.values()), rule
        assert OTHER[:6] not in rule.detail + str(rule.figures)  # accounts are masked
    assert decision.suggestion == "reject: name matches watchlist entry 'ZHANG Wei' at 100%"


@pytest.mark.parametrize("section", sorted(RULES_OF))
def test_a_rule_switched_off_does_not_fire(watchlist_dir: Path, section: str) -> None:
    gate = Gate(full_policy(off=section), history=BUSY, policy_dir=watchlist_dir)
    rules = {r.rule for d in gate.decide([WORST, WORST]) for r in d.rules}
    others = set().union(*(RULES_OF[s] for s in RULES_OF if s != section)) - {"watchlist_account"}
    assert rules == others | {"auto_limit"}


def test_a_held_line_in_line_with_history_suggests_approval() -> None:
    history = monthly(*["51000.00"] * 5, "52000.00")  # median 51,000.00
    decision = one(Policy(), line("52071.00"), history=history)
    assert (
        decision.suggestion
        == "approve: 2.1% above the median 51,000.00 of E00042's last 6 payments"
    )


def test_a_held_line_without_history_asks_for_a_check() -> None:
    decision = one(Policy(), line("62000.00"))
    assert (
        decision.suggestion
        == "check: 62,000.00 is over the auto-approval limit; no payment history to compare"
    )


# --- policy files -------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "payroll.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_absent_policy_is_the_limit_alone(tmp_path: Path) -> None:
    policy = load_policy(tmp_path / "none.toml")
    assert policy == Policy() and policy.auto_limit == Decimal("50000.00")
    assert (policy.dual_limit, policy.daily_cap, policy.watchlist, policy.anomaly) == (None,) * 4


def test_amounts_are_read_exactly(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, 'auto_limit = 20000.10\ndual_limit = "9E+4"\n'))
    assert (str(policy.auto_limit), str(policy.dual_limit)) == ("20000.10", "90000.00")


def test_luhn_true_is_short_for_its_table(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "luhn = true\nanomaly = false\n"))
    assert policy.luhn is not None and policy.luhn.action == "hold" and policy.anomaly is None


NESTED = """\
# payroll policy
auto_limit = "50000.00"
dual_limit = "200000.00"

[daily_cap]
per_beneficiary = "100000.00"

[duplicates]
lookback_days = 30

[watchlist]
file = "watchlist.csv"
# names
name_threshold = 150
"""


@pytest.mark.parametrize(
    ("text", "line_no", "message"),
    [
        (
            NESTED,
            14,
            "field watchlist.name_threshold: Input should be less than or equal to 100 (found 150)",
        ),
        ('# limits\n\nauto_limit = "-5"\n', 3, "field auto_limit: must be a positive amount"),
        (
            "watchlist.name_threshold = 0\n",
            1,
            "field watchlist.name_threshold: Input should be greater than 0",
        ),
        ('auto_limit = "1e30"\n', 1, "field auto_limit: must be a positive amount"),
        ('auto_limit = "50000.001"\n', 1, "at most 2 decimal places"),
        (
            'auto_limit = "9"\ndual_limit = "5"\n',
            2,
            "field dual_limit: must be above auto_limit (9.00)",
        ),
        ('dual_limit = "200000.00"\nreject_above = "150000.00"\n', 2, "must be above dual_limit"),
        ("\n[daily_cap]\naction = 'hold'\n", 2, "field daily_cap.per_beneficiary: Field required"),
        (
            "[daily_cap]\nper_beneficiary = 1\naction = 'stop'\n",
            3,
            "field daily_cap.action: Input should be 'hold' or 'reject'",
        ),
        (
            "[anomaly]\nlast_lines = 2\nmin_history = 3\n",
            1,
            "min_history (3) cannot exceed last_lines (2)",
        ),
        ("auto_limit = \n", 1, "not valid TOML"),
        (
            "[duplicates]\ntolerance = '0.001'\n",
            2,
            "field duplicates.tolerance: must be an amount with at most 2 decimal places",
        ),
        ("[duplicates]\ntolerance_pct = 150\n", 2, "field duplicates.tolerance_pct"),
        ("[pay_date]\nmax_days_before = -1\n", 2, "field pay_date.max_days_before"),
    ],
)
def test_bad_policy_names_line_and_field(
    tmp_path: Path, text: str, line_no: int, message: str
) -> None:
    path = write(tmp_path, text)
    (tmp_path / "watchlist.csv").write_text("name,account,note\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert caught.value.line == line_no and caught.value.file == str(path)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line_no", "message"),
    [
        ('auto_limt = "100"\n', 1, "field auto_limt: unknown field; did you mean 'auto_limit'?"),
        ("[watchlist]\nname_treshold = 90\n", 2, "did you mean 'name_threshold'?"),
        ("[vacation]\ndays = 3\n", 1, "field vacation: unknown field"),
    ],
)
def test_unknown_field_is_refused(tmp_path: Path, text: str, line_no: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_policy(write(tmp_path, text))
    assert caught.value.line == line_no


def test_a_missing_watchlist_file_is_refused_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, '[watchlist]\nfile = "lists/watch.csv"\n')
    with pytest.raises(ConfigError, match="field watchlist.file: no such file") as caught:
        load_policy(path)
    assert caught.value.line == 2


def test_the_shipped_policy_and_watchlist() -> None:
    policy = load_policy(ROOT / "policies" / "payroll.toml")
    assert (policy.auto_limit, policy.dual_limit) == (Decimal("50000.00"), Decimal("200000.00"))
    assert policy.daily_cap is not None and policy.daily_cap.per_beneficiary == Decimal("100000.00")
    assert policy.duplicates is not None and policy.duplicates.lookback_days == 20
    assert policy.duplicates.same_month and policy.duplicates.tolerance == Decimal("50.00")
    assert policy.duplicates.tolerance_pct == 5
    assert policy.pay_date is not None
    assert (policy.pay_date.max_days_before, policy.pay_date.max_days_after) == (5, 3)
    assert policy.watchlist is not None and policy.watchlist.name_threshold == 90
    assert policy.luhn is not None and policy.luhn.enabled
    assert policy.anomaly is not None and (
        policy.anomaly.max_deviation_pct,
        policy.anomaly.last_lines,
    ) == (50, 6)
    assert policy.anomaly.shared_account and policy.anomaly.lookalike_party
    assert not policy.anomaly.new_payee
    # the watchlist is found next to the policy
    gate = Gate(policy, history=History(USUAL), today=DAY)
    clean, listed = gate.decide([line("10500.00"), line(key="x", name="张卫国", account=OTHER)])
    assert clean == Decision("auto_approved", [], None, 0)
    assert listed.outcome == "rejected" and fired(listed)[:2] == [
        "watchlist_account",
        "watchlist_name",
    ]


def test_exported_names() -> None:
    import teller.gate

    assert teller.gate.__all__ == [
        "RULES", "Action", "Anomaly", "DailyCap", "Decision", "Duplicates", "FiredRule", "Gate",
        "GateLine", "History", "Kinds", "Luhn", "Outcome", "PaidLine", "PayDate", "Policy",
        "Watchlist",
        "load_policy",
    ]  # fmt: skip
