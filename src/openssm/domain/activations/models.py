"""Activation values: the stored activation and the requests that make and list them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ActivationFilterKey(StrEnum):
    """DescribeActivations filter keys (the model's `DescribeActivationsFilterKeys`)."""

    ACTIVATION_IDS = "ActivationIds"
    DEFAULT_INSTANCE_NAME = "DefaultInstanceName"
    IAM_ROLE = "IamRole"


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Activation:
    activation_id: str
    account_id: str
    description: str | None
    default_instance_name: str | None
    iam_role: str
    registration_limit: int
    registrations_count: int
    expiration_date: datetime
    created_date: datetime
    tags: tuple[Tag, ...]

    def expired(self, now: datetime) -> bool:
        return now >= self.expiration_date


@dataclass(frozen=True, slots=True)
class CreateActivationRequest:
    iam_role: str
    description: str | None = None
    default_instance_name: str | None = None
    registration_limit: int | None = None
    expiration_date: datetime | None = None
    tags: tuple[Tag, ...] = ()
    registration_metadata: tuple[Tag, ...] = ()


@dataclass(frozen=True, slots=True)
class CreatedActivation:
    activation_id: str
    activation_code: str
    """Shown once: only its hash is stored."""


@dataclass(frozen=True, slots=True)
class ActivationFilter:
    key: ActivationFilterKey
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActivationPage:
    as_of: datetime
    """The instant the page was read (what `Expired` is computed against)."""
    activations: list[Activation] = field(default_factory=list)
    next_token: str | None = None
