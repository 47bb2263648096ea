"""The lines every payroll benchmark pays, the same for Teller, the floor and the alternatives.

A sample payroll batch of the demo's shape (``PayrollFlow.sample``, seed 0): its accounts
are opened on the console (the first, the company's, as the operator's debit account),
and the lines at or under the gate's 50,000 limit are the work. Either core-banking
sandbox console takes it: ``console_server("corebank" | "coreplus", folder)`` starts one.
``check_ledger`` is each benchmark's last word: every line paid exactly once, and, when
the lines' figures are given, each to its payee's account with its amount.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.payroll import PayrollFlow  # noqa: E402
from tests._console_server import Server, start_corebank, start_coreplus  # noqa: E402

__all__ = [
    "CONSOLES",
    "LABELS",
    "check_ledger",
    "console_server",
    "figures",
    "payroll_lines",
    "sample_batch",
]

LIMIT = Decimal(50_000)
# the label of each transfer field, as corebank shows it
LABELS = {
    "debit_account": "付款賬號 Debit Account",
    "credit_account": "收款賬號 Credit Account",
    "payee_name": "收款戶名 Payee Name",
    "amount": "金額 Amount",
    "reference": "參考號 Reference",
    "memo": "備注 Memo",
}
# the core-banking sandbox consoles the payroll benchmarks run on, and the column of
# each one's transfers table that holds the account paid into (consoles/*/README.md)
CONSOLES = {"corebank": "credit_account", "coreplus": "payee_account"}


@contextmanager
def console_server(name: str, folder: Path, *, latency_ms: int = 0) -> Iterator[Server]:
    """A fresh sandbox console ``name`` (one of ``CONSOLES``) with its ledger in ``folder``."""
    if name == "corebank":
        with start_corebank(folder, latency_ms=latency_ms) as server:
            yield server
    elif name == "coreplus":
        with start_coreplus(folder, latency_ms=latency_ms) as server:
            yield server
    else:
        raise ValueError(f"console: expected one of {sorted(CONSOLES)}, got {name!r}")


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


def figures(lines: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, Decimal]]:
    """Reference -> (account paid into, amount) of ``payroll_lines``' lines."""
    return {line["reference"]: (line["credit_account"], Decimal(line["amount"])) for line in lines}


def check_ledger(
    server: Server, expected: Iterable[str] | Mapping[str, tuple[str, Decimal]]
) -> None:
    """Fail unless the console's ledger holds each expected reference exactly once, and
    nothing else; given a mapping (reference -> (account, amount), see ``figures``), each
    transfer must also have gone to that account with that amount."""
    account = CONSOLES.get(server.name)
    if account is None:
        raise ValueError(f"ledger of {server.name!r}: expected one of {sorted(CONSOLES)}")
    rows = server.rows(f"SELECT reference, {account}, amount FROM transfers")
    posted: dict[str, list[tuple[str, Decimal]]] = {}
    for reference, paid_to, amount in rows:
        posted.setdefault(reference, []).append((paid_to, Decimal(amount)))
    references = set(expected)
    twice = [r for r, paid in posted.items() if len(paid) != 1]
    missing = sorted(references - set(posted))
    extra = sorted(set(posted) - references)
    other = []
    if isinstance(expected, Mapping):
        other = [r for r, paid in posted.items() if r in expected and expected[r] not in paid]
    if twice or missing or extra or other:
        raise AssertionError(
            f"{server.name} ledger: {len(twice)} paid twice, {len(missing)} missing, "
            f"{len(extra)} unexpected, {len(other)} with another account or amount "
            f"(expected {len(references)} transfers, found {len(rows)})"
        )
