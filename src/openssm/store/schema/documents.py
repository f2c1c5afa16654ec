"""SSM documents: one row per document, one row per version.

AWS-owned documents live here too, with `account_id` "" (Owner `Amazon`).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKeyConstraint, Index, Integer, String, Table, Text, UniqueConstraint

from openssm.store.schema.base import Json, UtcDateTime, metadata

documents = Table(
    "documents",
    metadata,
    Column("account_id", String(12), primary_key=True),  # "" for AWS-owned documents
    Column("name", String(128), primary_key=True),
    Column("document_type", String(64), nullable=False),
    Column("default_version", Integer, nullable=False),
    Column("latest_version", Integer, nullable=False),  # the newest existing version
    Column("version_counter", Integer, nullable=False),  # highest number ever given (never reused)
    Column("created_date", UtcDateTime, nullable=False),
    Index("ix_documents_name", "name"),
)

document_versions = Table(
    "document_versions",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("version_name", String(128)),
    Column("display_name", String(1024)),
    Column("content", Text, nullable=False),  # exactly as submitted
    Column("parsed", Json),  # the content as a JSON object (NULL for TEXT documents)
    Column("document_format", String(8), nullable=False),
    Column("schema_version", String(16)),
    Column("description", Text),
    Column("hash", String(64), nullable=False),  # hex SHA-256 of the UTF-8 content
    Column("parameters", Json, nullable=False),  # parameter definitions, in document order
    Column("platform_types", String(64), nullable=False),  # "Windows,Linux,MacOS" (comma-separated)
    Column("target_type", String(200)),
    Column("requires", Json),
    Column("author", String(256)),
    Column("status", String(16), nullable=False),
    Column("status_information", Text),
    Column("created_date", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "name"], ["documents.account_id", "documents.name"], ondelete="CASCADE"
    ),
    UniqueConstraint("account_id", "name", "version_name"),
)
