"""Payroll on the sandbox: Teller's payroll flow, corebank by default, with sample workbooks
whose accounts it opens on the sandbox console (``teller sample``, ``teller demo``).

The flow itself (``teller.payroll``) knows no sandbox; a bank's project registers it, or a
subclass like this one, under its own ``teller.flows`` entry point.
"""

from __future__ import annotations

from pathlib import Path

from flows._payroll_sample import Sample, register_accounts, write_sample
from teller.payroll import PayrollFlow as Payroll

__all__ = ["PayrollFlow"]


class PayrollFlow(Payroll):
    """Payroll into the sandbox's corebank unless ``[flows.NAME] console`` says otherwise."""

    console = "corebank"

    def sample(
        self,
        out: Path,
        *,
        lines: int,
        console_url: str | None,
        seed: int = 0,
        over_limit: int = 0,
        refused: int = 0,
    ) -> Sample:
        """Write a realistic payroll workbook and open its accounts on the sandbox console."""
        sample = write_sample(out, lines=lines, seed=seed, over_limit=over_limit, refused=refused)
        if console_url:
            register_accounts(console_url, sample.accounts)
        return sample
