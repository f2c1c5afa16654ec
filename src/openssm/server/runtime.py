"""The running server's parts, built once: database, clock, registry, gateway, workers.

`Runtime.build(settings)` is the composition root; `lifespan` migrates the database, seeds
built-in data, starts the background workers and stops them (after in-flight requests) on
shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from openssm.config import Settings
from openssm.core.clock import Clock, SystemClock
from openssm.core.context import Principal
from openssm.core.paging import PageTokens
from openssm.core.signals import Notifier
from openssm.engine.loop import Worker, WorkerLoop
from openssm.protocol import spec
from openssm.protocol.registry import OperationRegistry
from openssm.protocol.sigv4 import SignedRequest
from openssm.server.auth import Authenticator
from openssm.server.credentials import default_principal, user_credentials
from openssm.server.gateway import Gateway
from openssm.store.engine import Database
from openssm.store.schema.core import settings as settings_table

log = logging.getLogger("openssm.server")

QueryHandler = Callable[[SignedRequest], Awaitable[tuple[int, list[tuple[str, str]], bytes]]]

SHUTDOWN_TOPIC = "server-shutdown"
"""Notified when the server begins to shut down: long polls answer at once instead of holding it."""


def _shared_secret(db: Database, name: str) -> bytes:
    """A secret every replica shares: created once in the database."""
    with db.begin() as conn:
        value = conn.execute(select(settings_table.c.value).where(settings_table.c.name == name)).scalar()
    if value is None:
        try:
            with db.begin() as conn:
                conn.execute(insert(settings_table).values(name=name, value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another replica created it first
        with db.begin() as conn:
            value = conn.execute(
                select(settings_table.c.value).where(settings_table.c.name == name)
            ).scalar_one()
    return bytes.fromhex(value)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    db: Database
    notifier: Notifier
    registry: OperationRegistry
    authenticator: Authenticator
    gateway: Gateway
    tokens: PageTokens
    workers: list[Worker] = field(default_factory=list)
    startup: list[Callable[[], None]] = field(default_factory=list)
    query_handler: QueryHandler | None = None
    services: dict[str, Any] = field(default_factory=dict)
    stopping: bool = False
    _loops: list[WorkerLoop] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _local_agent: Any = None

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        from openssm.server import features

        clock = clock or SystemClock()
        db = Database(settings.database_url)
        db.migrate()
        tokens = PageTokens(_shared_secret(db, "page_token_key"))
        default = default_principal(settings)
        authenticator = Authenticator(
            user_credentials(settings),
            clock,
            default_principal=Principal(access_key_id=default.access_key_id, account_id=default.account_id),
            disabled=settings.dev_disable_auth,
        )
        registry = OperationRegistry()
        services = [spec.ssm(), spec.cloudwatch(), spec.ec2messages(), spec.openssm()]
        gateway = Gateway(services, registry, authenticator, db, clock, settings.region)
        runtime = cls(
            settings=settings,
            clock=clock,
            db=db,
            notifier=Notifier(),
            registry=registry,
            authenticator=authenticator,
            gateway=gateway,
            tokens=tokens,
        )
        features.install(runtime)
        return runtime

    def is_stopping(self) -> bool:
        return self.stopping

    def begin_shutdown(self) -> None:
        """The process was asked to stop (called from the signal handler, before in-flight
        requests are drained): end long polls and ask the local agent to stop."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._shutting_down)

    def _shutting_down(self) -> None:
        self.stopping = True
        self.notifier.notify(SHUTDOWN_TOPIC)
        if self._local_agent is not None:
            self._local_agent.begin_stop()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: object) -> AsyncIterator[None]:
        self._loop = asyncio.get_running_loop()
        self.notifier.bind(self._loop)
        for step in self.startup:
            await self.db.run(step)
        self._loops = [WorkerLoop(w, self.notifier, self.settings.worker_interval) for w in self.workers]
        for loop in self._loops:
            loop.start()
        log.info("openssm ready on %s (database: %s)", self.settings.endpoint_url, self.db.dialect)
        if self.settings.local_agent:
            from openssm.server.local_agent import LocalAgent

            self._local_agent = LocalAgent(self)
            self._local_agent.start()
        try:
            yield
        finally:
            if self._local_agent is not None:
                await self._local_agent.stop()
            for loop in self._loops:
                await loop.stop()
            self.db.close()
            log.info("openssm stopped")

    async def check_health(self) -> bool:
        def ping() -> None:
            with self.db.begin() as conn:
                conn.execute(text("SELECT 1"))

        try:
            await self.db.run(ping)
            return True
        except Exception:
            log.exception("health check failed")
            return False

    def metrics_text(self) -> str:
        lines = [
            "# HELP openssm_requests_total API requests by service, operation and HTTP status.",
            "# TYPE openssm_requests_total counter",
        ]
        for (service, operation, status), count in sorted(self.gateway.stats.requests.items()):
            labels = f'service="{service}",operation="{operation}",status="{status}"'
            lines.append(f"openssm_requests_total{{{labels}}} {count}")
        lines += [
            "# HELP openssm_request_seconds_total Time spent serving API requests.",
            "# TYPE openssm_request_seconds_total counter",
        ]
        for (service, operation), seconds in sorted(self.gateway.stats.seconds.items()):
            lines.append(
                f'openssm_request_seconds_total{{service="{service}",operation="{operation}"}} {seconds:.6f}'
            )
        return "\n".join(lines) + "\n"
