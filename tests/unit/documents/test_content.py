"""Document content: parsing, validation by type and schema, derived fields, format conversion."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import yaml

from openssm.core.errors import ApiError
from openssm.domain.documents import content
from openssm.domain.documents.models import DocumentFormat

COMMAND_22: dict[str, Any] = {
    "schemaVersion": "2.2",
    "description": "Say hello.",
    "parameters": {"message": {"type": "String", "default": "hello"}},
    "mainSteps": [
        {"action": "aws:runShellScript", "name": "say", "inputs": {"runCommand": ["echo {{ message }}"]}}
    ],
}
COMMAND_12: dict[str, Any] = {
    "schemaVersion": "1.2",
    "description": "Check ip configuration of a Linux instance.",
    "parameters": {},
    "runtimeConfig": {
        "aws:runShellScript": {"properties": [{"id": "0.aws:runShellScript", "runCommand": ["ifconfig"]}]}
    },
}
AUTOMATION_03: dict[str, Any] = {
    "schemaVersion": "0.3",
    "description": "Wait, then decide.",
    "assumeRole": "{{ AutomationAssumeRole }}",
    "parameters": {
        "AutomationAssumeRole": {"type": "String", "default": ""},
        "Count": {"type": "Integer", "default": 3},
    },
    "mainSteps": [
        {"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}, "onFailure": "Abort"},
        {
            "name": "decide",
            "action": "aws:branch",
            "inputs": {
                "Choices": [{"NextStep": "done", "Variable": "{{ Count }}", "NumericGreater": 2}],
                "Default": "done",
            },
        },
        {"name": "done", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}, "isEnd": True},
    ],
    "outputs": ["wait.Output"],
}
CALENDAR_LINES = ["BEGIN:VCALENDAR", "PRODID:-//AWS//Change Calendar 1.0//EN", "VERSION:2.0"]
CALENDAR = "\r\n".join([*CALENDAR_LINES, "X-CALENDAR-TYPE:DEFAULT_OPEN", "END:VCALENDAR", ""])


def analyze(
    doc: dict[str, Any] | str, document_type: str = "Command", fmt: str = "JSON"
) -> content.AnalyzedContent:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return content.analyze(text, DocumentFormat(fmt), document_type)


def with_changes(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(doc))
    copy.update(changes)
    return copy


def test_schema_22_command_reports_parameters_platforms_and_description() -> None:
    result = analyze(COMMAND_22)
    assert result.schema_version == "2.2"
    assert result.description == "Say hello."
    assert [p.name for p in result.parameters] == ["message"]
    assert result.platform_types == ("Linux", "MacOS")
    assert result.parsed == COMMAND_22


def test_schema_12_command_is_accepted() -> None:
    result = analyze(COMMAND_12)
    assert result.schema_version == "1.2"
    assert result.platform_types == ("Linux", "MacOS")


def test_powershell_steps_run_on_every_platform() -> None:
    doc = with_changes(
        COMMAND_22,
        mainSteps=[{"action": "aws:runPowerShellScript", "name": "ps", "inputs": {"runCommand": ["dir"]}}],
    )
    assert analyze(doc).platform_types == ("Windows", "Linux", "MacOS")


def test_a_platform_precondition_limits_the_step_to_that_platform() -> None:
    doc = with_changes(
        COMMAND_22,
        mainSteps=[
            {
                "action": "aws:runPowerShellScript",
                "name": "ps",
                "precondition": {"StringEquals": ["platformType", "Windows"]},
                "inputs": {"runCommand": ["dir"]},
            }
        ],
    )
    assert analyze(doc).platform_types == ("Windows",)


def test_automation_runbook_runs_on_every_platform() -> None:
    result = analyze(AUTOMATION_03, "Automation")
    assert result.platform_types == ("Windows", "Linux", "MacOS")
    assert [(p.name, p.type, p.default) for p in result.parameters] == [
        ("AutomationAssumeRole", "String", ""),
        ("Count", "Integer", 3),
    ]


def test_yaml_content_is_parsed_and_an_unquoted_schema_version_is_read_as_text() -> None:
    text = (
        "schemaVersion: 2.2\ndescription: from yaml\n"
        "mainSteps:\n- action: aws:runShellScript\n  name: s\n  inputs:\n    runCommand: [date]\n"
    )
    result = analyze(text, fmt="YAML")
    assert result.schema_version == "2.2"
    assert result.parsed is not None and result.parsed["mainSteps"][0]["inputs"] == {"runCommand": ["date"]}


def test_yaml_dates_stay_strings() -> None:
    text = (
        "schemaVersion: '2.2'\ndescription: 2024-01-01\nmainSteps:\n- {action: aws:runShellScript, name: s}\n"
    )
    assert analyze(text, fmt="YAML").description == "2024-01-01"


def test_hash_is_sha256_of_the_submitted_text() -> None:
    text = json.dumps(COMMAND_22, indent=3)
    assert analyze(text).hash == hashlib.sha256(text.encode()).hexdigest()


def test_change_calendar_is_text() -> None:
    result = analyze(CALENDAR, "ChangeCalendar", "TEXT")
    assert result.parsed is None
    assert result.platform_types == ()


def test_other_document_types_are_stored_when_they_parse() -> None:
    result = analyze(
        {"schemaVersion": "1.0", "description": "session", "sessionType": "Standard_Stream"}, "Session"
    )
    assert result.schema_version == "1.0"


@pytest.mark.parametrize(
    ("doc", "document_type", "fmt", "code", "message"),
    [
        (
            "{not json",
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "JSON not well-formed. at Line: 1, Column: 2",
        ),
        ("a: [b\nc: d\n", "Command", "YAML", "InvalidDocumentContent", "YAML not well-formed."),
        ("[1, 2]", "Command", "JSON", "InvalidDocumentContent", "must be an object"),
        ("[1, 2]", "Session", "JSON", "InvalidDocumentContent", "must be an object"),
        (
            with_changes(COMMAND_22, schemaVersion="0.3"),
            "Command",
            "JSON",
            "InvalidDocumentSchemaVersion",
            "0.3",
        ),
        ({"description": "x", "mainSteps": []}, "Command", "JSON", "InvalidDocumentSchemaVersion", "missing"),
        (COMMAND_22, "Automation", "JSON", "InvalidDocumentSchemaVersion", "2.2"),
        (with_changes(COMMAND_22, mainSteps=[]), "Command", "JSON", "InvalidDocumentContent", "mainSteps"),
        (
            with_changes(COMMAND_22, runtimeConfig={}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "runtimeConfig",
        ),
        (
            with_changes(COMMAND_12, runtimeConfig={}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "runtimeConfig",
        ),
        (
            with_changes(COMMAND_12, runtimeConfig={"aws:noSuchPlugin": {"properties": []}}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "aws:noSuchPlugin",
        ),
        (
            with_changes(COMMAND_22, mainSteps=[{"name": "a", "inputs": {}}]),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "must have an action",
        ),
        (
            with_changes(COMMAND_22, mainSteps=[{"action": "aws:runShellScript", "inputs": {}}]),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "must have a name",
        ),
        (
            with_changes(COMMAND_22, mainSteps=[{"action": "aws:fly", "name": "a"}]),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "aws:fly",
        ),
        (
            with_changes(
                COMMAND_22,
                mainSteps=[
                    {"action": "aws:runShellScript", "name": "a"},
                    {"action": "aws:runShellScript", "name": "a"},
                ],
            ),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "unique",
        ),
        (
            with_changes(
                COMMAND_22,
                mainSteps=[
                    {
                        "action": "aws:runShellScript",
                        "name": "a",
                        "precondition": {"StringLike": ["platformType", "L"]},
                    }
                ],
            ),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "StringEquals",
        ),
        (with_changes(COMMAND_22, extra=1), "Command", "JSON", "InvalidDocumentContent", "extra"),
        (
            with_changes(COMMAND_22, parameters={"p": {"description": "no type"}}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "must have a type",
        ),
        (
            with_changes(COMMAND_22, parameters={"p": {"type": "Float"}}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "unsupported type",
        ),
        (
            with_changes(COMMAND_22, parameters={"p": {"type": "StringList", "default": "not a list"}}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "default",
        ),
        (
            with_changes(COMMAND_22, parameters={"p": {"type": "String", "allowedPattern": "("}}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "allowedPattern",
        ),
        (
            with_changes(COMMAND_22, parameters={"p": {"type": "String", "minChars": -1}}),
            "Command",
            "JSON",
            "InvalidDocumentContent",
            "minChars",
        ),
        (
            with_changes(
                AUTOMATION_03,
                mainSteps=[
                    {"name": "a", "action": "aws:executeAwsApi", "inputs": {"Value": "{{ssm:/my/param}}"}}
                ],
            ),
            "Automation",
            "JSON",
            "InvalidDocumentContent",
            "{{ssm:",
        ),
        (
            with_changes(AUTOMATION_03, mainSteps=[{"name": "bad-name", "action": "aws:sleep"}]),
            "Automation",
            "JSON",
            "InvalidDocumentContent",
            "bad-name",
        ),
        (
            with_changes(
                AUTOMATION_03,
                mainSteps=[
                    {
                        "name": "b",
                        "action": "aws:branch",
                        "inputs": {"Choices": [{"NextStep": "b", "Variable": "x", "LooksLike": "y"}]},
                    }
                ],
            ),
            "Automation",
            "JSON",
            "InvalidDocumentContent",
            "LooksLike",
        ),
        (
            with_changes(
                AUTOMATION_03, mainSteps=[{"name": "a", "action": "aws:sleep", "nextStep": "nowhere"}]
            ),
            "Automation",
            "JSON",
            "InvalidDocumentContent",
            "nowhere",
        ),
        (
            with_changes(
                AUTOMATION_03, mainSteps=[{"name": "a", "action": "aws:sleep", "onFailure": "step:gone"}]
            ),
            "Automation",
            "JSON",
            "InvalidDocumentContent",
            "gone",
        ),
        (
            with_changes(AUTOMATION_03, outputs=["nostep.Output"]),
            "Automation",
            "JSON",
            "InvalidDocumentContent",
            "nostep",
        ),
        (COMMAND_22, "ChangeCalendar", "JSON", "InvalidDocumentContent", "TEXT"),
        ("not a calendar", "ChangeCalendar", "TEXT", "InvalidDocumentContent", "VCALENDAR"),
        (CALENDAR, "Command", "TEXT", "InvalidDocumentContent", "TEXT"),
    ],
)
def test_invalid_documents_are_rejected_with_the_modeled_error(
    doc: Any, document_type: str, fmt: str, code: str, message: str
) -> None:
    with pytest.raises(ApiError) as caught:
        analyze(doc, document_type, fmt)
    assert caught.value.code == code
    assert message in caught.value.message


def test_content_over_64_kb_is_too_large() -> None:
    doc = with_changes(COMMAND_22, description="x" * (64 * 1024))
    with pytest.raises(ApiError) as caught:
        analyze(doc)
    assert caught.value.code == "MaxDocumentSizeExceeded"


def test_json_content_renders_as_yaml_with_the_same_meaning() -> None:
    text = json.dumps(AUTOMATION_03)
    parsed = content.parse(text, DocumentFormat.JSON)
    rendered = content.render(text, parsed, DocumentFormat.JSON, DocumentFormat.YAML)
    assert rendered.startswith("---\n")
    assert 'description: "Wait, then decide."' in rendered
    assert yaml.safe_load(rendered) == AUTOMATION_03


def test_yaml_content_renders_as_json_with_the_same_meaning() -> None:
    text = yaml.safe_dump(COMMAND_22)
    parsed = content.parse(text, DocumentFormat.YAML)
    rendered = content.render(text, parsed, DocumentFormat.YAML, DocumentFormat.JSON)
    assert json.loads(rendered) == COMMAND_22


def test_the_stored_format_returns_the_text_as_submitted() -> None:
    text = json.dumps(COMMAND_22, indent=7)
    assert content.render(text, COMMAND_22, DocumentFormat.JSON, DocumentFormat.JSON) == text


def test_text_documents_cannot_be_converted() -> None:
    with pytest.raises(ApiError) as caught:
        content.render(CALENDAR, None, DocumentFormat.TEXT, DocumentFormat.JSON)
    assert caught.value.code == "ValidationException"
