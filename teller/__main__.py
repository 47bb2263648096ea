"""``python -m teller`` is the ``teller`` command."""

from __future__ import annotations

from teller.cli import main

main()
