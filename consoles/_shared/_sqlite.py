"""A console's own SQLite file: its schema made on first use, one short-lived connection per
operation (cheap with SQLite, and safe across the server's threads)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar


class SqliteFile:
    """The base of each console's ledger or store: ``schema`` is its tables."""

    schema: ClassVar[str]
    rows_by_name: ClassVar[bool] = False  # rows as sqlite3.Row, by column name

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(self.schema)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if self.rows_by_name:
            db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")
            yield db
        finally:
            db.close()
