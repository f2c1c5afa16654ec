"""A migrated database (SQLite and PostgreSQL) with the activation, node and tag services on it,
and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from openssm.core.clock import FakeClock
from openssm.core.paging import PageTokens
from openssm.domain.activations.models import CreateActivationRequest, CreatedActivation, Tag
from openssm.domain.activations.service import ActivationService
from openssm.domain.nodes.messages import MessageQueue
from openssm.domain.nodes.models import Registration
from openssm.domain.nodes.service import INSTANCE_ID_PATTERN, NodeService
from openssm.domain.tagging.service import TagService
from openssm.store.engine import Database
from tests.support.databases import database_url

ACCOUNT = "123456789012"
PING_TIMEOUT = timedelta(minutes=10)
PUBLIC_KEY = "MIIB" + "A" * 388  # stored as given; the node API checks keys, not the service


@dataclass
class World:
    db: Database
    clock: FakeClock
    tags: TagService
    activations: ActivationService
    queue: MessageQueue
    nodes: NodeService

    def activation(
        self,
        account_id: str = ACCOUNT,
        *,
        limit: int | None = None,
        expires_in: timedelta | None = None,
        name: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> CreatedActivation:
        request = CreateActivationRequest(
            iam_role="SSMServiceRole",
            default_instance_name=name,
            registration_limit=limit,
            expiration_date=self.clock.now() + expires_in if expires_in else None,
            tags=tuple(Tag(k, v) for k, v in (tags or {}).items()),
        )
        return self.activations.create(account_id, request)

    def register(self, created: CreatedActivation, fingerprint: str = "fp") -> str:
        return self.nodes.register(
            Registration(created.activation_id, created.activation_code, PUBLIC_KEY, "Rsa", fingerprint)
        )

    def node(self, account_id: str = ACCOUNT, tags: dict[str, str] | None = None) -> str:
        return self.register(self.activation(account_id, tags=tags))


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[World]:
    with database_url(backend, tmp_path) as url:
        db = Database(url)
        db.migrate()
        clock = FakeClock()
        tokens = PageTokens(b"k" * 32)
        tags = TagService(db)
        activations = ActivationService(db, clock, tokens)
        queue = MessageQueue()
        nodes = NodeService(
            db,
            clock,
            tokens,
            tags,
            activations,
            queue,
            ping_timeout=PING_TIMEOUT,
            token_lifetime=timedelta(hours=1),
        )
        tags.register_resource_type("ManagedInstance", nodes.exists, id_pattern=INSTANCE_ID_PATTERN)
        try:
            yield World(db, clock, tags, activations, queue, nodes)
        finally:
            db.close()
