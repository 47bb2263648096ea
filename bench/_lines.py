"""The lines every payroll benchmark pays, the same for Teller, the floor and the alternatives.

A sample payroll batch of the demo's shape (``PayrollFlow.sample``, seed 0): its accounts
are opened on the console, and the lines at or under the gate's 50,000 limit are the work.
``check_ledger`` is each benchmark's last word: every line paid exactly once.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.payroll import PayrollFlow  # noqa: E402
from tests._console_server import Server  # noqa: E402

__all__ = ["LABELS", "check_ledger", "payroll_lines", "sample_batch"]

LIMIT = Decimal(50_000)
# the label of each transfer field, as the console shows it
LABELS = {
    "debit_account": "付款賬號 Debit Account",
    "credit_account": "收款賬號 Credit Account",
    "payee_name": "收款戶名 Payee Name",
    "amount": "金額 Amount",
    "reference": "參考號 Reference",
    "memo": "備注 Memo",
}


def sample_batch(folder: Path, lines: int, server: Server) -> Path:
    """Write the sample workbook into ``folder`` and open its accounts on the console."""
    return PayrollFlow().sample(folder / "pay.xlsx", lines=lines, console_url=server.base_url).path


def payroll_lines(folder: Path, lines: int, server: Server) -> list[dict[str, Any]]:
    """The transfers (field -> text) of a fresh sample batch, as a person would type them."""
    batch = PayrollFlow().load(sample_batch(folder, lines, server))
    return [
        {
            "debit_account": i.payload["debit_account"],
            "credit_account": i.payload["account_no"],
            "payee_name": i.payload["name"],
            "amount": i.payload["amount"],
            "reference": i.key,
            "memo": i.payload["memo"],
        }
        for i in batch.items
        if i.amount is not None and i.amount <= LIMIT
    ]


def check_ledger(server: Server, references: list[str]) -> None:
    """Fail unless the console's ledger holds each reference exactly once, and nothing else."""
    posted = dict(server.rows("SELECT reference, COUNT(*) FROM transfers GROUP BY reference"))
    twice = [r for r, n in posted.items() if n != 1]
    missing = sorted(set(references) - set(posted))
    extra = sorted(set(posted) - set(references))
    if twice or missing or extra:
        raise AssertionError(
            f"ledger: {len(twice)} paid twice, {len(missing)} missing, {len(extra)} unexpected"
        )
