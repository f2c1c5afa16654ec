"""Activation rules against the real database, with a fake clock (expiry without waiting)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from openssm.core.errors import ApiError
from openssm.domain.activations.models import ActivationFilter, ActivationFilterKey, CreateActivationRequest
from openssm.store.schema.nodes import activations
from tests.unit.nodes.conftest import ACCOUNT, World


def test_activation_expires_24_hours_after_creation_by_default(world: World) -> None:
    created = world.activation()
    world.clock.advance(24 * 3600 - 1)
    page = world.activations.describe(ACCOUNT, [], None, None)
    assert [a.expired(page.as_of) for a in page.activations] == [False]
    world.register(created, "first")  # still accepted a second before expiry

    world.clock.advance(1)
    page = world.activations.describe(ACCOUNT, [], None, None)
    assert [a.expired(page.as_of) for a in page.activations] == [True]


def test_registration_with_an_expired_activation_is_refused(world: World) -> None:
    created = world.activation(limit=5, expires_in=timedelta(hours=2))
    world.clock.advance(2 * 3600)
    with pytest.raises(ApiError) as error:
        world.register(created)
    assert error.value.code == "ActivationExpired"


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1), timedelta(days=30, minutes=6)])
def test_expiration_date_must_be_in_the_future_and_at_most_30_days_away(
    world: World, offset: timedelta
) -> None:
    request = CreateActivationRequest(iam_role="SSMServiceRole", expiration_date=world.clock.now() + offset)
    with pytest.raises(ApiError) as error:
        world.activations.create(ACCOUNT, request)
    assert error.value.code == "ValidationException"
    assert "ExpirationDate" in error.value.message


def test_expiration_date_30_days_away_is_accepted(world: World) -> None:
    request = CreateActivationRequest(iam_role="r", expiration_date=world.clock.now() + timedelta(days=30))
    world.activations.create(ACCOUNT, request)


def test_wrong_code_unknown_id_and_deleted_activation_are_invalid_activation(world: World) -> None:
    created = world.activation(limit=3)
    wrong = type(created)(created.activation_id, created.activation_code[:-1] + "?")
    unknown = type(created)("00000000-0000-4000-8000-000000000000", created.activation_code)
    for attempt in (wrong, unknown):
        with pytest.raises(ApiError) as error:
            world.register(attempt)
        assert error.value.code == "InvalidActivation"

    node = world.register(created)
    world.activations.delete(ACCOUNT, created.activation_id)
    with pytest.raises(ApiError) as error:
        world.register(created)
    assert error.value.code == "InvalidActivation"
    with world.db.begin() as conn:
        assert world.nodes.get(conn, ACCOUNT, node) is not None  # deletion blocks new registrations only


def test_registration_limit_is_enforced_and_counted(world: World) -> None:
    created = world.activation(limit=2)
    world.register(created, "a")
    world.register(created, "b")
    with pytest.raises(ApiError) as error:
        world.register(created, "c")
    assert error.value.code == "RegistrationLimitExceeded"
    [activation] = world.activations.describe(ACCOUNT, [], None, None).activations
    assert (activation.registration_limit, activation.registrations_count) == (2, 2)


def test_concurrent_registrations_never_exceed_the_limit(world: World) -> None:
    """Through the database executor, as requests run (PostgreSQL: 8 threads at once)."""
    created = world.activation(limit=3)

    def attempt(n: int) -> str:
        try:
            world.register(created, f"fp-{n}")
        except ApiError as error:
            return error.code
        return "ok"

    async def all_at_once() -> list[str]:
        return list(await asyncio.gather(*(world.db.run(attempt, n) for n in range(10))))

    outcomes = asyncio.run(all_at_once())
    assert sorted(outcomes) == ["RegistrationLimitExceeded"] * 7 + ["ok"] * 3
    [activation] = world.activations.describe(ACCOUNT, [], None, None).activations
    assert activation.registrations_count == 3


def test_the_activation_code_is_stored_only_as_its_hash(world: World) -> None:
    created = world.activation()
    with world.db.begin() as conn:
        row = conn.execute(select(activations)).mappings().one()
    assert created.activation_code not in {str(v) for v in row.values()}
    assert len(created.activation_code) >= 20


def test_describe_filters_pages_and_keeps_accounts_apart(world: World) -> None:
    ids = []
    for n in range(5):
        ids.append(world.activation(name=f"web-{n % 2}").activation_id)
        world.clock.advance(1)
    world.activation("210987654321")

    seen: list[str] = []
    token = None
    while True:
        page = world.activations.describe(ACCOUNT, [], 2, token)
        seen += [a.activation_id for a in page.activations]
        token = page.next_token
        if token is None:
            break
    assert seen == ids

    by_name = world.activations.describe(
        ACCOUNT, [ActivationFilter(ActivationFilterKey.DEFAULT_INSTANCE_NAME, ("web-1",))], None, None
    )
    assert [a.activation_id for a in by_name.activations] == [ids[1], ids[3]]
    by_id = world.activations.describe(
        ACCOUNT, [ActivationFilter(ActivationFilterKey.ACTIVATION_IDS, (ids[4], ids[0]))], None, None
    )
    assert [a.activation_id for a in by_id.activations] == [ids[0], ids[4]]


def test_a_token_from_another_query_is_refused(world: World) -> None:
    for _ in range(3):
        world.activation(name="x")
    token = world.activations.describe(ACCOUNT, [], 1, None).next_token
    name_filter = [ActivationFilter(ActivationFilterKey.DEFAULT_INSTANCE_NAME, ("x",))]
    with pytest.raises(ApiError) as error:
        world.activations.describe(ACCOUNT, name_filter, 1, token)
    assert error.value.code == "InvalidNextToken"


def test_deleting_an_unknown_or_foreign_activation_is_invalid_activation_id(world: World) -> None:
    created = world.activation("210987654321")
    for activation_id in (created.activation_id, "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(ApiError) as error:
            world.activations.delete(ACCOUNT, activation_id)
        assert error.value.code == "InvalidActivationId"
