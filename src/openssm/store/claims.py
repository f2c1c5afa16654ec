"""Claiming due work safely with any number of workers and replicas.

Due work is a column (`next_check_at`), never memory. A worker claims rows by a conditional UPDATE
that sets a lease (`claimed_until`) and a token; it acts only on rows whose UPDATE changed exactly
one row, and releases the claim in the transaction that records its work. On PostgreSQL the
candidates are selected `FOR UPDATE SKIP LOCKED`, so replicas don't queue behind each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    token: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimColumns:
    table: Table
    key: Column[str]
    due: Column[datetime]
    claimed_until: Column[datetime]
    token: Column[str]


def _free(columns: ClaimColumns) -> ColumnElement[bool]:
    return or_(columns.claimed_until.is_(None), columns.claimed_until < bindparam("b_now"))


@dataclass(frozen=True, slots=True)
class _Statements:
    """The claim statements of one table, built once with bind parameters (SQLAlchemy then reuses
    their compiled form; building them per call costs ~100-250 µs each)."""

    due: Select[Any]
    take: Update
    held: Select[Any]
    release_done: Update
    release_due: Update


_BUILT: dict[tuple[str, bool], _Statements] = {}


def _statements(columns: ClaimColumns, postgresql: bool) -> _Statements:
    key = (columns.table.name, postgresql)
    built = _BUILT.get(key)
    if built is None:
        built = _BUILT[key] = _build(columns, postgresql)
    return built


def _build(columns: ClaimColumns, postgresql: bool) -> _Statements:
    due = (
        select(columns.key)
        .where(and_(columns.due.is_not(None), columns.due <= bindparam("b_now"), _free(columns)))
        .order_by(columns.due)
        .limit(bindparam("b_limit", type_=Integer))
    )
    this_claim = and_(columns.key == bindparam("b_key"), columns.token == bindparam("b_token"))
    held = select(columns.key).where(this_claim)
    if postgresql:
        due = due.with_for_update(skip_locked=True)
        held = held.with_for_update()
    next_due = bindparam("b_next_due", type_=columns.due.type)
    marked_meanwhile = and_(
        columns.due > bindparam("b_claimed_at", type_=columns.due.type), columns.due < next_due
    )
    released = {columns.claimed_until: None, columns.token: None}
    return _Statements(
        due=due,
        take=update(columns.table)
        .where(and_(columns.key == bindparam("b_key"), _free(columns)))
        .values({columns.claimed_until: bindparam("b_until"), columns.token: bindparam("b_token")}),
        held=held,
        release_done=update(columns.table).where(this_claim).values({**released, columns.due: None}),
        release_due=update(columns.table)
        .where(this_claim)
        .values({**released, columns.due: case((marked_meanwhile, columns.due), else_=next_due)}),
    )


def claim_due(
    conn: Connection, columns: ClaimColumns, now: datetime, lease: timedelta, limit: int
) -> list[Claim]:
    """Claim up to `limit` rows whose due time has come and that nobody holds."""
    statements = _statements(columns, conn.dialect.name == "postgresql")
    keys = list(conn.execute(statements.due, {"b_now": now, "b_limit": limit}).scalars())
    claims: list[Claim] = []
    for key in keys:
        token = str(uuid.uuid4())
        params = {"b_key": key, "b_now": now, "b_until": now + lease, "b_token": token}
        if conn.execute(statements.take, params).rowcount == 1:
            claims.append(Claim(key, token, now))
    return claims


def still_held(conn: Connection, columns: ClaimColumns, claim: Claim) -> bool:
    """Lock the claimed row for this transaction; False if the claim was lost (lease expired and
    another worker took it)."""
    statements = _statements(columns, conn.dialect.name == "postgresql")
    params = {"b_key": claim.key, "b_token": claim.token}
    return conn.execute(statements.held, params).first() is not None


def release(conn: Connection, columns: ClaimColumns, claim: Claim, next_due: datetime | None) -> None:
    """Release the claim and set the next due time. If someone marked the row due while it was
    held (a due time later than the claim's start), the earlier of the two wins, so that wake-up
    is not lost; `None` (nothing left to do) always wins."""
    statements = _statements(columns, conn.dialect.name == "postgresql")
    params: dict[str, Any] = {"b_key": claim.key, "b_token": claim.token}
    if next_due is None:
        conn.execute(statements.release_done, params)
    else:
        params.update(b_claimed_at=claim.claimed_at, b_next_due=next_due)
        conn.execute(statements.release_due, params)
