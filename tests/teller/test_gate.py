"""The gate: at or under the limit passes on its own; above it waits for a person."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from teller import ConfigError
from teller.gate import Policy, decide, load_policy


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [("0.01", "auto_approved"), ("50000.00", "auto_approved"), ("50000.01", "needs_approval")],
)
def test_auto_limit_boundary(amount: str, outcome: str) -> None:
    assert decide(Policy(), Decimal(amount)).outcome == outcome


def test_a_held_item_says_why_with_figures() -> None:
    decision = decide(Policy(), Decimal("62000.00"))
    assert [r.rule for r in decision.rules] == ["auto_limit"]
    assert "12,000.00 above the auto-approval limit 50,000.00" in decision.rules[0].detail
    assert decision.suggestion


def test_hard_limit_rejects() -> None:
    policy = Policy(reject_above=Decimal("100000.00"))
    assert decide(policy, Decimal("100000.00")).outcome == "needs_approval"
    assert decide(policy, Decimal("100000.01")).outcome == "rejected"


def test_policy_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "payroll.toml"
    path.write_text('auto_limit = "20000.00"\n')
    assert load_policy(path).auto_limit == Decimal("20000.00")


def test_bad_policy_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "payroll.toml"
    path.write_text('# limits\n\nauto_limit = "-5"\n')
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    assert f"{path}:3" in str(caught.value) and "auto_limit" in str(caught.value)


def test_unknown_policy_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "payroll.toml"
    path.write_text('auto_limt = "100"\n')
    with pytest.raises(ConfigError, match="auto_limt"):
        load_policy(path)


def test_shipped_policy_loads() -> None:
    root = Path(__file__).resolve().parents[2]
    assert load_policy(root / "policies" / "payroll.toml").auto_limit == Decimal("50000.00")
