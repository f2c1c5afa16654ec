"""DocumentService.resolve: the interface Run Command, State Manager, Automation and maintenance
windows use to get a runnable document version (with a real database)."""

from __future__ import annotations

import json

import pytest
import yaml

from openssm.core.errors import ApiError
from openssm.domain.documents.models import DocumentFormat
from openssm.domain.documents.parameters import substitute, validate_parameters
from openssm.domain.documents.service import CreateDocument, UpdateDocument
from tests.unit.documents.conftest import Services

ACCOUNT = "111122223333"


def command(message: str) -> str:
    return json.dumps(
        {
            "schemaVersion": "2.2",
            "description": message,
            "parameters": {"message": {"type": "String", "default": message}},
            "mainSteps": [
                {
                    "action": "aws:runShellScript",
                    "name": "say",
                    "inputs": {"runCommand": ["echo {{ message }}"]},
                }
            ],
        }
    )


def test_aws_owned_documents_resolve_by_name(services: Services) -> None:
    with services.db.begin() as conn:
        doc = services.documents.resolve(conn, ACCOUNT, "AWS-RunShellScript", None)
    assert doc.owner == "Amazon"
    assert doc.arn == "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"
    assert doc.version == "1"
    assert doc.schema_version == "1.2"
    assert doc.platform_types == ("Linux", "MacOS")
    assert doc.hash_type == "Sha256"
    assert [p.name for p in doc.parameters] == ["commands", "workingDirectory", "executionTimeout"]
    assert doc.content["runtimeConfig"]["aws:runShellScript"]["properties"][0]["id"] == "0.aws:runShellScript"


def test_resolve_then_validate_then_substitute_renders_the_plugin_inputs(services: Services) -> None:
    with services.db.begin() as conn:
        doc = services.documents.resolve(conn, ACCOUNT, "AWS-RunShellScript", "$DEFAULT")
    values = validate_parameters(doc.parameters, {"commands": ["uname -a", "id"]})
    rendered = substitute(doc.content["runtimeConfig"], values)
    assert rendered["aws:runShellScript"]["properties"] == [
        {
            "id": "0.aws:runShellScript",
            "runCommand": ["uname -a", "id"],
            "workingDirectory": "",
            "timeoutSeconds": "3600",
        }
    ]


def test_versions_resolve_by_selector_and_by_version_name(services: Services) -> None:
    svc = services.documents
    svc.create(ACCOUNT, CreateDocument(name="greeter", content=command("one"), version_name="first"))
    svc.update(ACCOUNT, UpdateDocument(name="greeter", content=command("two"), version_name="second"))
    with services.db.begin() as conn:
        assert svc.resolve(conn, ACCOUNT, "greeter", None).version == "1"
        assert svc.resolve(conn, ACCOUNT, "greeter", "$DEFAULT").version == "1"
        assert svc.resolve(conn, ACCOUNT, "greeter", "$LATEST").version == "2"
        assert svc.resolve(conn, ACCOUNT, "greeter", "2").content["description"] == "two"
        assert svc.resolve(conn, ACCOUNT, "greeter", "second").version == "2"
        assert svc.resolve(conn, ACCOUNT, "greeter", None, version_name="first").version == "1"


def test_own_documents_resolve_by_arn(services: Services) -> None:
    services.documents.create(ACCOUNT, CreateDocument(name="by-arn", content=command("x")))
    with services.db.begin() as conn:
        doc = services.documents.resolve(
            conn, ACCOUNT, f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/by-arn", None
        )
        builtin = services.documents.resolve(
            conn, ACCOUNT, "arn:aws:ssm:us-east-1::document/AWS-RunShellScript", None
        )
    assert doc.name == "by-arn"
    assert doc.arn == f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/by-arn"
    assert doc.owner == ACCOUNT
    assert builtin.owner == "Amazon"


@pytest.mark.parametrize(
    "name",
    [
        "no-such-document",
        "arn:aws:ssm:us-east-1:999988887777:document/shared-doc",
        "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript",
    ],
)
def test_unknown_or_foreign_documents_are_invalid(services: Services, name: str) -> None:
    services.documents.create("999988887777", CreateDocument(name="shared-doc", content=command("x")))
    with services.db.begin() as conn, pytest.raises(ApiError) as caught:
        services.documents.resolve(conn, ACCOUNT, name, None)
    assert caught.value.code == "InvalidDocument"


@pytest.mark.parametrize(("version", "version_name"), [("7", None), (None, "nope"), ("1", "second")])
def test_unknown_versions_are_invalid(
    services: Services, version: str | None, version_name: str | None
) -> None:
    svc = services.documents
    svc.create(ACCOUNT, CreateDocument(name="versioned", content=command("one")))
    svc.update(ACCOUNT, UpdateDocument(name="versioned", content=command("two"), version_name="second"))
    with services.db.begin() as conn, pytest.raises(ApiError) as caught:
        svc.resolve(conn, ACCOUNT, "versioned", version, version_name=version_name)
    assert caught.value.code == "InvalidDocumentVersion"


def test_yaml_documents_resolve_to_parsed_content(services: Services) -> None:
    text = yaml.safe_dump(json.loads(command("from yaml")))
    services.documents.create(
        ACCOUNT, CreateDocument(name="yaml-doc", content=text, document_format=DocumentFormat.YAML)
    )
    with services.db.begin() as conn:
        doc = services.documents.resolve(conn, ACCOUNT, "yaml-doc", None)
    assert doc.document_format == "YAML"
    assert doc.content == json.loads(command("from yaml"))


def test_change_calendars_resolve_with_their_text(services: Services) -> None:
    calendar = "BEGIN:VCALENDAR\nVERSION:2.0\nX-CALENDAR-TYPE:DEFAULT_OPEN\nEND:VCALENDAR\n"
    services.documents.create(
        ACCOUNT, CreateDocument(name="cal", content=calendar, document_type="ChangeCalendar")
    )
    with services.db.begin() as conn:
        doc = services.documents.resolve(conn, ACCOUNT, "cal", None)
    assert doc.document_type == "ChangeCalendar"
    assert doc.document_format == "TEXT"
    assert doc.content == {}
    assert doc.raw_content == calendar


def test_seeding_the_builtin_documents_again_changes_nothing(services: Services) -> None:
    services.documents.seed_builtin()
    versions, _ = services.documents.list_versions(ACCOUNT, "AWS-RunShellScript", None, None)
    assert [v.version for v in versions] == [1]


def test_a_delete_hook_can_veto_a_deletion(services: Services) -> None:
    services.documents.create(ACCOUNT, CreateDocument(name="in-use", content=command("x")))
    calls = []

    def hook(conn: object, account_id: str, name: str, version: int | None, force: bool) -> None:
        calls.append((account_id, name, version, force))
        raise ApiError("AssociatedInstances", "You must disassociate a document from all managed nodes.")

    services.documents.add_before_delete(hook)
    with pytest.raises(ApiError) as caught:
        services.documents.delete(ACCOUNT, "in-use", None, None, force=False)
    assert caught.value.code == "AssociatedInstances"
    assert calls == [(ACCOUNT, "in-use", None, False)]
    with services.db.begin() as conn:
        assert services.documents.exists(conn, ACCOUNT, "in-use")
