"""Our flows: one module per business process, registered in pyproject.toml."""
