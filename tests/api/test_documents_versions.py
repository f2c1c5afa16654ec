"""UpdateDocument, UpdateDocumentDefaultVersion and ListDocumentVersions."""

from __future__ import annotations

import json
from typing import Any

from tests.api.documents_support import command_content, error_of
from tests.conftest import unique


def create(ssm: Any, **kwargs: Any) -> str:
    name = unique("versioned")
    ssm.create_document(Name=name, Content=command_content("one"), **kwargs)
    return name


def test_an_update_adds_a_version_and_leaves_the_default_alone(ssm: Any) -> None:
    name = create(ssm, DisplayName="Greeter")
    updated = ssm.update_document(Name=name, Content=command_content("two"), DocumentVersion="$LATEST")[
        "DocumentDescription"
    ]
    assert updated["DocumentVersion"] == "2"
    assert updated["LatestVersion"] == "2"
    assert updated["DefaultVersion"] == "1"
    assert updated["DisplayName"] == "Greeter"
    assert updated["Description"] == "Say two."
    assert ssm.describe_document(Name=name)["Document"]["DocumentVersion"] == "1"
    assert json.loads(ssm.get_document(Name=name)["Content"])["description"] == "Say one."
    assert (
        json.loads(ssm.get_document(Name=name, DocumentVersion="$LATEST")["Content"])["description"]
        == "Say two."
    )
    assert ssm.describe_document(Name=name, DocumentVersion="2")["Document"]["LatestVersion"] == "2"


def test_the_latest_version_may_be_named_by_number(ssm: Any) -> None:
    name = create(ssm)
    ssm.update_document(Name=name, Content=command_content("two"), DocumentVersion="1")
    assert (
        ssm.update_document(Name=name, Content=command_content("three"), DocumentVersion="2")[
            "DocumentDescription"
        ]["DocumentVersion"]
        == "3"
    )


def test_only_the_latest_version_can_be_updated(ssm: Any) -> None:
    name = create(ssm)
    ssm.update_document(Name=name, Content=command_content("two"), DocumentVersion="$LATEST")
    code, _ = error_of(ssm.update_document, Name=name, Content=command_content("three"), DocumentVersion="1")
    assert code == "InvalidDocumentVersion"
    assert error_of(ssm.update_document, Name=name, Content=command_content("x"), DocumentVersion="9")[0] == (
        "InvalidDocumentVersion"
    )


def test_identical_content_is_a_duplicate(ssm: Any) -> None:
    name = create(ssm)
    code, message = error_of(
        ssm.update_document, Name=name, Content=command_content("one"), DocumentVersion="$LATEST"
    )
    assert code == "DuplicateDocumentContent"
    assert "matches another document" in message


def test_version_names_are_unique_within_a_document(ssm: Any) -> None:
    name = create(ssm, VersionName="release-1")
    code, _ = error_of(
        ssm.update_document,
        Name=name,
        Content=command_content("two"),
        VersionName="release-1",
        DocumentVersion="$LATEST",
    )
    assert code == "DuplicateDocumentVersionName"
    ssm.update_document(
        Name=name, Content=command_content("two"), VersionName="release-2", DocumentVersion="$LATEST"
    )
    got = ssm.get_document(Name=name, VersionName="release-2")
    assert (got["DocumentVersion"], got["VersionName"]) == ("2", "release-2")


def test_schema_12_documents_cannot_be_updated(ssm: Any) -> None:
    name = unique("legacy")
    legacy = {
        "schemaVersion": "1.2",
        "description": "legacy",
        "runtimeConfig": {
            "aws:runShellScript": {"properties": [{"id": "0.aws:runShellScript", "runCommand": ["date"]}]}
        },
    }
    ssm.create_document(Name=name, Content=json.dumps(legacy))
    code, _ = error_of(ssm.update_document, Name=name, Content=command_content(), DocumentVersion="$LATEST")
    assert code == "InvalidDocumentSchemaVersion"


def test_updates_are_validated_like_creates(ssm: Any) -> None:
    name = create(ssm)
    code, _ = error_of(ssm.update_document, Name=name, Content="{", DocumentVersion="$LATEST")
    assert code == "InvalidDocumentContent"
    assert (
        error_of(ssm.update_document, Name=unique("missing"), Content=command_content())[0]
        == "InvalidDocument"
    )


def test_the_default_version_moves_only_when_asked(ssm: Any) -> None:
    name = create(ssm)
    ssm.update_document(
        Name=name, Content=command_content("two"), VersionName="second", DocumentVersion="$LATEST"
    )
    result = ssm.update_document_default_version(Name=name, DocumentVersion="2")["Description"]
    assert result == {"Name": name, "DefaultVersion": "2", "DefaultVersionName": "second"}
    document = ssm.describe_document(Name=name)["Document"]
    assert (document["DocumentVersion"], document["DefaultVersion"]) == ("2", "2")
    assert (
        error_of(ssm.update_document_default_version, Name=name, DocumentVersion="7")[0]
        == "InvalidDocumentVersion"
    )


def test_versions_are_listed_in_order_and_paged(ssm: Any) -> None:
    name = create(ssm, VersionName="v1")
    for i in range(2, 6):
        ssm.update_document(Name=name, Content=command_content(str(i)), DocumentVersion="$LATEST")
    ssm.update_document_default_version(Name=name, DocumentVersion="3")
    first = ssm.list_document_versions(Name=name, MaxResults=2)
    assert [v["DocumentVersion"] for v in first["DocumentVersions"]] == ["1", "2"]
    assert first["DocumentVersions"][0]["VersionName"] == "v1"
    seen = list(first["DocumentVersions"])
    token = first.get("NextToken")
    while token:
        page = ssm.list_document_versions(Name=name, MaxResults=2, NextToken=token)
        seen += page["DocumentVersions"]
        token = page.get("NextToken")
    assert [v["DocumentVersion"] for v in seen] == ["1", "2", "3", "4", "5"]
    assert [v["IsDefaultVersion"] for v in seen] == [False, False, True, False, False]
    assert all(v["Status"] == "Active" and v["DocumentFormat"] == "JSON" and v["Name"] == name for v in seen)


def test_versions_of_an_unknown_document_are_invalid(ssm: Any) -> None:
    assert error_of(ssm.list_document_versions, Name=unique("missing"))[0] == "InvalidDocument"


def test_a_token_from_another_document_is_rejected(ssm: Any) -> None:
    first, second = create(ssm), create(ssm)
    for name in (first, second):
        ssm.update_document(Name=name, Content=command_content("two"), DocumentVersion="$LATEST")
    token = ssm.list_document_versions(Name=first, MaxResults=1)["NextToken"]
    assert (
        error_of(ssm.list_document_versions, Name=second, MaxResults=1, NextToken=token)[0]
        == "InvalidNextToken"
    )
