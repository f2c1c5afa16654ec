"""ListDocuments filters -> a repository query (spec §4.6).

`Filters` keys: `Owner` (one value: Self, Amazon, Private, Public, ThirdParty), `Name` (a name
prefix), `PlatformTypes`, `DocumentType`, `TargetType` and `tag:<key>`; the legacy
`DocumentFilterList` takes Name, Owner, PlatformTypes and DocumentType. Keys are ANDed, the values
of one key ORed. The AWS-provided keys and the Owner values are matched case-insensitively (the
CloudFormation SSM provider sends `owner`/`self`). Private means the caller's own documents here:
openssm has no document sharing, so Public and ThirdParty match nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from openssm.core.errors import ApiError
from openssm.domain.documents.models import AMAZON_ACCOUNT
from openssm.domain.documents.repository import DocumentQuery
from openssm.domain.tagging.service import TagService

DOCUMENT_RESOURCE_TYPE = "Document"
_KEYS = {
    "owner": "Owner",
    "name": "Name",
    "platformtypes": "PlatformTypes",
    "documenttype": "DocumentType",
    "targettype": "TargetType",
}
_LEGACY_KEYS = frozenset({"Owner", "Name", "PlatformTypes", "DocumentType"})


@dataclass(frozen=True)
class KeyValuesFilter:
    key: str
    values: tuple[str, ...]


def _owner_accounts(values: Sequence[str], account_id: str) -> tuple[str, ...]:
    if len(values) != 1:
        raise ApiError("ValidationException", "Only one Owner can be specified in a request.")
    owner = values[0].lower()
    if owner in ("self", "private"):
        return (account_id,)
    if owner == "amazon":
        return (AMAZON_ACCOUNT,)
    if owner in ("public", "thirdparty"):
        return ()
    raise ApiError(
        "ValidationException",
        f"Owner {values[0]} is not valid. Valid values are Self, Amazon, Private, Public and ThirdParty.",
    )


def build_query(
    conn: Connection,
    tags: TagService,
    account_id: str,
    filters: Sequence[KeyValuesFilter],
    *,
    legacy: bool = False,
) -> DocumentQuery:
    """Turn validated filters into a query; InvalidFilterKey for a key ListDocuments doesn't know."""
    accounts: set[str] = {account_id, AMAZON_ACCOUNT}
    groups: dict[str, list[tuple[str, ...]]] = {key: [] for key in _KEYS.values()}
    names: set[str] | None = None
    for item in filters:
        if not legacy and item.key.startswith("tag:"):
            tag_key = item.key[len("tag:") :]
            if not tag_key:
                raise ApiError("InvalidFilterKey", "The specified key isn't valid.")
            matching = tags.resources_matching(
                conn, account_id, DOCUMENT_RESOURCE_TYPE, tag_key, item.values or None
            )
            names = matching if names is None else names & matching
            continue
        key = _KEYS.get(item.key.lower())
        if key is None or (legacy and key not in _LEGACY_KEYS):
            raise ApiError("InvalidFilterKey", f"The specified key {item.key} isn't valid.")
        if not item.values:
            raise ApiError("ValidationException", f"The filter {item.key} must have at least one value.")
        if key == "Owner":
            accounts &= set(_owner_accounts(item.values, account_id))
        else:
            groups[key].append(item.values)
    return DocumentQuery(
        accounts=tuple(sorted(accounts)),
        name_prefixes=tuple(groups["Name"]),
        platform_types=tuple(groups["PlatformTypes"]),
        document_types=tuple(groups["DocumentType"]),
        target_types=tuple(groups["TargetType"]),
        names=frozenset(names) if names is not None else None,
    )
