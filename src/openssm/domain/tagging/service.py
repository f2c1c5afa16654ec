"""Resource tags (spec §8.3): AddTagsToResource, RemoveTagsFromResource, ListTagsForResource, and
the tag queries other features use (targeting by `tag:`, documents' `Tags`).

Features register the resource types they own with `register_resource_type`, giving a check
that a resource exists in an account (and, optionally, the id format and a normalizer, e.g. a
document ARN -> its name). A type the model allows but no feature registered is
`InvalidResourceType`; an unknown or malformed id is `InvalidResourceId`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import regex
from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from openssm.core.errors import ApiError
from openssm.store.engine import Database
from openssm.store.schema.core import tags

MAX_TAGS_PER_RESOURCE = 50
RESERVED_PREFIX = "aws:"
_INVALID_ID = "The resource ID isn't valid. Verify that you entered the correct ID and try again."

# Built once with bind parameters (read on every Describe*): SQLAlchemy reuses its cache key.
_TAGS_OF = (
    select(tags.c.resource_id, tags.c.key, tags.c.value)
    .where(
        and_(
            tags.c.account_id == bindparam("account_id"),
            tags.c.resource_type == bindparam("resource_type"),
            tags.c.resource_id.in_(bindparam("resource_ids", expanding=True)),
        )
    )
    .order_by(tags.c.resource_id, tags.c.key)
)

ExistsCheck = Callable[[Connection, str, str], bool]


def write_tags(
    conn: Connection,
    account_id: str,
    resource_type: str,
    resource_id: str,
    new_tags: Mapping[str, str],
    existing_keys: Iterable[str],
) -> None:
    """Store `new_tags` on a resource: overwrite the keys it has, add the others (no checks: the
    caller applies its service's limits). Used by every feature that keeps tags in `tags`."""
    existing = set(existing_keys)
    where = and_(
        tags.c.account_id == account_id,
        tags.c.resource_type == resource_type,
        tags.c.resource_id == resource_id,
    )
    for key, value in new_tags.items():
        if key in existing:
            conn.execute(update(tags).where(and_(where, tags.c.key == key)).values(value=value))
        else:
            row = {"account_id": account_id, "resource_type": resource_type, "resource_id": resource_id}
            conn.execute(insert(tags), {**row, "key": key, "value": value})


"""(connection, account_id, resource_id) -> does the resource exist in that account?"""


@dataclass(frozen=True)
class ResourceType:
    name: str
    exists: ExistsCheck
    id_pattern: regex.Pattern[str] | None = None
    normalize: Callable[[str, str], str] | None = None


def _check_keys(keys: Iterable[str]) -> None:
    for key in keys:
        if key.lower().startswith(RESERVED_PREFIX):
            raise ApiError(
                "ValidationException",
                f"Tag key {key} is not valid: keys beginning with 'aws:' are reserved for AWS use.",
            )


class TagService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._types: dict[str, ResourceType] = {}

    def register_resource_type(
        self,
        resource_type: str,
        exists: ExistsCheck,
        *,
        id_pattern: str | None = None,
        normalize: Callable[[str, str], str] | None = None,
    ) -> None:
        """Make `resource_type` taggable. `id_pattern` (a full-match regex) rejects malformed ids
        before the lookup; `normalize(account_id, resource_id)` maps accepted id spellings (e.g.
        an ARN) to the stored id."""
        if resource_type in self._types:
            raise ValueError(f"resource type {resource_type} registered twice")
        pattern = regex.compile(id_pattern) if id_pattern else None
        self._types[resource_type] = ResourceType(resource_type, exists, pattern, normalize)

    def _resolve(self, conn: Connection, account_id: str, resource_type: str, resource_id: str) -> str:
        spec = self._types.get(resource_type)
        if spec is None:
            raise ApiError("InvalidResourceType", f"The resource type {resource_type} isn't valid.")
        if spec.normalize is not None:
            resource_id = spec.normalize(account_id, resource_id)
        if spec.id_pattern is not None and not spec.id_pattern.fullmatch(resource_id):
            raise ApiError("InvalidResourceId", _INVALID_ID)
        if not spec.exists(conn, account_id, resource_id):
            raise ApiError("InvalidResourceId", _INVALID_ID)
        return resource_id

    # API operations (each its own transaction)

    def add_tags(
        self, account_id: str, resource_type: str, resource_id: str, new_tags: Mapping[str, str]
    ) -> None:
        with self._db.begin() as conn:
            resolved = self._resolve(conn, account_id, resource_type, resource_id)
            self.put_tags(conn, account_id, resource_type, resolved, new_tags)

    def remove_tags(self, account_id: str, resource_type: str, resource_id: str, keys: Sequence[str]) -> None:
        _check_keys(keys)
        with self._db.begin() as conn:
            resolved = self._resolve(conn, account_id, resource_type, resource_id)
            if keys:
                conn.execute(
                    delete(tags).where(
                        and_(*self._where(account_id, resource_type, resolved), tags.c.key.in_(list(keys)))
                    )
                )

    def list_tags(self, account_id: str, resource_type: str, resource_id: str) -> list[dict[str, str]]:
        with self._db.begin() as conn:
            resolved = self._resolve(conn, account_id, resource_type, resource_id)
            return self.tags_of(conn, account_id, resource_type, [resolved]).get(resolved, [])

    # Queries and writes for other features (the caller's transaction)

    @staticmethod
    def _where(account_id: str, resource_type: str, resource_id: str) -> list[ColumnElement[bool]]:
        return [
            tags.c.account_id == account_id,
            tags.c.resource_type == resource_type,
            tags.c.resource_id == resource_id,
        ]

    def put_tags(
        self,
        conn: Connection,
        account_id: str,
        resource_type: str,
        resource_id: str,
        new_tags: Mapping[str, str],
    ) -> None:
        """Add or overwrite tags on an existing resource (TooManyTagsError past 50)."""
        _check_keys(new_tags)
        if not new_tags:
            return
        where = and_(*self._where(account_id, resource_type, resource_id))
        existing = set(conn.execute(select(tags.c.key).where(where)).scalars())
        if len(existing | set(new_tags)) > MAX_TAGS_PER_RESOURCE:
            raise ApiError(
                "TooManyTagsError",
                f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags. "
                "Remove one or more tags and try again.",
            )
        write_tags(conn, account_id, resource_type, resource_id, new_tags, existing)

    def delete_all(self, conn: Connection, account_id: str, resource_type: str, resource_id: str) -> None:
        """Forget a deleted resource's tags."""
        conn.execute(delete(tags).where(and_(*self._where(account_id, resource_type, resource_id))))

    def tags_of(
        self, conn: Connection, account_id: str, resource_type: str, ids: Iterable[str]
    ) -> dict[str, list[dict[str, str]]]:
        """Tags of many resources at once, `{id: [{"Key", "Value"}, …]}` sorted by key; every
        asked id is present (with [] when untagged)."""
        wanted = list(dict.fromkeys(ids))
        result: dict[str, list[dict[str, str]]] = {resource_id: [] for resource_id in wanted}
        if not wanted:
            return result
        rows = conn.execute(
            _TAGS_OF, {"account_id": account_id, "resource_type": resource_type, "resource_ids": wanted}
        )
        for resource_id, key, value in rows:
            result[resource_id].append({"Key": key, "Value": value})
        return result

    def resources_matching(
        self, conn: Connection, account_id: str, resource_type: str, key: str, values: Iterable[str] | None
    ) -> set[str]:
        """Ids of resources tagged `key` (with one of `values`, or any value when None)."""
        conditions = [
            tags.c.account_id == account_id,
            tags.c.resource_type == resource_type,
            tags.c.key == key,
        ]
        if values is not None:
            conditions.append(tags.c.value.in_(list(values)))
        return set(conn.execute(select(tags.c.resource_id).where(and_(*conditions))).scalars())
