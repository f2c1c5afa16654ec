"""Document API handlers: wire dicts <-> the documents service (spec §4)."""

from __future__ import annotations

from typing import Any

from openssm.core.context import RequestContext
from openssm.core.errors import ApiError
from openssm.domain.documents import content
from openssm.domain.documents.filters import KeyValuesFilter
from openssm.domain.documents.models import DocumentFormat, DocumentVersion
from openssm.domain.documents.service import CreateDocument, Described, DocumentService, UpdateDocument
from openssm.protocol.registry import operation


def _format(value: str | None) -> DocumentFormat | None:
    return DocumentFormat(value) if value else None


def _parameters(version: DocumentVersion) -> list[dict[str, Any]]:
    return [
        {"Name": p.name, "Type": p.type, "Description": p.description, "DefaultValue": p.default_text()}
        for p in version.parameters
    ]


def description(described: Described) -> dict[str, Any]:
    """A DocumentDescription."""
    v = described.version
    return {
        "Hash": v.hash,
        "HashType": "Sha256",
        "Name": v.name,
        "DisplayName": v.display_name,
        "VersionName": v.version_name,
        "Owner": v.owner,
        "CreatedDate": v.created_date,
        "Status": v.status,
        "StatusInformation": v.status_information,
        "DocumentVersion": str(v.version),
        "Description": v.description,
        "Parameters": _parameters(v),
        "PlatformTypes": list(v.platform_types),
        "DocumentType": v.document_type,
        "SchemaVersion": v.schema_version,
        "LatestVersion": str(v.latest_version),
        "DefaultVersion": str(v.default_version),
        "DocumentFormat": v.document_format.value,
        "TargetType": v.target_type,
        "Tags": described.tags,
        "Requires": v.requires,
        "Author": v.author,
    }


def identifier(described: Described) -> dict[str, Any]:
    """A DocumentIdentifier (ListDocuments item): the document's default version."""
    v = described.version
    return {
        "Name": v.name,
        "CreatedDate": v.created_date,
        "DisplayName": v.display_name,
        "Owner": v.owner,
        "VersionName": v.version_name,
        "PlatformTypes": list(v.platform_types),
        "DocumentVersion": str(v.version),
        "DocumentType": v.document_type,
        "SchemaVersion": v.schema_version,
        "DocumentFormat": v.document_format.value,
        "TargetType": v.target_type,
        "Tags": described.tags,
        "Requires": v.requires,
        "Author": v.author,
    }


def _filters(params: dict[str, Any]) -> tuple[list[KeyValuesFilter], bool]:
    filters, legacy = params.get("Filters"), params.get("DocumentFilterList")
    if filters and legacy:
        raise ApiError(
            "ValidationException", "You can specify either Filters or DocumentFilterList, but not both."
        )
    if legacy:
        return [KeyValuesFilter(f["key"], (f["value"],)) for f in legacy], True
    return [KeyValuesFilter(f.get("Key", ""), tuple(f.get("Values") or ())) for f in filters or ()], False


class DocumentHandlers:
    def __init__(self, service: DocumentService) -> None:
        self._service = service

    @operation("CreateDocument")
    def create_document(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        request = CreateDocument(
            name=params["Name"],
            content=params["Content"],
            document_type=params.get("DocumentType"),
            document_format=_format(params.get("DocumentFormat")),
            display_name=params.get("DisplayName"),
            version_name=params.get("VersionName"),
            target_type=params.get("TargetType"),
            requires=params.get("Requires"),
            tags={tag["Key"]: tag["Value"] for tag in params.get("Tags") or ()},
        )
        return {"DocumentDescription": description(self._service.create(ctx.account_id, request))}

    @operation("GetDocument")
    def get_document(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        v = self._service.get(
            ctx.account_id, params["Name"], params.get("DocumentVersion"), params.get("VersionName")
        )
        wanted = _format(params.get("DocumentFormat")) or v.document_format
        return {
            "Name": v.name,
            "CreatedDate": v.created_date,
            "DisplayName": v.display_name,
            "VersionName": v.version_name,
            "DocumentVersion": str(v.version),
            "Status": v.status,
            "StatusInformation": v.status_information,
            "Content": content.render(v.content, v.parsed, v.document_format, wanted),
            "DocumentType": v.document_type,
            "DocumentFormat": wanted.value,
            "Requires": v.requires,
        }

    @operation("DescribeDocument")
    def describe_document(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        described = self._service.describe(
            ctx.account_id, params["Name"], params.get("DocumentVersion"), params.get("VersionName")
        )
        return {"Document": description(described)}

    @operation("UpdateDocument")
    def update_document(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        request = UpdateDocument(
            name=params["Name"],
            content=params["Content"],
            document_version=params.get("DocumentVersion"),
            document_format=_format(params.get("DocumentFormat")),
            display_name=params.get("DisplayName"),
            version_name=params.get("VersionName"),
            target_type=params.get("TargetType"),
        )
        return {"DocumentDescription": description(self._service.update(ctx.account_id, request))}

    @operation("DeleteDocument")
    def delete_document(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._service.delete(
            ctx.account_id,
            params["Name"],
            params.get("DocumentVersion"),
            params.get("VersionName"),
            bool(params.get("Force")),
        )
        return {}

    @operation("ListDocuments")
    def list_documents(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        filters, legacy = _filters(params)
        page, token = self._service.list_documents(
            ctx.account_id, filters, legacy, params.get("MaxResults"), params.get("NextToken")
        )
        return {"DocumentIdentifiers": [identifier(d) for d in page], "NextToken": token}

    @operation("ListDocumentVersions")
    def list_document_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        page, token = self._service.list_versions(
            ctx.account_id, params["Name"], params.get("MaxResults"), params.get("NextToken")
        )
        versions = [
            {
                "Name": v.name,
                "DisplayName": v.display_name,
                "DocumentVersion": str(v.version),
                "VersionName": v.version_name,
                "CreatedDate": v.created_date,
                "IsDefaultVersion": v.is_default,
                "DocumentFormat": v.document_format.value,
                "Status": v.status,
                "StatusInformation": v.status_information,
            }
            for v in page
        ]
        return {"DocumentVersions": versions, "NextToken": token}

    @operation("UpdateDocumentDefaultVersion")
    def update_document_default_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        v = self._service.update_default_version(ctx.account_id, params["Name"], params["DocumentVersion"])
        return {
            "Description": {
                "Name": v.name,
                "DefaultVersion": str(v.version),
                "DefaultVersionName": v.version_name,
            }
        }
