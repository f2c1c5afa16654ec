"""Alembic environment: migrations run on the connection the server hands over."""

from __future__ import annotations

from alembic import context

from openssm.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("openssm migrations run through openssm.store.migrate, with a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
