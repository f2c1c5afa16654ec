"""Seeding the AWS-owned documents (account "", Owner `Amazon`) at startup.

Idempotent and safe with several replicas: a missing document is created as version 1; a shipped
content that differs from the stored default becomes a new version that is made the default.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from openssm.core.clock import Clock
from openssm.domain.documents import builtin, content, repository
from openssm.domain.documents.models import AMAZON_ACCOUNT
from openssm.domain.documents.versions import NewVersion, insert_document, version_row
from openssm.store.engine import Database


def seed_builtin(db: Database, clock: Clock) -> None:
    for doc in builtin.load():
        analyzed = content.analyze(doc.content, doc.document_format, doc.document_type)
        try:
            with db.begin() as conn:
                _seed_one(conn, clock, doc, analyzed)
        except IntegrityError:
            pass  # another replica seeded it first


def _seed_one(
    conn: Connection, clock: Clock, doc: builtin.BuiltinDocument, analyzed: content.AnalyzedContent
) -> None:
    row = repository.get_document(conn, AMAZON_ACCOUNT, doc.name, lock=True)
    now = clock.now()
    if row is None:
        insert_document(
            conn,
            AMAZON_ACCOUNT,
            doc.name,
            doc.document_type,
            NewVersion(1, doc.content, doc.document_format, analyzed),
            now,
        )
        return
    current = repository.get_version(conn, AMAZON_ACCOUNT, doc.name, row["default_version"])
    if current is not None and current.hash == analyzed.hash:
        return
    number = row["version_counter"] + 1
    new = NewVersion(number, doc.content, doc.document_format, analyzed)
    repository.insert_version(conn, version_row(AMAZON_ACCOUNT, doc.name, new, now))
    repository.update_document(
        conn,
        AMAZON_ACCOUNT,
        doc.name,
        {"latest_version": number, "version_counter": number, "default_version": number},
    )
