"""DeleteDocument: all versions, one version, the default version, tags, AWS-owned documents."""

from __future__ import annotations

from typing import Any

from tests.api.documents_support import command_content, error_of
from tests.conftest import unique


def three_versions(ssm: Any) -> str:
    name = unique("deleting")
    ssm.create_document(Name=name, Content=command_content("1"), Tags=[{"Key": "k", "Value": "v"}])
    ssm.update_document(Name=name, Content=command_content("2"), VersionName="two", DocumentVersion="$LATEST")
    ssm.update_document(Name=name, Content=command_content("3"), DocumentVersion="$LATEST")
    return name


def versions(ssm: Any, name: str) -> list[str]:
    return [v["DocumentVersion"] for v in ssm.list_document_versions(Name=name)["DocumentVersions"]]


def test_deleting_without_a_version_removes_the_document_and_its_tags(ssm: Any) -> None:
    name = three_versions(ssm)
    ssm.delete_document(Name=name)
    assert error_of(ssm.describe_document, Name=name)[0] == "InvalidDocument"
    assert (
        error_of(ssm.list_tags_for_resource, ResourceType="Document", ResourceId=name)[0]
        == "InvalidResourceId"
    )
    ssm.create_document(Name=name, Content=command_content("again"))
    assert ssm.list_tags_for_resource(ResourceType="Document", ResourceId=name)["TagList"] == []
    assert versions(ssm, name) == ["1"]


def test_one_version_can_be_deleted_by_number_or_name(ssm: Any) -> None:
    name = three_versions(ssm)
    ssm.delete_document(Name=name, VersionName="two")
    assert versions(ssm, name) == ["1", "3"]
    ssm.delete_document(Name=name, DocumentVersion="3")
    assert versions(ssm, name) == ["1"]
    document = ssm.describe_document(Name=name)["Document"]
    assert document["LatestVersion"] == "1"


def test_version_numbers_are_not_reused_after_a_delete(ssm: Any) -> None:
    name = three_versions(ssm)
    ssm.delete_document(Name=name, DocumentVersion="3")
    updated = ssm.update_document(Name=name, Content=command_content("4"), DocumentVersion="$LATEST")
    assert updated["DocumentDescription"]["DocumentVersion"] == "4"
    assert versions(ssm, name) == ["1", "2", "4"]


def test_the_default_version_cannot_be_deleted_alone(ssm: Any) -> None:
    name = three_versions(ssm)
    code, message = error_of(ssm.delete_document, Name=name, DocumentVersion="1")
    assert (code, message) == (
        "InvalidDocumentOperation",
        "Default version of the document can't be deleted.",
    )
    assert (
        error_of(ssm.delete_document, Name=name, DocumentVersion="$DEFAULT")[0] == "InvalidDocumentOperation"
    )
    ssm.update_document_default_version(Name=name, DocumentVersion="3")
    ssm.delete_document(Name=name, DocumentVersion="1")
    assert versions(ssm, name) == ["2", "3"]


def test_unknown_documents_and_versions_cannot_be_deleted(ssm: Any) -> None:
    name = three_versions(ssm)
    assert error_of(ssm.delete_document, Name=unique("missing"))[0] == "InvalidDocument"
    assert error_of(ssm.delete_document, Name=name, DocumentVersion="9")[0] == "InvalidDocument"
    assert error_of(ssm.delete_document, Name=name, VersionName="nine")[0] == "InvalidDocument"


def test_the_force_flag_is_accepted(ssm: Any) -> None:
    name = three_versions(ssm)
    ssm.delete_document(Name=name, Force=True)
    assert error_of(ssm.get_document, Name=name)[0] == "InvalidDocument"
