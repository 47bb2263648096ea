"""Teller's payroll: the flow (one transfer per line of a payroll workbook, on any console
that speaks ``teller.payments``), its workbook reader and its reconciliation workbook.

A project registers :class:`PayrollFlow`, or a subclass of it, under its own
``teller.flows`` entry point and names the console in ``[flows.NAME] console``.
"""

from teller.payroll.flow import PayrollFlow
from teller.payroll.workbook import PayrollBatch, PayrollLine, load_payroll

__all__ = ["PayrollBatch", "PayrollFlow", "PayrollLine", "load_payroll"]
