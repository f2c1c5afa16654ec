"""ListDocuments: filters (Filters and the legacy DocumentFilterList), tags, paging."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.documents_support import command_content, error_of
from tests.conftest import unique


@pytest.fixture(scope="module")
def catalog(server: Any) -> dict[str, str]:
    """Four documents under one fresh name prefix."""
    ssm = server.client("ssm")
    prefix = unique("cat")
    names = {
        "shell": f"{prefix}-shell",
        "powershell": f"{prefix}-powershell",
        "runbook": f"{prefix}-runbook",
        "tagged": f"{prefix}-tagged",
    }
    ssm.create_document(
        Name=names["shell"], Content=command_content("shell"), TargetType="/AWS::EC2::Instance"
    )
    ps = command_content(
        "ps",
        mainSteps=[{"action": "aws:runPowerShellScript", "name": "ps", "inputs": {"runCommand": ["dir"]}}],
    )
    ssm.create_document(Name=names["powershell"], Content=ps)
    runbook = {
        "schemaVersion": "0.3",
        "mainSteps": [{"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}],
    }
    ssm.create_document(Name=names["runbook"], Content=json.dumps(runbook), DocumentType="Automation")
    ssm.create_document(
        Name=names["tagged"], Content=command_content("tagged"), Tags=[{"Key": "env", "Value": "prod"}]
    )
    return {"prefix": prefix, **names}


def listed(ssm: Any, **kwargs: Any) -> list[str]:
    names: list[str] = []
    token = None
    while True:
        page = ssm.list_documents(**kwargs, **({"NextToken": token} if token else {}))
        names += [d["Name"] for d in page["DocumentIdentifiers"]]
        token = page.get("NextToken")
        if not token:
            return names


def by_prefix(catalog: dict[str, str], *extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Key": "Name", "Values": [catalog["prefix"]]}, *extra]


def test_name_filters_match_prefixes(ssm: Any, catalog: dict[str, str]) -> None:
    assert listed(ssm, Filters=by_prefix(catalog)) == sorted(
        [catalog["shell"], catalog["powershell"], catalog["runbook"], catalog["tagged"]]
    )
    assert listed(ssm, Filters=[{"Key": "Name", "Values": [catalog["shell"], catalog["runbook"]]}]) == sorted(
        [catalog["shell"], catalog["runbook"]]
    )


def test_items_describe_the_default_version(ssm: Any, catalog: dict[str, str]) -> None:
    items = ssm.list_documents(Filters=[{"Key": "Name", "Values": [catalog["shell"]]}])["DocumentIdentifiers"]
    assert len(items) == 1
    item = items[0]
    assert item["DocumentVersion"] == "1"
    assert item["DocumentType"] == "Command"
    assert item["SchemaVersion"] == "2.2"
    assert item["DocumentFormat"] == "JSON"
    assert item["PlatformTypes"] == ["Linux", "MacOS"]
    assert item["TargetType"] == "/AWS::EC2::Instance"
    assert item["Tags"] == []
    assert "ReviewStatus" not in item


def test_platform_type_filters(ssm: Any, catalog: dict[str, str]) -> None:
    windows = listed(ssm, Filters=by_prefix(catalog, {"Key": "PlatformTypes", "Values": ["Windows"]}))
    assert windows == sorted([catalog["powershell"], catalog["runbook"]])
    either = listed(ssm, Filters=by_prefix(catalog, {"Key": "PlatformTypes", "Values": ["Windows", "Linux"]}))
    assert len(either) == 4


def test_document_type_and_target_type_filters(ssm: Any, catalog: dict[str, str]) -> None:
    assert listed(ssm, Filters=by_prefix(catalog, {"Key": "DocumentType", "Values": ["Automation"]})) == [
        catalog["runbook"]
    ]
    assert listed(
        ssm, Filters=by_prefix(catalog, {"Key": "TargetType", "Values": ["/AWS::EC2::Instance"]})
    ) == [catalog["shell"]]


def test_tag_filters(ssm: Any, catalog: dict[str, str]) -> None:
    assert listed(ssm, Filters=[{"Key": "tag:env", "Values": ["prod"]}]) == [catalog["tagged"]]
    assert listed(ssm, Filters=[{"Key": "tag:env", "Values": ["dev"]}]) == []
    items = ssm.list_documents(Filters=[{"Key": "tag:env", "Values": ["prod", "dev"]}])["DocumentIdentifiers"]
    assert items[0]["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_owner_filters(ssm: Any, catalog: dict[str, str]) -> None:
    own = listed(ssm, Filters=[{"Key": "Owner", "Values": ["Self"]}])
    assert catalog["shell"] in own
    assert not any(name.startswith("AWS-") for name in own)
    assert listed(ssm, Filters=[{"Key": "Owner", "Values": ["Private"]}]) == own
    amazon = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Amazon"]}])["DocumentIdentifiers"]
    assert {"AWS-RunShellScript", "AWS-RunPowerShellScript"} <= {d["Name"] for d in amazon}
    assert {d["Owner"] for d in amazon} == {"Amazon"}
    assert listed(ssm, Filters=[{"Key": "Owner", "Values": ["Public"]}]) == []
    assert listed(ssm, Filters=[{"Key": "owner", "Values": ["self"]}]) == own


def test_without_filters_both_own_and_aws_documents_are_listed(ssm: Any, catalog: dict[str, str]) -> None:
    names = listed(ssm, MaxResults=50)
    assert catalog["shell"] in names
    assert "AWS-RunShellScript" in names
    assert names == sorted(names)


def test_the_legacy_filter_list(ssm: Any, catalog: dict[str, str]) -> None:
    legacy = [{"key": "Name", "value": catalog["prefix"]}, {"key": "DocumentType", "value": "Automation"}]
    assert listed(ssm, DocumentFilterList=legacy) == [catalog["runbook"]]
    owner = ssm.list_documents(DocumentFilterList=[{"key": "Owner", "value": "Amazon"}])[
        "DocumentIdentifiers"
    ]
    assert {d["Owner"] for d in owner} == {"Amazon"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"Filters": [{"Key": "Colour", "Values": ["red"]}]}, "InvalidFilterKey"),
        ({"Filters": [{"Key": "Owner", "Values": ["Self", "Amazon"]}]}, "ValidationException"),
        ({"Filters": [{"Key": "Owner", "Values": ["Nobody"]}]}, "ValidationException"),
        (
            {
                "Filters": [{"Key": "Name", "Values": ["x"]}],
                "DocumentFilterList": [{"key": "Name", "value": "x"}],
            },
            "ValidationException",
        ),
        ({"MaxResults": 51}, "ValidationException"),
        ({"NextToken": "forged-token"}, "InvalidNextToken"),
    ],
)
def test_bad_requests_are_rejected(ssm: Any, kwargs: dict[str, Any], code: str) -> None:
    assert error_of(ssm.list_documents, **kwargs)[0] == code


def test_pages_cover_every_match_once(ssm: Any) -> None:
    prefix = unique("page")
    names = [f"{prefix}-{i:02d}" for i in range(7)]
    for name in names:
        ssm.create_document(Name=name, Content=command_content(name))
    pages = []
    token = None
    while True:
        page = ssm.list_documents(
            Filters=[{"Key": "Name", "Values": [prefix]}],
            MaxResults=3,
            **({"NextToken": token} if token else {}),
        )
        pages.append([d["Name"] for d in page["DocumentIdentifiers"]])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [names[0:3], names[3:6], names[6:7]]


def test_a_token_is_bound_to_its_filters(ssm: Any, catalog: dict[str, str]) -> None:
    token = ssm.list_documents(Filters=by_prefix(catalog), MaxResults=1)["NextToken"]
    other = [{"Key": "Name", "Values": [catalog["prefix"] + "-s"]}]
    assert error_of(ssm.list_documents, Filters=other, MaxResults=1, NextToken=token)[0] == "InvalidNextToken"
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert error_of(ssm.list_documents, Filters=by_prefix(catalog), MaxResults=1, NextToken=tampered)[0] == (
        "InvalidNextToken"
    )
