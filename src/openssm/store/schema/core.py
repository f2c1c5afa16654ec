"""Server-wide tables: settings (shared secrets) and resource tags."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from openssm.store.schema.base import metadata

settings = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

tags = Table(
    "tags",
    metadata,
    Column("account_id", String(12), primary_key=True),
    Column("resource_type", String(32), primary_key=True),
    Column("resource_id", String(256), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Index("ix_tags_lookup", "account_id", "resource_type", "key", "value"),
)
