"""Database URLs for tests: a fresh SQLite file, or a fresh schema on the PostgreSQL server.

PostgreSQL comes from OPENSSM_TEST_POSTGRES_URL. When that variable is set (as `.ci/run` does) the
server must be reachable, or the tests fail. When it is not set, the default local server
(postgresql://postgres@127.0.0.1:5432/test) is used if it answers, else the PostgreSQL tests skip
with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    explicit = os.environ.get("OPENSSM_TEST_POSTGRES_URL")
    url = explicit or DEFAULT_POSTGRES_URL
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            pass
    except Exception as error:
        if explicit:
            raise RuntimeError(f"OPENSSM_TEST_POSTGRES_URL={explicit} is not reachable: {error}") from error
        pytest.skip(
            f"PostgreSQL not reachable at {url} ({error}); set OPENSSM_TEST_POSTGRES_URL to run these"
        )
    return url


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; dropped afterwards."""
    import psycopg

    base = postgres_base_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'openssm.db'}"
    else:
        with postgres_schema_url() as url:
            yield url
