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

from sqlalchemy import Column, Connection, Table, and_, case, or_, select, update
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


def _free(columns: ClaimColumns, now: datetime) -> ColumnElement[bool]:
    return or_(columns.claimed_until.is_(None), columns.claimed_until < now)


def claim_due(
    conn: Connection, columns: ClaimColumns, now: datetime, lease: timedelta, limit: int
) -> list[Claim]:
    """Claim up to `limit` rows whose due time has come and that nobody holds."""
    query = (
        select(columns.key)
        .where(and_(columns.due.is_not(None), columns.due <= now, _free(columns, now)))
        .order_by(columns.due)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    keys = list(conn.execute(query).scalars())
    claims: list[Claim] = []
    for key in keys:
        token = str(uuid.uuid4())
        result = conn.execute(
            update(columns.table)
            .where(and_(columns.key == key, _free(columns, now)))
            .values({columns.claimed_until: now + lease, columns.token: token})
        )
        if result.rowcount == 1:
            claims.append(Claim(key, token, now))
    return claims


def still_held(conn: Connection, columns: ClaimColumns, claim: Claim) -> bool:
    """Lock the claimed row for this transaction; False if the claim was lost (lease expired and
    another worker took it)."""
    query = select(columns.key).where(and_(columns.key == claim.key, columns.token == claim.token))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first() is not None


def release(conn: Connection, columns: ClaimColumns, claim: Claim, next_due: datetime | None) -> None:
    """Release the claim and set the next due time. If someone marked the row due while it was
    held (a due time later than the claim's start), the earlier of the two wins, so that wake-up
    is not lost; `None` (nothing left to do) always wins."""
    due: Any = None
    if next_due is not None:
        marked_meanwhile = and_(columns.due > claim.claimed_at, columns.due < next_due)
        due = case((marked_meanwhile, columns.due), else_=next_due)
    conn.execute(
        update(columns.table)
        .where(and_(columns.key == claim.key, columns.token == claim.token))
        .values({columns.claimed_until: None, columns.token: None, columns.due: due})
    )
