"""The database: SQLite (WAL) by default, PostgreSQL from a `postgresql://` URL.

All blocking database work runs on a dedicated executor, never on the event loop. SQLite gets one
thread (one writer; WAL readers do not block it), PostgreSQL a small pool so that several
requests and workers proceed at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

T = TypeVar("T")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
)


def normalize_url(url: str) -> str:
    """Accept `postgresql://` / `postgres://` and pick the psycopg 3 driver; plain paths mean SQLite."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    return url


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself (savepoints work)
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # straight on the sqlite3 connection: SQLAlchemy's statement machinery costs ~15 µs a call
        connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]


_AFTER_COMMIT = "openssm_after_commit"


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run `callback` after the transaction of `conn` commits (e.g. wake a worker that must see
    the new rows); dropped if it rolls back. Only transactions opened by `Database.begin`."""
    callbacks = conn.info.get(_AFTER_COMMIT)
    if callbacks is None:
        raise RuntimeError("after_commit needs a transaction opened by Database.begin()")
    callbacks.append(callback)


class Database:
    """One database and the executor its blocking calls run on."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                self.url, connect_args={"check_same_thread": False, "timeout": 10}, pool_size=2
            )
            _configure_sqlite(self.engine)
            threads = 1
        else:
            self.engine = create_engine(
                self.url, pool_size=pool_size, max_overflow=4, pool_pre_ping=True, pool_recycle=1800
            )
            threads = pool_size
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="openssm-db", initializer=self._mark_executor_thread
        )
        self._local = threading.local()
        self._kept: list[Connection] = []
        self._kept_lock = threading.Lock()

    def _mark_executor_thread(self) -> None:
        self._local.keep_connection = True

    def _connection(self) -> tuple[Connection, bool]:
        """The connection for a new transaction and whether it is this thread's kept one.

        An executor thread keeps one connection for good (a pool checkout and a new Connection per
        transaction cost more than most of our statements); other threads, and a transaction
        opened inside another on the same thread, get a pooled one."""
        if not getattr(self._local, "keep_connection", False):
            return self.engine.connect(), False
        kept: Connection | None = getattr(self._local, "connection", None)
        if kept is not None and (kept.closed or kept.invalidated):
            kept = None
        if kept is None:
            kept = self.engine.connect()
            self._local.connection = kept
            with self._kept_lock:
                self._kept.append(kept)
        if kept.in_transaction():
            return self.engine.connect(), False
        return kept, True

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back if it raises. Callbacks
        registered with `after_commit` run once the commit succeeded."""
        callbacks: list[Callable[[], None]] = []
        connection, kept = self._connection()
        try:
            with connection.begin():
                connection.info[_AFTER_COMMIT] = callbacks
                try:
                    yield connection
                finally:
                    connection.info.pop(_AFTER_COMMIT, None)
        finally:
            if not kept:
                connection.close()
        for callback in callbacks:
            callback()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking database work on the database executor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def migrate(self) -> None:
        from openssm.store.migrate import upgrade

        upgrade(self.engine)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._kept_lock:
            for connection in self._kept:
                connection.close()
            self._kept.clear()
        self.engine.dispose()
