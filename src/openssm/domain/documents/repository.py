"""SQL for documents and their versions (schema in store/schema/documents.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from openssm.domain.documents.models import DocumentFormat, DocumentVersion
from openssm.domain.documents.parameters import DocumentParameter
from openssm.store.schema.documents import document_versions, documents

_D, _V = documents.c, document_versions.c


def _joined() -> Select[Any]:
    columns: list[Any] = [
        *document_versions.c,
        _D.document_type,
        _D.default_version,
        _D.latest_version,
        _D.created_date.label("document_created_date"),
    ]
    join = document_versions.join(documents, and_(_D.account_id == _V.account_id, _D.name == _V.name))
    return select(*columns).select_from(join)


def to_version(row: RowMapping) -> DocumentVersion:
    platforms = row["platform_types"]
    return DocumentVersion(
        account_id=row["account_id"],
        name=row["name"],
        document_type=row["document_type"],
        version=row["version"],
        default_version=row["default_version"],
        latest_version=row["latest_version"],
        version_name=row["version_name"],
        display_name=row["display_name"],
        content=row["content"],
        parsed=row["parsed"],
        document_format=DocumentFormat(row["document_format"]),
        schema_version=row["schema_version"],
        description=row["description"],
        hash=row["hash"],
        parameters=tuple(DocumentParameter.from_json(p) for p in row["parameters"]),
        platform_types=tuple(platforms.split(",")) if platforms else (),
        target_type=row["target_type"],
        requires=row["requires"],
        author=row["author"],
        status=row["status"],
        status_information=row["status_information"],
        created_date=row["created_date"],
        document_created_date=row["document_created_date"],
    )


# The hottest reads are built once, with bind parameters: SQLAlchemy then reuses the statement's
# cache key instead of rebuilding it on every call (building one costs ~100-250 µs).
_DOCUMENT = select(documents).where(
    and_(_D.account_id == bindparam("account_id"), _D.name == bindparam("name"))
)
_DOCUMENT_FOR_UPDATE = _DOCUMENT.with_for_update()
_UPDATE_DOCUMENT = update(documents).where(
    and_(_D.account_id == bindparam("b_account_id"), _D.name == bindparam("b_name"))
)
_VERSION = _joined().where(
    and_(
        _V.account_id == bindparam("account_id"),
        _V.name == bindparam("name"),
        _V.version == bindparam("version"),
    )
)


def get_document(conn: Connection, account_id: str, name: str, *, lock: bool = False) -> RowMapping | None:
    query = _DOCUMENT_FOR_UPDATE if lock and conn.dialect.name == "postgresql" else _DOCUMENT
    return conn.execute(query, {"account_id": account_id, "name": name}).mappings().first()


def count_documents(conn: Connection, account_id: str) -> int:
    return int(conn.execute(select(func.count()).where(_D.account_id == account_id)).scalar_one())


def insert_document(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(documents), row)  # compiled once per key set (`.values(row)` is not)


def update_document(conn: Connection, account_id: str, name: str, values: dict[str, Any]) -> None:
    conn.execute(_UPDATE_DOCUMENT, {**values, "b_account_id": account_id, "b_name": name})


def delete_document(conn: Connection, account_id: str, name: str) -> None:
    where = and_(_V.account_id == account_id, _V.name == name)
    conn.execute(delete(document_versions).where(where))
    conn.execute(delete(documents).where(and_(_D.account_id == account_id, _D.name == name)))


def insert_version(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(document_versions), row)


def delete_version(conn: Connection, account_id: str, name: str, version: int) -> None:
    conn.execute(
        delete(document_versions).where(
            and_(_V.account_id == account_id, _V.name == name, _V.version == version)
        )
    )


def get_version(conn: Connection, account_id: str, name: str, version: int) -> DocumentVersion | None:
    row = (
        conn.execute(_VERSION, {"account_id": account_id, "name": name, "version": version})
        .mappings()
        .first()
    )
    return to_version(row) if row else None


def find_version_number(
    conn: Connection,
    account_id: str,
    name: str,
    *,
    version_name: str | None = None,
    content_hash: str | None = None,
) -> int | None:
    """The version with this VersionName or content hash, if any."""
    conditions = [_V.account_id == account_id, _V.name == name]
    if version_name is not None:
        conditions.append(_V.version_name == version_name)
    if content_hash is not None:
        conditions.append(_V.hash == content_hash)
    value = conn.execute(select(_V.version).where(and_(*conditions)).limit(1)).scalar()
    return int(value) if value is not None else None


def version_stats(conn: Connection, account_id: str, name: str) -> tuple[int, int]:
    """(number of versions, highest existing version number)."""
    row = conn.execute(
        select(func.count(), func.max(_V.version)).where(and_(_V.account_id == account_id, _V.name == name))
    ).one()
    return int(row[0]), int(row[1] or 0)


def list_versions(
    conn: Connection, account_id: str, name: str, after: int | None, limit: int
) -> list[DocumentVersion]:
    query = _joined().where(and_(_V.account_id == account_id, _V.name == name))
    if after is not None:
        query = query.where(_V.version > after)
    rows = conn.execute(query.order_by(_V.version).limit(limit)).mappings().all()
    return [to_version(row) for row in rows]


@dataclass(frozen=True)
class DocumentQuery:
    """ListDocuments conditions. Each field is a tuple of groups: the groups are ANDed, the
    values inside one group ORed (an empty group matches nothing)."""

    accounts: tuple[str, ...]
    name_prefixes: tuple[tuple[str, ...], ...] = ()
    platform_types: tuple[tuple[str, ...], ...] = ()
    document_types: tuple[tuple[str, ...], ...] = ()
    target_types: tuple[tuple[str, ...], ...] = ()
    names: frozenset[str] | None = None
    """When set, only these names (from tag filters)."""


def _any(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*conditions) if conditions else literal(False)


def list_documents(
    conn: Connection, query: DocumentQuery, after: str | None, limit: int
) -> list[DocumentVersion]:
    """Documents (their default versions) matching `query`, by name, after the name `after`."""
    statement = _joined().where(_V.version == _D.default_version, _D.account_id.in_(list(query.accounts)))
    delimited = literal(",") + _V.platform_types + literal(",")
    for prefixes in query.name_prefixes:
        statement = statement.where(_any([_D.name.startswith(p, autoescape=True) for p in prefixes]))
    for platforms in query.platform_types:
        statement = statement.where(_any([delimited.contains(f",{p},", autoescape=True) for p in platforms]))
    for types in query.document_types:
        statement = statement.where(_D.document_type.in_(list(types)))
    for target_types in query.target_types:
        statement = statement.where(_V.target_type.in_(list(target_types)))
    if query.names is not None:
        statement = statement.where(_D.name.in_(sorted(query.names)))
    # Byte order on every backend (PostgreSQL's default collation may differ from SQLite's).
    name = _D.name.collate("C") if conn.dialect.name == "postgresql" else _D.name
    if after is not None:
        statement = statement.where(name > after)
    rows = conn.execute(statement.order_by(name, _D.account_id).limit(limit)).mappings().all()
    return [to_version(row) for row in rows]
