"""The tag queries other features use (targeting by tag, documents' Tags), on a real database."""

from __future__ import annotations

import json

import pytest

from openssm.core.errors import ApiError
from openssm.domain.documents.service import CreateDocument
from tests.unit.documents.conftest import Services

ACCOUNT = "111122223333"
CONTENT = json.dumps(
    {"schemaVersion": "2.2", "mainSteps": [{"action": "aws:runShellScript", "name": "s", "inputs": {}}]}
)


def create(services: Services, name: str, tags: dict[str, str]) -> None:
    doc = json.loads(CONTENT)
    doc["description"] = name
    services.documents.create(ACCOUNT, CreateDocument(name=name, content=json.dumps(doc), tags=tags))


def test_resources_matching_a_tag_key_and_values(services: Services) -> None:
    create(services, "web-a", {"role": "web", "env": "prod"})
    create(services, "web-b", {"role": "web", "env": "dev"})
    create(services, "db-a", {"role": "db"})
    with services.db.begin() as conn:
        match = services.tags.resources_matching
        assert match(conn, ACCOUNT, "Document", "role", ["web"]) == {"web-a", "web-b"}
        assert match(conn, ACCOUNT, "Document", "role", ["web", "db"]) == {"web-a", "web-b", "db-a"}
        assert match(conn, ACCOUNT, "Document", "env", None) == {"web-a", "web-b"}
        assert match(conn, ACCOUNT, "Document", "env", []) == set()
        assert match(conn, "999988887777", "Document", "role", None) == set()


def test_tags_of_many_resources_sorted_by_key(services: Services) -> None:
    create(services, "tagged", {"b": "2", "a": "1"})
    create(services, "untagged", {})
    with services.db.begin() as conn:
        result = services.tags.tags_of(conn, ACCOUNT, "Document", ["tagged", "untagged", "missing"])
    assert result == {
        "tagged": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        "untagged": [],
        "missing": [],
    }


def test_registered_types_can_require_an_id_format(services: Services) -> None:
    services.tags.register_resource_type(
        "ManagedInstance", lambda conn, account_id, resource_id: True, id_pattern=r"mi-[0-9a-f]{17}"
    )
    services.tags.add_tags(ACCOUNT, "ManagedInstance", "mi-0123456789abcdef0", {"k": "v"})
    assert services.tags.list_tags(ACCOUNT, "ManagedInstance", "mi-0123456789abcdef0") == [
        {"Key": "k", "Value": "v"}
    ]
    with pytest.raises(ApiError) as caught:
        services.tags.add_tags(ACCOUNT, "ManagedInstance", "i-0123456789abcdef0", {"k": "v"})
    assert caught.value.code == "InvalidResourceId"


def test_unregistered_types_are_invalid(services: Services) -> None:
    with pytest.raises(ApiError) as caught:
        services.tags.list_tags(ACCOUNT, "PatchBaseline", "pb-0123456789abcdef0")
    assert caught.value.code == "InvalidResourceType"


def test_a_type_can_be_registered_once(services: Services) -> None:
    with pytest.raises(ValueError, match="twice"):
        services.tags.register_resource_type("Document", lambda conn, a, r: True)
