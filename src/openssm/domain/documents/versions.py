"""Version bookkeeping shared by the document operations: names, version selectors, new rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import RowMapping

from openssm.core.errors import ApiError
from openssm.domain.documents import repository
from openssm.domain.documents.content import AnalyzedContent
from openssm.domain.documents.models import DEFAULT_VERSION, LATEST_VERSION, DocumentFormat

RESERVED_PREFIXES = ("aws-", "amazon", "amzn", "AWSEC2", "AWSConfigRemediation", "AWSSupport")


def not_found() -> ApiError:
    return ApiError("InvalidDocument", "The specified document does not exist.")


def invalid_version() -> ApiError:
    return ApiError("InvalidDocumentVersion", "The document version is not valid or does not exist.")


def is_reserved_name(name: str) -> bool:
    """Names beginning with an AWS prefix (any case) are reserved for AWS-owned documents.

    The prefix is `aws-` with its hyphen (an AWS maintainer of the CloudFormation SSM provider, PR
    #47: "Reserved prefix is 'aws-', with the hyphen"), so `awesome-doc` is allowed.
    """
    lowered = name.lower()
    return any(lowered.startswith(prefix.lower()) for prefix in RESERVED_PREFIXES)


def check_reserved_name(name: str) -> None:
    """A document the caller creates must not take a reserved name (`is_reserved_name`)."""
    if is_reserved_name(name):
        raise ApiError(
            "ValidationException",
            f"Invalid document name {name}. Document names can't begin with the reserved prefixes "
            + ", ".join(RESERVED_PREFIXES)
            + ".",
        )


def select_version(
    conn: Connection, document: RowMapping | None, document_version: str | None, version_name: str | None
) -> int:
    """The version number a `DocumentVersion` ($DEFAULT, $LATEST, a number) and/or `VersionName`
    designate; both given must agree. InvalidDocumentVersion when there is no such version."""
    if document is None:
        raise not_found()
    account_id, name = document["account_id"], document["name"]
    chosen: int | None = None
    if document_version is None or document_version == DEFAULT_VERSION:
        chosen = None if (document_version is None and version_name) else document["default_version"]
    elif document_version == LATEST_VERSION:
        chosen = document["latest_version"]
    elif document_version.isdigit():
        chosen = int(document_version)
        if repository.get_version(conn, account_id, name, chosen) is None:
            raise invalid_version()
    else:
        raise invalid_version()
    if version_name is not None:
        named = repository.find_version_number(conn, account_id, name, version_name=version_name)
        if named is None or (chosen is not None and named != chosen):
            raise invalid_version()
        chosen = named
    assert chosen is not None
    return chosen


@dataclass(frozen=True)
class NewVersion:
    version: int
    content: str
    document_format: DocumentFormat
    analyzed: AnalyzedContent
    version_name: str | None = None
    display_name: str | None = None
    target_type: str | None = None
    requires: list[dict[str, Any]] | None = None


def version_row(account_id: str, name: str, new: NewVersion, now: datetime) -> dict[str, Any]:
    analyzed = new.analyzed
    return {
        "account_id": account_id,
        "name": name,
        "version": new.version,
        "version_name": new.version_name,
        "display_name": new.display_name,
        "content": new.content,
        "parsed": analyzed.parsed,
        "document_format": new.document_format.value,
        "schema_version": analyzed.schema_version,
        "description": analyzed.description,
        "hash": analyzed.hash,
        "parameters": [p.to_json() for p in analyzed.parameters],
        "platform_types": ",".join(analyzed.platform_types),
        "target_type": new.target_type,
        "requires": new.requires,
        "author": None,
        "status": "Active",
        "status_information": None,
        "created_date": now,
    }


def insert_document(
    conn: Connection, account_id: str, name: str, document_type: str, new: NewVersion, now: datetime
) -> None:
    """A new document with its first version (which is its default and latest)."""
    repository.insert_document(
        conn,
        {
            "account_id": account_id,
            "name": name,
            "document_type": document_type,
            "default_version": new.version,
            "latest_version": new.version,
            "version_counter": new.version,
            "created_date": now,
        },
    )
    repository.insert_version(conn, version_row(account_id, name, new, now))
