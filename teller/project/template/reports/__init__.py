"""Our own reports (Teller's payroll writes its reconciliation workbook itself)."""
