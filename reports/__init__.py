"""Report builders, one module per report, on teller.excel."""
