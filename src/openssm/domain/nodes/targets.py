"""Which nodes a `Targets` list names (spec §3.2): entries ANDed, values ORed.

Keys: `InstanceIds` (any letter case; the value `*` means every node), `tag:<key>` (the node's tag
equals one of the values), `tag-key` (the node has one of the listed keys). `resource-groups:*`
keys answer InvalidTarget until resource groups exist; any other key is InvalidTarget too.
Listed instance ids that are not registered nodes of the account simply match nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openssm.core.errors import ApiError

INSTANCE_IDS = "instanceids"
TAG_PREFIX = "tag:"
TAG_KEY = "tag-key"
RESOURCE_GROUPS_PREFIX = "resource-groups:"
ALL = "*"


@dataclass(frozen=True, slots=True)
class TargetTerm:
    """One `Targets` entry, read: ids (None = all nodes), or a tag key and its values, or keys."""

    instance_ids: frozenset[str] | None = None
    tag_key: str | None = None
    tag_values: tuple[str, ...] = ()
    any_of_keys: tuple[str, ...] = ()


def parse_targets(targets: Sequence[dict[str, Any]]) -> list[TargetTerm]:
    terms: list[TargetTerm] = []
    for target in targets:
        key = str(target.get("Key") or "")
        values = [str(v) for v in target.get("Values") or ()]
        lowered = key.lower()
        if lowered.startswith(RESOURCE_GROUPS_PREFIX):
            raise ApiError(
                "InvalidTarget",
                f"Target key {key} is not supported: openssm has no resource groups. "
                "Target nodes by InstanceIds, tag:<key> or tag-key.",
            )
        if not values:
            raise ApiError("InvalidTarget", f"Target {key} must have at least one value.")
        if lowered == INSTANCE_IDS:
            terms.append(TargetTerm(instance_ids=None if ALL in values else frozenset(values)))
        elif lowered.startswith(TAG_PREFIX) and len(key) > len(TAG_PREFIX):
            terms.append(TargetTerm(tag_key=key[len(TAG_PREFIX) :], tag_values=tuple(values)))
        elif lowered == TAG_KEY:
            terms.append(TargetTerm(any_of_keys=tuple(values)))
        else:
            raise ApiError(
                "InvalidTarget",
                f"Target key {key} is not valid. Valid keys are InstanceIds, tag:<key>, tag-key.",
            )
    return terms


TagLookup = Callable[[str, Iterable[str] | None], set[str]]
"""(tag key, values or None for any value) -> ids of nodes with that tag."""


def matching_ids(terms: Sequence[TargetTerm], tagged: TagLookup) -> set[str] | None:
    """The ids the terms allow together (None = no restriction: every node)."""
    allowed: set[str] | None = None
    for term in terms:
        if term.tag_key is not None:
            ids: set[str] | None = tagged(term.tag_key, term.tag_values)
        elif term.any_of_keys:
            ids = set()
            for key in term.any_of_keys:
                ids |= tagged(key, None)
        else:
            ids = set(term.instance_ids) if term.instance_ids is not None else None
        if ids is not None:
            allowed = ids if allowed is None else allowed & ids
    return allowed
