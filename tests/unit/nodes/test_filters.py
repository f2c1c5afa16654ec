"""DescribeInstanceInformation filter rules (pure)."""

from __future__ import annotations

import pytest

from openssm.core.errors import ApiError
from openssm.domain.nodes.filters import FilterKind, InstanceFilter, parse_filters


def error_of(legacy: list | None, filters: list | None) -> ApiError:  # type: ignore[type-arg]
    with pytest.raises(ApiError) as error:
        parse_filters(legacy, filters)
    return error.value


def test_both_filter_lists_at_once_are_refused() -> None:
    error = error_of([("PingStatus", ["Online"])], [("PingStatus", ["Online"])])
    assert error.code == "ValidationException"


def test_tag_filters_cannot_be_mixed_with_others_in_aws_words() -> None:
    error = error_of(None, [("tag:Role", ["web"]), ("PingStatus", ["Online"])])
    assert (error.code, error.message) == (
        "ValidationException",
        "Cannot mix tag or inventory filter with any other filter.",
    )


def test_several_tag_filters_go_together() -> None:
    assert parse_filters(None, [("tag:Role", ["web"]), ("tag-key", ["Env"])]) == [
        InstanceFilter(FilterKind.TAG, ("web",), tag_key="Role"),
        InstanceFilter(FilterKind.TAG_KEY, ("Env",)),
    ]


def test_unknown_keys_are_invalid_filter_key() -> None:
    assert error_of(None, [("Platform", ["Linux"])]).code == "InvalidFilterKey"
    assert error_of(None, [("tag:", ["x"])]).code == "InvalidFilterKey"


def test_resource_type_takes_one_valid_value_as_aws_words_it() -> None:
    error = error_of(None, [("ResourceType", ["ManagedInstance", "EC2Instance"])])
    assert (error.code, error.message) == (
        "InvalidInstanceInformationFilterValue",
        "ResourceType filter may contain only one value.",
    )
    error = error_of(None, [("ResourceType", ["Document"])])
    assert error.message == "ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance"


@pytest.mark.parametrize(
    ("key", "value"),
    [("PingStatus", "Offline"), ("PlatformType", "Solaris"), ("SourceTypes", "AWS::EC2::Volume"),
     ("AssociationStatus", "Done")],
)  # fmt: skip
def test_enumerated_values_are_checked(key: str, value: str) -> None:
    assert error_of(None, [(key, [value])]).code == "InvalidInstanceInformationFilterValue"


def test_legacy_platform_types_key_means_platform_type() -> None:
    assert parse_filters([("PlatformTypes", ["Linux"])], None) == [
        InstanceFilter(FilterKind.PLATFORM_TYPE, ("Linux",))
    ]
