"""Durable state: the database engine, the schema, migrations and work claims."""
