"""The documents service: the eight document APIs' rules, and `resolve` for other features.

Run Command, State Manager, Automation and maintenance windows call `resolve(conn, account_id,
name_or_arn, version)` inside their own transaction to get a `ResolvedDocument` (the parsed
content, parameter definitions, platforms); `parameters.validate_parameters` and
`parameters.substitute` then render it. Features that must veto or follow a deletion register a
`before_delete` hook (e.g. associations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex
from sqlalchemy import Connection
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from openssm.core.clock import Clock
from openssm.core.errors import ApiError
from openssm.core.paging import PageTokens, query_scope
from openssm.domain.documents import content, repository, seed
from openssm.domain.documents.filters import DOCUMENT_RESOURCE_TYPE, KeyValuesFilter, build_query
from openssm.domain.documents.models import (
    AMAZON_ACCOUNT,
    DEFAULT_VERSION,
    LATEST_VERSION,
    DocumentFormat,
    DocumentType,
    DocumentVersion,
)
from openssm.domain.documents.parameters import DocumentParameter
from openssm.domain.documents.versions import (
    NewVersion,
    check_reserved_name,
    insert_document,
    is_reserved_name,
    not_found,
    select_version,
    version_row,
)
from openssm.domain.tagging.service import TagService
from openssm.store.engine import Database

__all__ = ["DocumentParameter", "DocumentService", "ResolvedDocument"]

MAX_DOCUMENTS = 500
MAX_VERSIONS = 1000
DEFAULT_PAGE_SIZE = 50
_ARN = regex.compile(r"^arn:aws[a-z\-]*:ssm:([a-z0-9\-]*):([0-9]*):document/(.+)$")

DeleteHook = Callable[[Connection, str, str, int | None, bool], None]
"""(connection, account_id, name, version or None for all versions, force) -> None; may raise."""


@dataclass(frozen=True)
class ResolvedDocument:
    """One version of a document, ready to run."""

    name: str
    version: str
    version_name: str | None
    document_type: str
    schema_version: str | None
    document_format: str
    content: dict[str, Any]
    """The parsed document (YAML converted); {} for TEXT documents, see `raw_content`."""
    hash: str
    hash_type: str
    platform_types: tuple[str, ...]
    parameters: tuple[DocumentParameter, ...]
    owner: str
    arn: str
    raw_content: str = ""
    """The content exactly as stored (the iCalendar text of a ChangeCalendar)."""


@dataclass(frozen=True)
class CreateDocument:
    name: str
    content: str
    document_type: str | None = None
    document_format: DocumentFormat | None = None
    display_name: str | None = None
    version_name: str | None = None
    target_type: str | None = None
    requires: list[dict[str, Any]] | None = None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class UpdateDocument:
    name: str
    content: str
    document_version: str | None = None
    document_format: DocumentFormat | None = None
    display_name: str | None = None
    version_name: str | None = None
    target_type: str | None = None


@dataclass(frozen=True)
class Described:
    version: DocumentVersion
    tags: list[dict[str, str]]


def _default_format(document_type: str) -> DocumentFormat:
    return DocumentFormat.TEXT if document_type == DocumentType.CHANGE_CALENDAR else DocumentFormat.JSON


class DocumentService:
    def __init__(self, db: Database, clock: Clock, tags: TagService, tokens: PageTokens, region: str) -> None:
        self._db = db
        self._clock = clock
        self._tags = tags
        self._tokens = tokens
        self._region = region
        self._before_delete: list[DeleteHook] = []

    def add_before_delete(self, hook: DeleteHook) -> None:
        self._before_delete.append(hook)

    def arn(self, account_id: str, name: str) -> str:
        return f"arn:aws:ssm:{self._region}:{account_id}:document/{name}"

    # Lookups shared by the operations and other features

    def exists(self, conn: Connection, account_id: str, name: str) -> bool:
        """Does `account_id` own a document called `name` (AWS-owned documents are not counted)?"""
        return repository.get_document(conn, account_id, name) is not None

    def normalize_name(self, account_id: str, name_or_arn: str) -> str:
        """A document ARN of the caller's own document -> its name (anything else unchanged)."""
        match = _ARN.match(name_or_arn)
        if match and match.group(1) == self._region and match.group(2) == account_id:
            return str(match.group(3))
        return name_or_arn

    def _locate(self, conn: Connection, account_id: str, name_or_arn: str) -> RowMapping:
        """The row of a readable document: the caller's own, else an AWS-owned one."""
        match = _ARN.match(name_or_arn)
        if match:
            region, owner, name = match.groups()
            if region != self._region or owner not in (account_id, AMAZON_ACCOUNT):
                raise not_found()
            candidates = [owner]
        elif is_reserved_name(name_or_arn):  # no account can own it: skip the read of its own
            name, candidates = name_or_arn, [AMAZON_ACCOUNT]
        else:
            name, candidates = name_or_arn, [account_id, AMAZON_ACCOUNT]
        for candidate in candidates:
            row = repository.get_document(conn, candidate, name)
            if row is not None:
                return row
        raise not_found()

    def _owned(self, conn: Connection, account_id: str, name: str, *, lock: bool = False) -> RowMapping:
        """The caller's own document row, for the operations that change documents."""
        row = repository.get_document(conn, account_id, name, lock=lock)
        if row is None:
            if repository.get_document(conn, AMAZON_ACCOUNT, name) is not None:
                raise ApiError(
                    "InvalidDocumentOperation", f"The document {name} is owned by AWS and can't be changed."
                )
            raise not_found()
        return row

    def _read(
        self,
        conn: Connection,
        account_id: str,
        name_or_arn: str,
        document_version: str | None,
        version_name: str | None,
    ) -> DocumentVersion:
        row = self._locate(conn, account_id, name_or_arn)
        version = select_version(conn, row, document_version, version_name)
        found = repository.get_version(conn, row["account_id"], row["name"], version)
        if found is None:
            raise ApiError("InvalidDocumentVersion", "The document version is not valid or does not exist.")
        return found

    def resolve(
        self,
        conn: Connection,
        account_id: str,
        name_or_arn: str,
        version: str | None,
        version_name: str | None = None,
    ) -> ResolvedDocument:
        """The document version a command/association/automation/task will run.

        `version` is `$DEFAULT` (or None), `$LATEST`, a version number, or a VersionName.
        Raises InvalidDocument / InvalidDocumentVersion.
        """
        if version is not None and version not in (DEFAULT_VERSION, LATEST_VERSION) and not version.isdigit():
            version, version_name = None, version
        found = self._read(conn, account_id, name_or_arn, version, version_name)
        return ResolvedDocument(
            name=found.name,
            version=str(found.version),
            version_name=found.version_name,
            document_type=found.document_type,
            schema_version=found.schema_version,
            document_format=found.document_format.value,
            content=found.parsed if found.parsed is not None else {},
            hash=found.hash,
            hash_type="Sha256",
            platform_types=found.platform_types,
            parameters=found.parameters,
            owner=found.owner,
            arn=self.arn(found.account_id, found.name),
            raw_content=found.content,
        )

    # The API operations

    def create(self, account_id: str, request: CreateDocument) -> Described:
        check_reserved_name(request.name)
        document_type = request.document_type or DocumentType.COMMAND
        document_format = request.document_format or _default_format(document_type)
        analyzed = content.analyze(request.content, document_format, document_type)
        now = self._clock.now()
        new = NewVersion(
            version=1,
            content=request.content,
            document_format=document_format,
            analyzed=analyzed,
            version_name=request.version_name,
            display_name=request.display_name,
            target_type=request.target_type,
            requires=request.requires,
        )
        try:
            with self._db.begin() as conn:
                if self.exists(conn, account_id, request.name):
                    raise ApiError("DocumentAlreadyExists", "The specified document already exists.")
                if repository.count_documents(conn, account_id) >= MAX_DOCUMENTS:
                    raise ApiError(
                        "DocumentLimitExceeded", f"You can have at most {MAX_DOCUMENTS} active SSM documents."
                    )
                insert_document(conn, account_id, request.name, document_type, new, now)
                if request.tags:
                    self._tags.put_tags(conn, account_id, DOCUMENT_RESOURCE_TYPE, request.name, request.tags)
                return self._described(conn, account_id, request.name, 1)
        except IntegrityError:
            raise ApiError("DocumentAlreadyExists", "The specified document already exists.") from None

    def _described(self, conn: Connection, account_id: str, name: str, version: int) -> Described:
        found = repository.get_version(conn, account_id, name, version)
        assert found is not None
        tags = self._tags.tags_of(conn, account_id, DOCUMENT_RESOURCE_TYPE, [name])[name]
        return Described(found, tags)

    def get(
        self, account_id: str, name_or_arn: str, document_version: str | None, version_name: str | None
    ) -> DocumentVersion:
        with self._db.begin() as conn:
            return self._read(conn, account_id, name_or_arn, document_version, version_name)

    def describe(
        self, account_id: str, name_or_arn: str, document_version: str | None, version_name: str | None
    ) -> Described:
        with self._db.begin() as conn:
            found = self._read(conn, account_id, name_or_arn, document_version, version_name)
            tags = self._tags.tags_of(conn, found.account_id, DOCUMENT_RESOURCE_TYPE, [found.name])
            return Described(found, tags[found.name])  # `found` is this transaction's read: no second one

    def update(self, account_id: str, request: UpdateDocument) -> Described:
        with self._db.begin() as conn:
            row = self._owned(conn, account_id, request.name, lock=True)
            latest = repository.get_version(conn, account_id, request.name, row["latest_version"])
            assert latest is not None
            wanted = select_version(conn, row, request.document_version or LATEST_VERSION, None)
            if wanted != latest.version:
                raise ApiError(
                    "InvalidDocumentVersion",
                    f"Only the latest version of a document can be updated: use $LATEST or {latest.version}.",
                )
            document_format = request.document_format or _default_format(row["document_type"])
            analyzed = content.analyze(request.content, document_format, row["document_type"])
            command = row["document_type"] == DocumentType.COMMAND
            if command and "1.2" in (latest.schema_version, analyzed.schema_version):
                raise ApiError(
                    "InvalidDocumentSchemaVersion",
                    "Documents with schema version 1.2 can't be updated. Create a new document instead.",
                )
            name = request.name
            if request.version_name is not None and (
                repository.find_version_number(conn, account_id, name, version_name=request.version_name)
                is not None
            ):
                raise ApiError(
                    "DuplicateDocumentVersionName",
                    "The version name has already been used in this document. "
                    "Specify a different version name, and then try again.",
                )
            if repository.find_version_number(conn, account_id, name, content_hash=analyzed.hash) is not None:
                raise ApiError(
                    "DuplicateDocumentContent",
                    "The content of the association document matches another document. Change the content of "
                    "the document and try again.",
                )
            count, _ = repository.version_stats(conn, account_id, request.name)
            if count >= MAX_VERSIONS:
                raise ApiError(
                    "DocumentVersionLimitExceeded",
                    "The document has too many versions. Delete one or more document versions and try again.",
                )
            number = row["version_counter"] + 1
            new = NewVersion(
                version=number,
                content=request.content,
                document_format=document_format,
                analyzed=analyzed,
                version_name=request.version_name,
                display_name=latest.display_name if request.display_name is None else request.display_name,
                target_type=latest.target_type if request.target_type is None else request.target_type,
                requires=latest.requires,
            )
            repository.insert_version(conn, version_row(account_id, request.name, new, self._clock.now()))
            repository.update_document(
                conn, account_id, request.name, {"latest_version": number, "version_counter": number}
            )
            return self._described(conn, account_id, request.name, number)

    def delete(
        self, account_id: str, name: str, document_version: str | None, version_name: str | None, force: bool
    ) -> None:
        with self._db.begin() as conn:
            row = self._owned(conn, account_id, name, lock=True)
            if document_version is None and version_name is None:
                for hook in self._before_delete:
                    hook(conn, account_id, name, None, force)
                self._tags.delete_all(conn, account_id, DOCUMENT_RESOURCE_TYPE, name)
                repository.delete_document(conn, account_id, name)
                return
            try:
                version = select_version(conn, row, document_version, version_name)
            except ApiError:
                raise not_found() from None
            if version == row["default_version"]:
                raise ApiError(
                    "InvalidDocumentOperation", "Default version of the document can't be deleted."
                )
            for hook in self._before_delete:
                hook(conn, account_id, name, version, force)
            repository.delete_version(conn, account_id, name, version)
            _, highest = repository.version_stats(conn, account_id, name)
            repository.update_document(conn, account_id, name, {"latest_version": highest})

    def update_default_version(self, account_id: str, name: str, document_version: str) -> DocumentVersion:
        with self._db.begin() as conn:
            row = self._owned(conn, account_id, name, lock=True)
            version = select_version(conn, row, document_version, None)
            repository.update_document(conn, account_id, name, {"default_version": version})
            found = repository.get_version(conn, account_id, name, version)
            assert found is not None
            return found

    def list_documents(
        self,
        account_id: str,
        filters: list[KeyValuesFilter],
        legacy: bool,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[Described], str | None]:
        limit = max_results or DEFAULT_PAGE_SIZE
        scope = query_scope("ListDocuments", account_id, legacy, [[f.key, list(f.values)] for f in filters])
        after = self._tokens.decode(scope, next_token)["n"] if next_token else None
        with self._db.begin() as conn:
            query = build_query(conn, self._tags, account_id, filters, legacy=legacy)
            page = repository.list_documents(conn, query, after, limit + 1)
            more = len(page) > limit
            page = page[:limit]
            own = [d.name for d in page if d.account_id == account_id]
            tags = self._tags.tags_of(conn, account_id, DOCUMENT_RESOURCE_TYPE, own)
        token = self._tokens.encode(scope, {"n": page[-1].name}) if more else None
        return [Described(d, tags.get(d.name, []) if d.account_id == account_id else []) for d in page], token

    def list_versions(
        self, account_id: str, name_or_arn: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[DocumentVersion], str | None]:
        limit = max_results or DEFAULT_PAGE_SIZE
        with self._db.begin() as conn:
            row = self._locate(conn, account_id, name_or_arn)
            owner, name = row["account_id"], row["name"]
            scope = query_scope("ListDocumentVersions", account_id, owner, name)
            after = self._tokens.decode(scope, next_token)["v"] if next_token else None
            page = repository.list_versions(conn, owner, name, after, limit + 1)
        token = self._tokens.encode(scope, {"v": page[limit - 1].version}) if len(page) > limit else None
        return page[:limit], token

    # AWS-owned documents

    def seed_builtin(self) -> None:
        """Install or refresh the AWS-owned documents (idempotent; safe with several replicas)."""
        seed.seed_builtin(self._db, self._clock)
