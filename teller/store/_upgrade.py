"""Bring a store made by an older Teller up to the current tables, in place.

Only additions are made: a column this version knows and the store lacks is added with
its default, and a missing index is created. An item loaded before content hashes existed has an empty one, and one
gated before seals existed an empty seal (and its run no recorded policy), so the runner
holds it for a person rather than pay it unchecked: such an item can be rejected, and its
line loaded again in a new batch.
"""

from __future__ import annotations

import json
from typing import Any

from loguru import logger
from sqlalchemy import Column, inspect, text
from sqlalchemy.engine import Engine

from teller.store._tables import Base

__all__ = ["add_missing_columns"]


def _literal(column: Column[Any]) -> str:
    default: Any = None
    if column.default is not None:
        default = getattr(column.default, "arg", None)
        if getattr(column.default, "is_callable", False):
            default = default(None)  # SQLAlchemy wraps `default=list` as f(context)
    if isinstance(default, list | dict):
        return "'" + json.dumps(default) + "'"
    if isinstance(default, bool):
        return "1" if default else "0"
    if isinstance(default, int | float):
        return str(default)
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'"
    return "NULL"


def add_missing_columns(engine: Engine) -> list[str]:
    """Add every column the tables define and the database lacks; return what was added."""
    inspector = inspect(engine)
    added: list[str] = []
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(
                    text(
                        f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind} "
                        f"DEFAULT {_literal(column)}"
                    )
                )
                added.append(f"{table.name}.{column.name}")
            indexes = {i["name"] for i in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in indexes:
                    index.create(connection)
                    added.append(f"index {index.name}")
    if added:
        logger.warning("store upgraded in place: added {}", ", ".join(added))
    return added
