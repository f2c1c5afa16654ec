"""Small statements both databases need spelled per dialect."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, insert, literal_column
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement


def one_of(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` for a fixed set of our own constants, written into the SQL. (A list
    of values given to `in_()` becomes an expanding parameter that SQLAlchemy renders again on
    every execution: ~10 µs more per statement.)"""
    words = list(values)
    for word in words:
        if not word.replace("_", "").isalnum():
            raise ValueError(f"one_of takes plain words, not {word!r}")
    return column.in_([literal_column(f"'{word}'") for word in words])


@cache
def _insert_if_absent(table: Table, dialect_name: str, columns: tuple[str, ...]) -> Insert:
    values: dict[str, Any] = {name: bindparam(name) for name in columns}
    if dialect_name == "postgresql":
        # psycopg reports no rowcount for ON CONFLICT DO NOTHING: RETURNING says if a row went in
        key = next(iter(table.primary_key.columns))
        statement: Insert = postgresql.insert(table).values(values).on_conflict_do_nothing().returning(key)
    else:
        statement = insert(table).prefix_with("OR IGNORE").values(values)
    return statement


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert unless the key exists: True if the row was inserted, False if its key existed (also
    when a concurrent transaction inserted it first). No savepoint needed; the statement is built
    once per table and column set."""
    statement = _insert_if_absent(table, conn.dialect.name, tuple(sorted(values)))
    result = conn.execute(statement, values)
    if conn.dialect.name == "postgresql":
        return result.first() is not None
    return result.rowcount == 1
