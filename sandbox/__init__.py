"""Teller's sandbox: the demo and sample commands (see pyproject.toml here)."""
