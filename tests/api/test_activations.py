"""CreateActivation, DescribeActivations and DeleteActivation through boto3 against a live server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import unique
from tests.support.server import ServerProcess

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def describe_all(ssm: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return [
        a
        for page in ssm.get_paginator("describe_activations").paginate(**kwargs)
        for a in page["ActivationList"]
    ]


def by_id(ssm: Any, activation_id: str) -> dict[str, Any]:
    [found] = describe_all(ssm, Filters=[{"FilterKey": "ActivationIds", "FilterValues": [activation_id]}])
    return found


def test_create_activation_returns_a_uuid_and_a_code_of_at_least_20_characters(ssm: Any) -> None:
    created = ssm.create_activation(IamRole="SSMServiceRole")
    assert UUID.match(created["ActivationId"])
    assert len(created["ActivationCode"]) >= 20


def test_defaults_are_one_registration_and_24_hours(ssm: Any) -> None:
    before = datetime.now(UTC)
    created = ssm.create_activation(IamRole="SSMServiceRole")
    found = by_id(ssm, created["ActivationId"])
    assert (found["RegistrationLimit"], found["RegistrationsCount"], found["Expired"]) == (1, 0, False)
    lifetime = found["ExpirationDate"] - found["CreatedDate"]
    assert lifetime == timedelta(hours=24)
    assert before - timedelta(seconds=5) <= found["CreatedDate"] <= datetime.now(UTC) + timedelta(seconds=5)
    assert "ActivationCode" not in found


def test_describe_shows_what_was_given_including_tags(ssm: Any) -> None:
    name = unique("web")
    expires = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    created = ssm.create_activation(
        IamRole="service-role/Hybrid",
        Description="rack 4",
        DefaultInstanceName=name,
        RegistrationLimit=25,
        ExpirationDate=expires,
        Tags=[{"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": ""}],
        RegistrationMetadata=[{"Key": "k", "Value": "v"}],
    )
    found = by_id(ssm, created["ActivationId"])
    assert found["Description"] == "rack 4"
    assert found["DefaultInstanceName"] == name
    assert found["IamRole"] == "service-role/Hybrid"
    assert found["RegistrationLimit"] == 25
    assert found["ExpirationDate"] == expires
    assert sorted(found["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "Env", "Value": "prod"},
        {"Key": "Team", "Value": ""},
    ]


@pytest.mark.parametrize("offset", [timedelta(hours=-1), timedelta(days=31)])
def test_expiration_date_must_be_in_the_future_and_within_30_days(ssm: Any, offset: timedelta) -> None:
    with pytest.raises(ClientError) as error:
        ssm.create_activation(IamRole="SSMServiceRole", ExpirationDate=datetime.now(UTC) + offset)
    assert error.value.response["Error"]["Code"] == "ValidationException"


def test_registration_limit_is_between_1_and_1000(server: ServerProcess) -> None:
    unchecked = server.client("ssm", parameter_validation=False)
    for limit in (0, 1001):
        with pytest.raises(ClientError) as error:
            unchecked.create_activation(IamRole="SSMServiceRole", RegistrationLimit=limit)
        assert error.value.response["Error"]["Code"] == "ValidationException"


def test_filters_select_by_name_and_role_and_pages_follow_in_creation_order(ssm: Any) -> None:
    role = unique("role")
    names = [unique("n") for _ in range(2)]
    ids = [
        ssm.create_activation(IamRole=role, DefaultInstanceName=names[n % 2])["ActivationId"]
        for n in range(5)
    ]
    by_role = describe_all(
        ssm, Filters=[{"FilterKey": "IamRole", "FilterValues": [role]}], PaginationConfig={"PageSize": 2}
    )
    assert [a["ActivationId"] for a in by_role] == ids
    first_page = ssm.describe_activations(
        Filters=[{"FilterKey": "IamRole", "FilterValues": [role]}], MaxResults=2
    )
    assert len(first_page["ActivationList"]) == 2 and first_page["NextToken"]
    by_name = describe_all(ssm, Filters=[{"FilterKey": "DefaultInstanceName", "FilterValues": [names[1]]}])
    assert [a["ActivationId"] for a in by_name] == [ids[1], ids[3]]
    both = describe_all(
        ssm,
        Filters=[
            {"FilterKey": "IamRole", "FilterValues": [role]},
            {"FilterKey": "ActivationIds", "FilterValues": [ids[0], ids[1]]},
        ],
    )
    assert [a["ActivationId"] for a in both] == ids[:2]


def test_a_tampered_next_token_is_refused(ssm: Any) -> None:
    role = unique("role")
    for _ in range(2):
        ssm.create_activation(IamRole=role)
    token = ssm.describe_activations(
        Filters=[{"FilterKey": "IamRole", "FilterValues": [role]}], MaxResults=1
    )["NextToken"]
    with pytest.raises(ClientError) as error:
        ssm.describe_activations(
            MaxResults=1, NextToken=token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        )
    assert error.value.response["Error"]["Code"] == "InvalidNextToken"


def test_deleted_activation_disappears_and_cannot_be_deleted_again(ssm: Any) -> None:
    activation_id = ssm.create_activation(IamRole="SSMServiceRole")["ActivationId"]
    ssm.delete_activation(ActivationId=activation_id)
    assert describe_all(ssm, Filters=[{"FilterKey": "ActivationIds", "FilterValues": [activation_id]}]) == []
    with pytest.raises(ClientError) as error:
        ssm.delete_activation(ActivationId=activation_id)
    assert error.value.response["Error"]["Code"] == "InvalidActivationId"


def test_activation_id_must_be_a_uuid(ssm: Any) -> None:
    with pytest.raises(ClientError) as error:
        ssm.delete_activation(ActivationId="not-a-uuid")
    assert error.value.response["Error"]["Code"] == "ValidationException"
