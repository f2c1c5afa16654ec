"""AWS-owned documents: shipped, listed with Owner Amazon, readable, not modifiable; persistence."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.api.documents_support import command_content, error_of
from tests.conftest import unique
from tests.support.server import ServerProcess

# `aws ssm get-document --name AWS-RunShellScript` in the AWS CLI command reference (Content field).
_TIMEOUT_TEXT = (
    "(Optional) The time in seconds for a command to complete before it is considered to have failed. "
    "Default is 3600 (1 hour). Maximum is 172800 (48 hours)."
)
_TIMEOUT_PATTERN = "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)"
RUN_SHELL_SCRIPT_LINES = [
    "{",
    '    "schemaVersion":"1.2",',
    '    "description":"Run a shell script or specify the commands to run.",',
    '    "parameters":{',
    '        "commands":{',
    '            "type":"StringList",',
    '            "description":"(Required) Specify a shell script or a command to run.",',
    '            "minItems":1,',
    '            "displayType":"textarea"',
    "        },",
    '        "workingDirectory":{',
    '            "type":"String",',
    '            "default":"",',
    '            "description":"(Optional) The path to the working directory on your instance.",',
    '            "maxChars":4096',
    "        },",
    '        "executionTimeout":{',
    '            "type":"String",',
    '            "default":"3600",',
    '            "description":"' + _TIMEOUT_TEXT + '",',
    '            "allowedPattern":"' + _TIMEOUT_PATTERN + '"',
    "        }",
    "    },",
    '    "runtimeConfig":{',
    '        "aws:runShellScript":{',
    '            "properties":[',
    "                {",
    '                    "id":"0.aws:runShellScript",',
    '                    "runCommand":"{{ commands }}",',
    '                    "workingDirectory":"{{ workingDirectory }}",',
    '                    "timeoutSeconds":"{{ executionTimeout }}"',
    "                }",
    "            ]",
    "        }",
    "    }",
    "}",
]
RUN_SHELL_SCRIPT_CONTENT = "\n".join(RUN_SHELL_SCRIPT_LINES) + "\n"


def test_run_shell_script_is_served_exactly_as_aws_serves_it(ssm: Any) -> None:
    """The content of `aws ssm get-document --name AWS-RunShellScript` in the AWS CLI reference."""
    got = ssm.get_document(Name="AWS-RunShellScript")
    assert got["Content"] == RUN_SHELL_SCRIPT_CONTENT
    assert (got["DocumentType"], got["DocumentFormat"], got["DocumentVersion"], got["Status"]) == (
        "Command",
        "JSON",
        "1",
        "Active",
    )


def test_run_shell_script_is_described_as_an_amazon_document(ssm: Any) -> None:
    document = ssm.describe_document(Name="AWS-RunShellScript")["Document"]
    assert document["Owner"] == "Amazon"
    assert document["SchemaVersion"] == "1.2"
    assert document["PlatformTypes"] == ["Linux", "MacOS"]
    assert document["Hash"] == hashlib.sha256(RUN_SHELL_SCRIPT_CONTENT.encode()).hexdigest()
    assert document["Parameters"] == [
        {
            "Name": "commands",
            "Type": "StringList",
            "Description": "(Required) Specify a shell script or a command to run.",
        },
        {
            "Name": "workingDirectory",
            "Type": "String",
            "Description": "(Optional) The path to the working directory on your instance.",
            "DefaultValue": "",
        },
        {
            "Name": "executionTimeout",
            "Type": "String",
            "Description": _TIMEOUT_TEXT,
            "DefaultValue": "3600",
        },
    ]


def test_run_powershell_script_runs_on_every_platform(ssm: Any) -> None:
    document = ssm.describe_document(Name="AWS-RunPowerShellScript")["Document"]
    assert document["Owner"] == "Amazon"
    assert document["PlatformTypes"] == ["Windows", "Linux", "MacOS"]
    content = json.loads(ssm.get_document(Name="AWS-RunPowerShellScript")["Content"])
    properties = content["runtimeConfig"]["aws:runPowerShellScript"]["properties"][0]
    assert properties["id"] == "0.aws:runPowerShellScript"
    assert [p for p in content["parameters"]] == ["commands", "workingDirectory", "executionTimeout"]


def test_aws_documents_are_read_by_arn_with_an_empty_account(ssm: Any) -> None:
    assert (
        ssm.get_document(Name="arn:aws:ssm:us-east-1::document/AWS-RunShellScript")["Name"]
        == "AWS-RunShellScript"
    )


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("update_document", {"Content": command_content(), "DocumentVersion": "$LATEST"}),
        ("delete_document", {}),
        ("update_document_default_version", {"DocumentVersion": "1"}),
    ],
)
def test_aws_documents_cannot_be_changed(ssm: Any, operation: str, kwargs: dict[str, Any]) -> None:
    code, _ = error_of(getattr(ssm, operation), Name="AWS-RunShellScript", **kwargs)
    assert code == "InvalidDocumentOperation"
    assert ssm.describe_document(Name="AWS-RunShellScript")["Document"]["LatestVersion"] == "1"


def test_aws_documents_cannot_be_tagged(ssm: Any) -> None:
    code, _ = error_of(
        ssm.add_tags_to_resource,
        ResourceType="Document",
        ResourceId="AWS-RunShellScript",
        Tags=[{"Key": "a", "Value": "b"}],
    )
    assert code == "InvalidResourceId"


def test_documents_survive_a_restart(fresh_server: ServerProcess) -> None:
    ssm = fresh_server.client("ssm")
    name = unique("durable")
    ssm.create_document(Name=name, Content=command_content("1"), Tags=[{"Key": "k", "Value": "v"}])
    ssm.update_document(Name=name, Content=command_content("2"), DocumentVersion="$LATEST")
    ssm.update_document_default_version(Name=name, DocumentVersion="2")
    fresh_server.restart()
    ssm = fresh_server.client("ssm")
    document = ssm.describe_document(Name=name)["Document"]
    assert (document["DefaultVersion"], document["LatestVersion"]) == ("2", "2")
    assert document["Tags"] == [{"Key": "k", "Value": "v"}]
    assert json.loads(ssm.get_document(Name=name, DocumentVersion="1")["Content"])["description"] == "Say 1."
    versions = ssm.list_document_versions(Name="AWS-RunShellScript")["DocumentVersions"]
    assert [v["DocumentVersion"] for v in versions] == ["1"]


def test_an_account_holds_at_most_500_documents(fresh_server: ServerProcess) -> None:
    ssm = fresh_server.client("ssm")
    for i in range(500):
        ssm.create_document(Name=f"doc-{i:03d}", Content=command_content(str(i)))
    code, message = error_of(ssm.create_document, Name="doc-500", Content=command_content("500"))
    assert (code, message) == ("DocumentLimitExceeded", "You can have at most 500 active SSM documents.")
    ssm.delete_document(Name="doc-000")
    ssm.create_document(Name="doc-500", Content=command_content("500"))
