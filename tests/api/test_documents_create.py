"""CreateDocument, DescribeDocument, GetDocument through boto3 against a live server."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import yaml

from tests.api.documents_support import command_content, command_document, error_of
from tests.conftest import unique
from tests.support.server import ServerProcess


def test_create_returns_the_description_of_version_one(ssm: Any) -> None:
    name = unique("doc")
    content = command_content("hello")
    description = ssm.create_document(Name=name, Content=content, DocumentType="Command")[
        "DocumentDescription"
    ]
    assert description["Name"] == name
    assert description["Status"] == "Active"
    assert description["DocumentVersion"] == "1"
    assert description["LatestVersion"] == "1"
    assert description["DefaultVersion"] == "1"
    assert description["DocumentType"] == "Command"
    assert description["DocumentFormat"] == "JSON"
    assert description["SchemaVersion"] == "2.2"
    assert description["Description"] == "Say hello."
    assert description["PlatformTypes"] == ["Linux", "MacOS"]
    assert description["HashType"] == "Sha256"
    assert description["Hash"] == hashlib.sha256(content.encode()).hexdigest()
    assert "Sha1" not in description
    assert description["Tags"] == []
    assert description["Parameters"] == [
        {"Name": "message", "Type": "String", "Description": "What to say.", "DefaultValue": "hello"},
        {"Name": "names", "Type": "StringList", "Description": "Who to greet."},
    ]


def test_the_owner_is_the_callers_account(ssm: Any, server: ServerProcess) -> None:
    name = unique("doc")
    description = ssm.create_document(Name=name, Content=command_content())["DocumentDescription"]
    assert description["Owner"] == server.credentials["account_id"]


def test_describe_and_get_return_what_was_created(ssm: Any) -> None:
    name = unique("doc")
    content = command_content("describe")
    ssm.create_document(
        Name=name,
        Content=content,
        DisplayName="Greeter v1",
        VersionName="v1.0",
        TargetType="/AWS::EC2::Instance",
        Tags=[{"Key": "team", "Value": "ops"}],
    )
    document = ssm.describe_document(Name=name)["Document"]
    assert document["DisplayName"] == "Greeter v1"
    assert document["VersionName"] == "v1.0"
    assert document["TargetType"] == "/AWS::EC2::Instance"
    assert document["Tags"] == [{"Key": "team", "Value": "ops"}]
    got = ssm.get_document(Name=name)
    assert got["Content"] == content
    assert got["DocumentFormat"] == "JSON"
    assert got["DocumentType"] == "Command"
    assert got["DocumentVersion"] == "1"
    assert got["VersionName"] == "v1.0"
    assert got["DisplayName"] == "Greeter v1"
    assert got["Status"] == "Active"
    assert got["Name"] == name
    assert "CreatedDate" in got


def test_yaml_documents_are_stored_as_yaml_and_converted_on_request(ssm: Any) -> None:
    name = unique("doc")
    content = yaml.safe_dump(command_document("yaml"), sort_keys=False)
    description = ssm.create_document(Name=name, Content=content, DocumentFormat="YAML")[
        "DocumentDescription"
    ]
    assert description["DocumentFormat"] == "YAML"
    assert description["Hash"] == hashlib.sha256(content.encode()).hexdigest()
    assert ssm.get_document(Name=name)["Content"] == content
    as_json = ssm.get_document(Name=name, DocumentFormat="JSON")
    assert as_json["DocumentFormat"] == "JSON"
    assert json.loads(as_json["Content"]) == command_document("yaml")


def test_json_documents_can_be_read_as_yaml(ssm: Any) -> None:
    name = unique("doc")
    ssm.create_document(Name=name, Content=command_content("json"))
    got = ssm.get_document(Name=name, DocumentFormat="YAML")
    assert got["DocumentFormat"] == "YAML"
    assert got["Content"].startswith("---\n")
    assert yaml.safe_load(got["Content"]) == command_document("json")


def test_automation_runbooks_report_their_parameters_and_all_platforms(ssm: Any) -> None:
    name = unique("runbook")
    runbook = {
        "schemaVersion": "0.3",
        "description": "Sleep a little.",
        "parameters": {
            "Duration": {"type": "String", "default": "PT1S"},
            "Count": {"type": "Integer", "default": 2},
        },
        "mainSteps": [{"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "{{ Duration }}"}}],
    }
    description = ssm.create_document(Name=name, Content=json.dumps(runbook), DocumentType="Automation")[
        "DocumentDescription"
    ]
    assert description["DocumentType"] == "Automation"
    assert description["SchemaVersion"] == "0.3"
    assert description["PlatformTypes"] == ["Windows", "Linux", "MacOS"]
    assert description["Parameters"] == [
        {"Name": "Duration", "Type": "String", "DefaultValue": "PT1S"},
        {"Name": "Count", "Type": "Integer", "DefaultValue": "2"},
    ]


def test_change_calendars_are_stored_as_text(ssm: Any) -> None:
    name = unique("calendar")
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//AWS//Change Calendar 1.0//EN",
        "VERSION:2.0",
        "X-CALENDAR-TYPE:DEFAULT_OPEN",
    ]
    calendar = "\r\n".join([*lines, "END:VCALENDAR", ""])
    description = ssm.create_document(
        Name=name, Content=calendar, DocumentType="ChangeCalendar", DocumentFormat="TEXT"
    )["DocumentDescription"]
    assert description["DocumentFormat"] == "TEXT"
    assert ssm.get_document(Name=name)["Content"] == calendar
    assert error_of(ssm.get_document, Name=name, DocumentFormat="JSON")[0] == "ValidationException"


def test_an_existing_name_is_rejected(ssm: Any) -> None:
    name = unique("doc")
    ssm.create_document(Name=name, Content=command_content())
    code, message = error_of(ssm.create_document, Name=name, Content=command_content("other"))
    assert (code, message) == ("DocumentAlreadyExists", "The specified document already exists.")


@pytest.mark.parametrize(
    "name", ["AWS-MyDocument", "aws-lowercase", "Amazon-Doc", "amznDoc", "AWSSupport-Fix", "awsec2-thing"]
)
def test_reserved_name_prefixes_are_rejected(ssm: Any, name: str) -> None:
    code, message = error_of(ssm.create_document, Name=name, Content=command_content())
    assert code == "ValidationException"
    assert name in message


def test_names_that_only_start_like_aws_are_allowed(ssm: Any) -> None:
    name = unique("awesome")
    assert ssm.create_document(Name=name, Content=command_content())["DocumentDescription"]["Name"] == name


@pytest.mark.parametrize(
    ("content", "kwargs", "code"),
    [
        ("{ not json", {}, "InvalidDocumentContent"),
        (command_content(schemaVersion="9.9"), {}, "InvalidDocumentSchemaVersion"),
        (
            command_content(mainSteps=[{"name": "x", "action": "aws:noSuchPlugin"}]),
            {},
            "InvalidDocumentContent",
        ),
        (command_content(), {"DocumentType": "Automation"}, "InvalidDocumentSchemaVersion"),
        (command_content(description="x" * 70000), {}, "MaxDocumentSizeExceeded"),
    ],
)
def test_invalid_content_is_rejected(ssm: Any, content: str, kwargs: dict[str, Any], code: str) -> None:
    assert error_of(ssm.create_document, Name=unique("bad"), Content=content, **kwargs)[0] == code


def test_a_name_breaking_the_model_pattern_is_a_validation_error(ssm: Any) -> None:
    code, message = error_of(ssm.create_document, Name="no spaces allowed", Content=command_content())
    assert code == "ValidationException"
    assert "failed to satisfy constraint" in message


def test_unknown_documents_and_versions_are_reported(ssm: Any) -> None:
    name = unique("doc")
    ssm.create_document(Name=name, Content=command_content())
    assert error_of(ssm.describe_document, Name=unique("missing")) == (
        "InvalidDocument",
        "The specified document does not exist.",
    )
    assert error_of(ssm.get_document, Name=name, DocumentVersion="5")[0] == "InvalidDocumentVersion"
    assert error_of(ssm.describe_document, Name=name, VersionName="nope")[0] == "InvalidDocumentVersion"


def test_documents_are_readable_by_arn(ssm: Any, server: ServerProcess) -> None:
    name = unique("doc")
    ssm.create_document(Name=name, Content=command_content())
    arn = f"arn:aws:ssm:us-east-1:{server.credentials['account_id']}:document/{name}"
    assert ssm.describe_document(Name=arn)["Document"]["Name"] == name
    assert ssm.get_document(Name=arn)["Name"] == name
