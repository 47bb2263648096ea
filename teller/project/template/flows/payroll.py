"""Payroll (批量代發工資) into our core-banking console: Teller's payroll flow.

The console and the policy are configuration (teller.toml, ``[flows.payroll]``). What our
payroll does otherwise than Teller's goes here, as overrides of ``teller.payroll.PayrollFlow``.
"""

from __future__ import annotations

from teller.payroll import PayrollFlow as TellerPayroll

__all__ = ["PayrollFlow"]


class PayrollFlow(TellerPayroll):
    """Teller's payroll, as this project runs it."""
