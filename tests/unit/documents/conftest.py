"""A migrated database (SQLite and PostgreSQL) with the tag and document services on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from openssm.core.clock import FakeClock
from openssm.core.paging import PageTokens
from openssm.domain.documents.service import DocumentService
from openssm.domain.tagging.service import TagService
from openssm.store.engine import Database
from tests.support.databases import database_url


@dataclass
class Services:
    db: Database
    clock: FakeClock
    tags: TagService
    documents: DocumentService


@pytest.fixture
def services(backend: str, tmp_path: Path) -> Iterator[Services]:
    with database_url(backend, tmp_path) as url:
        db = Database(url)
        db.migrate()
        clock = FakeClock()
        tags = TagService(db)
        documents = DocumentService(db, clock, tags, PageTokens(b"k" * 32), "us-east-1")
        tags.register_resource_type("Document", documents.exists, normalize=documents.normalize_name)
        documents.seed_builtin()
        try:
            yield Services(db, clock, tags, documents)
        finally:
            db.close()
