"""Parameter definitions, validation of the values a caller gives, and {{ name }} substitution."""

from __future__ import annotations

import pytest

from openssm.core.errors import ApiError
from openssm.domain.documents.parameters import (
    DocumentParameter,
    definitions_from_content,
    substitute,
    validate_parameters,
)

TIMEOUT_PATTERN = "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)"
RUN_SHELL_SCRIPT = definitions_from_content(
    {
        "commands": {"type": "StringList", "minItems": 1, "displayType": "textarea"},
        "workingDirectory": {"type": "String", "default": "", "maxChars": 4096},
        "executionTimeout": {
            "type": "String",
            "default": "3600",
            "allowedPattern": TIMEOUT_PATTERN,
        },
    },
    automation=False,
)


def test_defaults_fill_in_and_lists_stay_lists() -> None:
    values = validate_parameters(RUN_SHELL_SCRIPT, {"commands": ["echo a", "echo b"]})
    assert values == {"commands": ["echo a", "echo b"], "workingDirectory": "", "executionTimeout": "3600"}


def test_given_values_override_defaults() -> None:
    values = validate_parameters(RUN_SHELL_SCRIPT, {"commands": ["date"], "executionTimeout": ["172800"]})
    assert values["executionTimeout"] == "172800"


def test_a_missing_required_parameter_is_invalid() -> None:
    with pytest.raises(ApiError) as caught:
        validate_parameters(RUN_SHELL_SCRIPT, {})
    assert caught.value.code == "InvalidParameters"
    assert caught.value.message == "Missing required parameter: commands in user inputs."


def test_an_empty_list_for_a_required_parameter_counts_as_missing() -> None:
    with pytest.raises(ApiError, match="Missing required parameter: commands"):
        validate_parameters(RUN_SHELL_SCRIPT, {"commands": []})


def test_an_unknown_parameter_is_invalid() -> None:
    with pytest.raises(ApiError) as caught:
        validate_parameters(RUN_SHELL_SCRIPT, {"commands": ["date"], "colour": ["red"]})
    assert caught.value.code == "InvalidParameters"
    assert '"colour"' in caught.value.message


def test_the_allowed_pattern_must_match_the_whole_value() -> None:
    for bad in ("0", "172801", "abc", "3600s"):
        with pytest.raises(ApiError, match="not matching pattern"):
            validate_parameters(RUN_SHELL_SCRIPT, {"commands": ["date"], "executionTimeout": [bad]})


def test_allowed_values_are_enforced_with_the_aws_wording() -> None:
    params = definitions_from_content(
        {"Action": {"type": "String", "allowedValues": ["Install", "Uninstall"]}}, automation=True
    )
    with pytest.raises(ApiError) as caught:
        validate_parameters(
            params, {"Action": ["install"]}, error_code="InvalidAutomationExecutionParametersException"
        )
    assert caught.value.code == "InvalidAutomationExecutionParametersException"
    assert caught.value.message == 'Parameter "Action" has value "install" not found in [Install, Uninstall].'


def test_each_item_of_a_string_list_is_checked() -> None:
    params = (DocumentParameter(name="names", type="StringList", allowed_values=("a", "b")),)
    assert validate_parameters(params, {"names": ["a", "b"]}) == {"names": ["a", "b"]}
    with pytest.raises(ApiError, match='has value "c"'):
        validate_parameters(params, {"names": ["a", "c"]})


@pytest.mark.parametrize(
    ("definition", "values", "message"),
    [
        (DocumentParameter("p", "StringList", min_items=2), ["a"], "at least 2"),
        (DocumentParameter("p", "StringList", max_items=1), ["a", "b"], "at most 1"),
        (DocumentParameter("p", "String", min_chars=3), ["ab"], "shorter than 3"),
        (DocumentParameter("p", "String", max_chars=3), ["abcd"], "longer than 3"),
        (DocumentParameter("p", "String"), ["a", "b"], "takes one value"),
        (DocumentParameter("p", "Integer"), ["1.5"], "not an Integer"),
        (DocumentParameter("p", "Boolean"), ["yes"], "not a Boolean"),
        (DocumentParameter("p", "StringMap"), ["[1]"], "StringMap"),
        (DocumentParameter("p", "MapList"), ["{}"], "MapList"),
    ],
)
def test_bounds_and_types_are_enforced(
    definition: DocumentParameter, values: list[str], message: str
) -> None:
    with pytest.raises(ApiError, match=message):
        validate_parameters((definition,), {"p": values})


def test_typed_values_that_fit_are_returned_as_given() -> None:
    params = (
        DocumentParameter("count", "Integer", default=3),
        DocumentParameter("force", "Boolean", default=False),
        DocumentParameter("tags", "StringMap", default={"a": "b"}),
    )
    assert validate_parameters(params, {"count": ["-2"], "force": ["True"]}) == {
        "count": "-2",
        "force": "True",
        "tags": '{"a":"b"}',
    }
    assert validate_parameters(params, {})["force"] == "false"


def test_describe_shows_defaults_as_text() -> None:
    assert DocumentParameter("p", "String", default="").default_text() == ""
    assert DocumentParameter("p", "StringList", default=["a"]).default_text() == '["a"]'
    assert DocumentParameter("p", "Boolean", default=True).default_text() == "true"
    assert DocumentParameter("p", "String").default_text() is None


def test_definitions_survive_a_round_trip_through_storage() -> None:
    for param in RUN_SHELL_SCRIPT:
        assert DocumentParameter.from_json(param.to_json()) == param


def test_a_string_list_placeholder_expands_to_the_whole_list() -> None:
    properties = {
        "id": "0.aws:runShellScript",
        "runCommand": "{{ commands }}",
        "workingDirectory": "{{ workingDirectory }}",
        "timeoutSeconds": "{{executionTimeout}}",
    }
    values = {"commands": ["echo a", "echo b"], "workingDirectory": "/tmp", "executionTimeout": "60"}
    assert substitute(properties, values) == {
        "id": "0.aws:runShellScript",
        "runCommand": ["echo a", "echo b"],
        "workingDirectory": "/tmp",
        "timeoutSeconds": "60",
    }


def test_a_list_element_placeholder_expands_in_place() -> None:
    values = {"commands": ["echo a", "echo b"]}
    assert substitute(["set -e", "{{ commands }}", "echo done"], values) == [
        "set -e",
        "echo a",
        "echo b",
        "echo done",
    ]


def test_placeholders_inside_text_are_replaced() -> None:
    assert substitute("echo {{ message }}, {{message}}!", {"message": "hi"}) == "echo hi, hi!"
    assert substitute("run {{ commands }}", {"commands": ["a", "b"]}) == "run a\nb"


def test_unknown_placeholders_are_left_alone() -> None:
    text = "{{ssm:/my/param}} {{ step.Output }} {{ missing }}"
    assert substitute(text, {"message": "hi"}) == text


def test_non_text_values_pass_through() -> None:
    assert substitute({"n": 3, "b": True, "x": None}, {"n": "9"}) == {"n": 3, "b": True, "x": None}
