"""Wire <-> domain for CreateActivation, DescribeActivations and DeleteActivation."""

from __future__ import annotations

from typing import Any

from openssm.core.context import RequestContext
from openssm.core.errors import ApiError
from openssm.domain.activations.models import (
    Activation,
    ActivationFilter,
    ActivationFilterKey,
    CreateActivationRequest,
    Tag,
)
from openssm.domain.activations.service import ActivationService
from openssm.protocol.registry import operation


def tags_from_wire(items: list[dict[str, Any]] | None) -> tuple[Tag, ...]:
    return tuple(Tag(item["Key"], item["Value"]) for item in items or ())


def activation_to_wire(activation: Activation, expired: bool) -> dict[str, Any]:
    return {
        "ActivationId": activation.activation_id,
        "Description": activation.description,
        "DefaultInstanceName": activation.default_instance_name,
        "IamRole": activation.iam_role,
        "RegistrationLimit": activation.registration_limit,
        "RegistrationsCount": activation.registrations_count,
        "ExpirationDate": activation.expiration_date,
        "Expired": expired,
        "CreatedDate": activation.created_date,
        "Tags": [{"Key": t.key, "Value": t.value} for t in activation.tags],
    }


class ActivationHandlers:
    def __init__(self, service: ActivationService) -> None:
        self._service = service

    @operation("CreateActivation")
    def create_activation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        request = CreateActivationRequest(
            iam_role=params["IamRole"],
            description=params.get("Description"),
            default_instance_name=params.get("DefaultInstanceName"),
            registration_limit=params.get("RegistrationLimit"),
            expiration_date=params.get("ExpirationDate"),
            tags=tags_from_wire(params.get("Tags")),
            registration_metadata=tags_from_wire(params.get("RegistrationMetadata")),
        )
        created = self._service.create(ctx.account_id, request)
        return {"ActivationId": created.activation_id, "ActivationCode": created.activation_code}

    @operation("DescribeActivations")
    def describe_activations(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        filters = []
        for item in params.get("Filters") or ():
            key, values = item.get("FilterKey"), item.get("FilterValues")
            if key is None:
                raise ApiError("InvalidFilter", "A filter must name a FilterKey.")
            if not values:
                raise ApiError("InvalidFilter", f"The filter {key} needs at least one value.")
            filters.append(ActivationFilter(ActivationFilterKey(key), tuple(values)))
        page = self._service.describe(
            ctx.account_id, filters, params.get("MaxResults"), params.get("NextToken")
        )
        return {
            "ActivationList": [activation_to_wire(a, a.expired(page.as_of)) for a in page.activations],
            "NextToken": page.next_token,
        }

    @operation("DeleteActivation")
    def delete_activation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._service.delete(ctx.account_id, params["ActivationId"])
        return {}
