"""Small statements both databases need spelled per dialect."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite


@cache
def _insert_if_absent(table: Table, dialect_name: str, columns: tuple[str, ...]) -> Insert:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    # RETURNING tells whether a row went in, on both databases (psycopg reports no rowcount here).
    statement: Insert = (
        dialect.insert(table)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing()
        .returning(key)
    )
    return statement


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: True if the row was inserted, False if its key existed
    (also when a concurrent transaction inserted it first). No savepoint needed; the statement
    is built once per table and column set."""
    statement = _insert_if_absent(table, conn.dialect.name, tuple(sorted(values)))
    return conn.execute(statement, values).first() is not None
