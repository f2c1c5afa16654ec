"""Due-work claims (store/claims.py) on SQLite and PostgreSQL: who gets a row, when it comes back,
and which due time wins when the row is marked due while it is held."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from openssm.store.claims import ClaimColumns, claim_due, release, still_held
from openssm.store.engine import Database
from openssm.store.schema.base import UtcDateTime
from tests.support.databases import database_url

START = datetime(2026, 5, 1, 9, 0, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)

_metadata = MetaData()
jobs = Table(
    "claim_test_jobs",
    _metadata,
    Column("job_id", String(32), primary_key=True),
    Column("next_check_at", UtcDateTime),
    Column("claimed_until", UtcDateTime),
    Column("claim_token", String(64)),
)
COLUMNS = ClaimColumns(
    table=jobs,
    key=jobs.c.job_id,
    due=jobs.c.next_check_at,
    claimed_until=jobs.c.claimed_until,
    token=jobs.c.claim_token,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        database = Database(url)
        _metadata.create_all(database.engine)
        try:
            yield database
        finally:
            database.close()


def add_job(db: Database, job_id: str, due: datetime | None) -> None:
    with db.begin() as conn:
        conn.execute(jobs.insert(), {"job_id": job_id, "next_check_at": due})


def due_of(db: Database, job_id: str) -> datetime | None:
    with db.begin() as conn:
        value: datetime | None = conn.execute(
            select(jobs.c.next_check_at).where(jobs.c.job_id == job_id)
        ).scalar_one()
        return value


def claim(db: Database, now: datetime, limit: int = 10) -> list[str]:
    with db.begin() as conn:
        return [c.key for c in claim_due(conn, COLUMNS, now, LEASE, limit)]


def test_only_due_rows_are_claimed_earliest_first_up_to_the_limit(db: Database) -> None:
    add_job(db, "later", START + timedelta(seconds=30))
    add_job(db, "second", START - timedelta(seconds=5))
    add_job(db, "first", START - timedelta(seconds=10))
    add_job(db, "idle", None)

    assert claim(db, START, limit=1) == ["first"]
    assert claim(db, START) == ["second"]
    assert claim(db, START + timedelta(seconds=30)) == ["later"]


def test_a_held_row_is_not_claimed_again_until_its_lease_ends(db: Database) -> None:
    add_job(db, "job", START)
    assert claim(db, START) == ["job"]

    assert claim(db, START + LEASE - timedelta(seconds=1)) == []
    assert claim(db, START + LEASE + timedelta(seconds=1)) == ["job"]


def test_a_claim_taken_over_after_its_lease_is_no_longer_held(db: Database) -> None:
    add_job(db, "job", START)
    with db.begin() as conn:
        (first,) = claim_due(conn, COLUMNS, START, LEASE, 10)
    with db.begin() as conn:
        (second,) = claim_due(conn, COLUMNS, START + LEASE + timedelta(seconds=1), LEASE, 10)

    with db.begin() as conn:
        assert not still_held(conn, COLUMNS, first)
        assert still_held(conn, COLUMNS, second)
        release(conn, COLUMNS, first, None)  # the lost claim's release changes nothing
    assert due_of(db, "job") == START


def test_release_sets_the_next_due_time_or_none(db: Database) -> None:
    add_job(db, "again", START)
    add_job(db, "done", START)
    with db.begin() as conn:
        claims = {c.key: c for c in claim_due(conn, COLUMNS, START, LEASE, 10)}
    with db.begin() as conn:
        release(conn, COLUMNS, claims["again"], START + timedelta(seconds=20))
        release(conn, COLUMNS, claims["done"], None)

    assert due_of(db, "again") == START + timedelta(seconds=20)
    assert due_of(db, "done") is None
    assert claim(db, START + timedelta(seconds=20)) == ["again"]  # released: claimable at once


def test_a_row_marked_due_while_held_keeps_the_earlier_wake_up(db: Database) -> None:
    add_job(db, "job", START)
    with db.begin() as conn:
        (held,) = claim_due(conn, COLUMNS, START, LEASE, 10)
    marked = START + timedelta(seconds=2)  # e.g. a node replied while the pass ran
    with db.begin() as conn:
        conn.execute(jobs.update().where(jobs.c.job_id == "job").values(next_check_at=marked))
    with db.begin() as conn:
        release(conn, COLUMNS, held, START + timedelta(seconds=30))

    assert due_of(db, "job") == marked


def test_a_later_next_due_than_the_mark_does_not_win_but_an_earlier_one_does(db: Database) -> None:
    add_job(db, "job", START)
    with db.begin() as conn:
        (held,) = claim_due(conn, COLUMNS, START, LEASE, 10)
    with db.begin() as conn:
        conn.execute(
            jobs.update().where(jobs.c.job_id == "job").values(next_check_at=START + timedelta(seconds=40))
        )
    with db.begin() as conn:
        release(conn, COLUMNS, held, START + timedelta(seconds=5))

    assert due_of(db, "job") == START + timedelta(seconds=5)
