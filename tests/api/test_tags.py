"""AddTagsToResource, RemoveTagsFromResource, ListTagsForResource (documents are taggable here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.documents_support import command_content, error_of
from tests.conftest import unique
from tests.support.databases import database_url
from tests.support.server import ServerProcess


def document(ssm: Any, tags: list[dict[str, str]] | None = None) -> str:
    name = unique("tagged")
    ssm.create_document(Name=name, Content=command_content(name), **({"Tags": tags} if tags else {}))
    return name


def tags_of(ssm: Any, name: str) -> list[dict[str, str]]:
    result: list[dict[str, str]] = ssm.list_tags_for_resource(ResourceType="Document", ResourceId=name)[
        "TagList"
    ]
    return result


def test_tags_are_added_listed_by_key_and_overwritten(ssm: Any) -> None:
    name = document(ssm, [{"Key": "team", "Value": "ops"}])
    ssm.add_tags_to_resource(
        ResourceType="Document",
        ResourceId=name,
        Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "sre"}],
    )
    assert tags_of(ssm, name) == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "sre"}]
    assert ssm.describe_document(Name=name)["Document"]["Tags"] == tags_of(ssm, name)


def test_tags_are_removed_by_key(ssm: Any) -> None:
    name = document(ssm, [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ssm.remove_tags_from_resource(ResourceType="Document", ResourceId=name, TagKeys=["a", "not-there"])
    assert tags_of(ssm, name) == [{"Key": "b", "Value": "2"}]


def test_empty_values_are_allowed(ssm: Any) -> None:
    name = document(ssm)
    ssm.add_tags_to_resource(ResourceType="Document", ResourceId=name, Tags=[{"Key": "flag", "Value": ""}])
    assert tags_of(ssm, name) == [{"Key": "flag", "Value": ""}]


def test_a_resource_holds_at_most_50_tags(ssm: Any) -> None:
    name = document(ssm, [{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    ssm.add_tags_to_resource(
        ResourceType="Document",
        ResourceId=name,
        Tags=[{"Key": "k0", "Value": "new"}, {"Key": "k49", "Value": "v"}],
    )
    assert len(tags_of(ssm, name)) == 50
    code, _ = error_of(
        ssm.add_tags_to_resource,
        ResourceType="Document",
        ResourceId=name,
        Tags=[{"Key": "k50", "Value": "v"}],
    )
    assert code == "TooManyTagsError"
    assert len(tags_of(ssm, name)) == 50


def test_create_document_with_too_many_tags_creates_nothing(ssm: Any) -> None:
    name = unique("toomany")
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert (
        error_of(ssm.create_document, Name=name, Content=command_content(), Tags=tags)[0]
        == "TooManyTagsError"
    )
    assert error_of(ssm.describe_document, Name=name)[0] == "InvalidDocument"


@pytest.mark.parametrize("key", ["aws:owner", "AWS:owner"])
def test_aws_prefixed_keys_are_reserved(ssm: Any, key: str) -> None:
    name = document(ssm)
    code, message = error_of(
        ssm.add_tags_to_resource, ResourceType="Document", ResourceId=name, Tags=[{"Key": key, "Value": "x"}]
    )
    assert code == "ValidationException"
    assert "aws:" in message


def test_unknown_resources_and_unsupported_types_are_rejected(ssm: Any) -> None:
    missing = unique("missing")
    for call, kwargs in [
        (ssm.add_tags_to_resource, {"Tags": [{"Key": "a", "Value": "b"}]}),
        (ssm.remove_tags_from_resource, {"TagKeys": ["a"]}),
        (ssm.list_tags_for_resource, {}),
    ]:
        assert error_of(call, ResourceType="Document", ResourceId=missing, **kwargs)[0] == "InvalidResourceId"
    assert error_of(ssm.list_tags_for_resource, ResourceType="OpsItem", ResourceId="oi-0123456789ab")[0] == (
        "InvalidResourceType"
    )


def test_the_model_validates_tag_shapes(ssm: Any) -> None:
    name = document(ssm)
    code, message = error_of(
        ssm.add_tags_to_resource,
        ResourceType="Document",
        ResourceId=name,
        Tags=[{"Key": "bad#key", "Value": "x"}],
    )
    assert code == "ValidationException"
    assert "regular expression pattern" in message
    assert (
        error_of(ssm.list_tags_for_resource, ResourceType="Printer", ResourceId=name)[0]
        == "ValidationException"
    )


def test_documents_are_tagged_by_their_arn_too(ssm: Any, server: ServerProcess) -> None:
    name = document(ssm)
    arn = f"arn:aws:ssm:us-east-1:{server.credentials['account_id']}:document/{name}"
    ssm.add_tags_to_resource(ResourceType="Document", ResourceId=arn, Tags=[{"Key": "via", "Value": "arn"}])
    assert tags_of(ssm, name) == [{"Key": "via", "Value": "arn"}]


def test_accounts_see_and_tag_only_their_own_documents(backend: str, tmp_path: Path) -> None:
    """A second principal (from the TOML file) acts in another account."""
    config = tmp_path / "openssm.toml"
    config.write_text(
        '[[principals]]\naccess_key_id = "AKIAOTHERACCOUNT0001"\n'
        'secret_access_key = "other-secret-key-0000000000000000000000"\naccount_id = "210987654321"\n'
    )
    with database_url(backend, tmp_path) as url:
        server = ServerProcess(tmp_path / "data", url, "--config", str(config)).start()
        try:
            mine = server.client("ssm")
            theirs = server.client(
                "ssm",
                aws_access_key_id="AKIAOTHERACCOUNT0001",
                aws_secret_access_key="other-secret-key-0000000000000000000000",
            )
            name = document(mine, [{"Key": "owner", "Value": "me"}])
            assert error_of(theirs.describe_document, Name=name)[0] == "InvalidDocument"
            assert error_of(theirs.list_tags_for_resource, ResourceType="Document", ResourceId=name)[0] == (
                "InvalidResourceId"
            )
            assert name not in [d["Name"] for d in theirs.list_documents()["DocumentIdentifiers"]]
            theirs.create_document(
                Name=name, Content=command_content("theirs"), Tags=[{"Key": "owner", "Value": "them"}]
            )
            assert theirs.describe_document(Name=name)["Document"]["Owner"] == "210987654321"
            assert tags_of(mine, name) == [{"Key": "owner", "Value": "me"}]
            assert tags_of(theirs, name) == [{"Key": "owner", "Value": "them"}]
            assert json.loads(mine.get_document(Name=name)["Content"])["description"] == f"Say {name}."
        finally:
            server.stop()
