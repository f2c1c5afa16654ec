"""DescribeInstanceInformation filters: the legacy `InstanceInformationFilterList` and `Filters`.

Rules (spec §8.2): the two lists can't be used together; tag filters (`tag:<key>`, `tag-key`)
can't be mixed with other filters; values are checked against the enums AWS checks, with AWS's
wording where it is known (`ResourceType filter may contain only one value.`,
`ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance`,
`Cannot mix tag or inventory filter with any other filter.`). Entries are ANDed, values ORed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from openssm.core.errors import ApiError


class FilterKind(StrEnum):
    INSTANCE_IDS = "InstanceIds"
    AGENT_VERSION = "AgentVersion"
    PING_STATUS = "PingStatus"
    PLATFORM_TYPE = "PlatformType"
    ACTIVATION_IDS = "ActivationIds"
    IAM_ROLE = "IamRole"
    RESOURCE_TYPE = "ResourceType"
    ASSOCIATION_STATUS = "AssociationStatus"
    SOURCE_IDS = "SourceIds"
    SOURCE_TYPES = "SourceTypes"
    TAG = "tag"
    TAG_KEY = "tag-key"


@dataclass(frozen=True, slots=True)
class InstanceFilter:
    kind: FilterKind
    values: tuple[str, ...]
    tag_key: str | None = None
    """For FilterKind.TAG: the tag key (`tag:<key>`)."""


# Keys of the legacy list (the model's InstanceInformationFilterKey enum).
_LEGACY_KEYS = {
    "InstanceIds": FilterKind.INSTANCE_IDS,
    "AgentVersion": FilterKind.AGENT_VERSION,
    "PingStatus": FilterKind.PING_STATUS,
    "PlatformTypes": FilterKind.PLATFORM_TYPE,
    "ActivationIds": FilterKind.ACTIVATION_IDS,
    "IamRole": FilterKind.IAM_ROLE,
    "ResourceType": FilterKind.RESOURCE_TYPE,
    "AssociationStatus": FilterKind.ASSOCIATION_STATUS,
}

# Keys of `Filters` (documented in InstanceInformationStringFilter.Key). `PlatformTypes` is the
# legacy spelling, accepted here too (unconfirmed).
_STRING_KEYS = {
    **_LEGACY_KEYS,
    "PlatformType": FilterKind.PLATFORM_TYPE,
    "SourceIds": FilterKind.SOURCE_IDS,
    "SourceTypes": FilterKind.SOURCE_TYPES,
    "tag-key": FilterKind.TAG_KEY,
}

_ALLOWED_VALUES = {
    FilterKind.PING_STATUS: ("Online", "ConnectionLost", "Inactive"),
    FilterKind.PLATFORM_TYPE: ("Windows", "Linux", "MacOS"),
    FilterKind.RESOURCE_TYPE: ("EC2Instance", "ManagedInstance"),
    FilterKind.ASSOCIATION_STATUS: ("Success", "Pending", "Failed"),
    FilterKind.SOURCE_TYPES: ("AWS::EC2::Instance", "AWS::IoT::Thing", "AWS::SSM::ManagedInstance"),
}

_SINGLE_VALUED = (FilterKind.RESOURCE_TYPE,)

TAG_PREFIX = "tag:"


def _bad_value(message: str) -> ApiError:
    return ApiError("InvalidInstanceInformationFilterValue", message)


def _checked(kind: FilterKind, key: str, values: Sequence[str]) -> InstanceFilter:
    if kind in _SINGLE_VALUED and len(values) > 1:
        raise _bad_value(f"{key} filter may contain only one value.")
    allowed = _ALLOWED_VALUES.get(kind)
    if allowed is not None:
        for value in values:
            if value not in allowed:
                raise _bad_value(f"{key} filter is invalid, valid values are {', '.join(sorted(allowed))}")
    return InstanceFilter(kind, tuple(values))


def parse_filters(
    legacy: Sequence[tuple[str, Sequence[str]]] | None,
    string_filters: Sequence[tuple[str, Sequence[str]]] | None,
) -> list[InstanceFilter]:
    """Both lists as (key, values) pairs, as sent; returns the filters to AND together."""
    if legacy and string_filters:
        # Wording unconfirmed: the API reference only says that using both "leads to an exception".
        raise ApiError(
            "ValidationException", "InstanceInformationFilterList and Filters can't be used together."
        )
    result: list[InstanceFilter] = []
    for key, values in legacy or ():
        result.append(_checked(_LEGACY_KEYS[key], key, values))
    for key, values in string_filters or ():
        if key.startswith(TAG_PREFIX) and len(key) > len(TAG_PREFIX):
            result.append(InstanceFilter(FilterKind.TAG, tuple(values), tag_key=key[len(TAG_PREFIX) :]))
            continue
        kind = _STRING_KEYS.get(key)
        if kind is None:
            raise ApiError("InvalidFilterKey", f"The filter key {key} is not valid.")
        result.append(_checked(kind, key, values))
    tags = [f for f in result if f.kind in (FilterKind.TAG, FilterKind.TAG_KEY)]
    if tags and len(tags) != len(result):
        raise ApiError("ValidationException", "Cannot mix tag or inventory filter with any other filter.")
    return result
