"""Documents to steps: schema versions, parameters, defaults, StringList expansion, preconditions."""

from __future__ import annotations

import pytest

from openssm.agent.documents import DocumentError, parse_document, replace_parameters

RUN_SHELL_SCRIPT_22 = {
    "schemaVersion": "2.2",
    "description": "Run a shell script.",
    "parameters": {
        "commands": {"type": "StringList", "description": "commands"},
        "workingDirectory": {"type": "String", "default": ""},
        "executionTimeout": {"type": "String", "default": "3600"},
    },
    "mainSteps": [
        {
            "action": "aws:runShellScript",
            "name": "runShellScript",
            "precondition": {"StringEquals": ["platformType", "Linux"]},
            "inputs": {
                "runCommand": ["{{ commands }}"],
                "workingDirectory": "{{ workingDirectory }}",
                "timeoutSeconds": "{{ executionTimeout }}",
            },
        }
    ],
}


def test_string_list_placeholder_becomes_the_list_and_defaults_fill_the_rest() -> None:
    (step,) = parse_document(RUN_SHELL_SCRIPT_22, {"commands": ["echo a", "echo b"]})
    assert step.step_id == "runShellScript"
    assert step.plugin == "aws:runShellScript"
    assert step.properties == {
        "runCommand": [["echo a", "echo b"]],
        "workingDirectory": "",
        "timeoutSeconds": "3600",
    }
    assert step.precondition_enabled
    assert [(a.initial, a.resolved) for a in step.preconditions["StringEquals"]] == [
        ("platformType", "platformType"),
        ("Linux", "Linux"),
    ]


def test_api_style_list_values_are_unwrapped_for_string_parameters() -> None:
    (step,) = parse_document(RUN_SHELL_SCRIPT_22, {"commands": "echo one", "executionTimeout": ["30"]})
    assert step.properties["runCommand"] == [["echo one"]]
    assert step.properties["timeoutSeconds"] == "30"


def test_embedded_placeholders_are_replaced_as_text() -> None:
    params = {"name": "world", "items": ["a", "b<c"], "cost": "$$5"}
    assert replace_parameters("hello {{name}} and {{ name }}!", params) == "hello world and world!"
    assert replace_parameters("list: {{ items }}", params) == 'list: ["a","b\\u003cc"]'
    assert replace_parameters("price {{ cost }}", params) == "price $5"
    assert replace_parameters({"k": ["{{ items }}", 3, None]}, params) == {"k": [["a", "b<c"], 3, None]}
    assert replace_parameters("{{ unknown }}", params) == "{{ unknown }}"


def test_schema_1_2_runtime_config_gives_one_step_per_plugin() -> None:
    document = {
        "schemaVersion": "1.2",
        "parameters": {
            "commands": {"type": "StringList"},
            "workingDirectory": {"type": "String", "default": ""},
        },
        "runtimeConfig": {
            "aws:runShellScript": {
                "properties": [
                    {
                        "id": "0.aws:runShellScript",
                        "runCommand": "{{ commands }}",
                        "workingDirectory": "{{ workingDirectory }}",
                    }
                ]
            }
        },
    }
    (step,) = parse_document(document, {"commands": ["date"]})
    assert step.step_id == step.plugin == "aws:runShellScript"
    assert step.properties == [{"id": "0.aws:runShellScript", "runCommand": ["date"], "workingDirectory": ""}]
    assert not step.precondition_enabled


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"schemaVersion": "9.9", "mainSteps": []}, "Document with schema version 9.9 is not supported"),
        ({"schemaVersion": "2.2", "mainSteps": []}, "Unsupported schema format"),
        ({"schemaVersion": "1.2"}, "Unsupported schema format"),
    ],
)
def test_unusable_documents_are_refused_with_the_agents_wording(
    document: dict[str, object], message: str
) -> None:
    with pytest.raises(DocumentError, match=message):
        parse_document(document, {})


def test_schema_2_0_steps_have_preconditions_disabled() -> None:
    document = {
        "schemaVersion": "2.0",
        "mainSteps": [{"action": "aws:runShellScript", "name": "s", "inputs": {}}],
    }
    (step,) = parse_document(document, {})
    assert not step.precondition_enabled


def test_invalid_parameter_names_are_ignored() -> None:
    document = {
        "schemaVersion": "2.2",
        "mainSteps": [{"action": "a", "name": "s", "inputs": {"x": "{{ bad-name }}"}}],
    }
    (step,) = parse_document(document, {"bad-name": "v"})
    assert step.properties == {"x": "{{ bad-name }}"}
