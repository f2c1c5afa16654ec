"""Node rules against the real database, with a fake clock: PingStatus, the queries Run Command
uses (`require`, `resolve_targets`, `get`, `online_ids`), registration and deregistration."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from openssm.core.errors import ApiError
from openssm.domain.nodes.credentials import issue
from openssm.domain.nodes.filters import parse_filters
from openssm.domain.nodes.models import InstanceReport, Node
from tests.unit.nodes.conftest import ACCOUNT, PING_TIMEOUT, World

OTHER_ACCOUNT = "210987654321"


def require(world: World, ids: list[str]) -> list[Node]:
    with world.db.begin() as conn:
        return world.nodes.require(conn, ACCOUNT, ids, world.clock.now())


def resolve(world: World, targets: list[dict[str, Any]], account_id: str = ACCOUNT) -> list[str]:
    with world.db.begin() as conn:
        return [
            n.instance_id for n in world.nodes.resolve_targets(conn, account_id, targets, world.clock.now())
        ]


def test_a_node_is_online_while_it_pings_and_connection_lost_after_the_timeout(world: World) -> None:
    node = world.node()
    with world.db.begin() as conn:
        assert world.nodes.get(conn, ACCOUNT, node).ping_status == "ConnectionLost"  # type: ignore[union-attr]
    world.nodes.report(node, InstanceReport(agent_version="3.3.1142.0", platform_type="Linux"))
    world.clock.advance(PING_TIMEOUT.total_seconds())
    [found] = require(world, [node])
    assert (found.ping_status, found.platform_type) == ("Online", "Linux")
    world.clock.advance(1)
    [found] = require(world, [node])
    assert found.ping_status == "ConnectionLost"


def test_require_returns_the_nodes_in_the_order_given(world: World) -> None:
    first, second = world.node(), world.node()
    assert [n.instance_id for n in require(world, [second, first])] == [second, first]
    assert all(n.account_id == ACCOUNT for n in require(world, [first]))


def test_require_names_every_unknown_foreign_or_deregistered_node_as_aws_does(world: World) -> None:
    good, gone, foreign = world.node(), world.node(), world.node(OTHER_ACCOUNT)
    world.nodes.deregister(ACCOUNT, gone)
    with pytest.raises(ApiError) as error:
        require(world, [good, gone, foreign, "mi-00000000000000000"])
    assert error.value.code == "InvalidInstanceId"
    assert error.value.message == (
        f"Instances [[{gone}, {foreign}, mi-00000000000000000]] not in a valid state for account {ACCOUNT}"
    )


def test_require_refuses_an_id_listed_twice(world: World) -> None:
    node = world.node()
    with pytest.raises(ApiError) as error:
        require(world, [node, node])
    assert error.value.code == "DuplicateInstanceId"


def test_targets_by_instance_ids_key_any_case_and_star(world: World) -> None:
    a, b, c = sorted([world.node(), world.node(), world.node()])
    world.node(OTHER_ACCOUNT)
    assert resolve(world, [{"Key": "instanceids", "Values": [c, a, "mi-00000000000000000"]}]) == [a, c]
    assert resolve(world, [{"Key": "InstanceIds", "Values": ["*"]}]) == [a, b, c]


def test_targets_by_tag_value_tag_key_and_their_conjunction(world: World) -> None:
    web1 = world.node(tags={"Role": "web", "Env": "prod"})
    web2 = world.node(tags={"Role": "web", "Env": "test"})
    db = world.node(tags={"Role": "db", "Owner": "ops"})
    world.node()
    world.node(OTHER_ACCOUNT, tags={"Role": "web"})
    assert resolve(world, [{"Key": "tag:Role", "Values": ["web"]}]) == sorted([web1, web2])
    assert resolve(world, [{"Key": "tag:Role", "Values": ["web", "db"]}]) == sorted([web1, web2, db])
    assert resolve(world, [{"Key": "tag-key", "Values": ["Env", "Owner"]}]) == sorted([web1, web2, db])
    both = [{"Key": "tag:Role", "Values": ["web"]}, {"Key": "tag:Env", "Values": ["prod"]}]
    assert resolve(world, both) == [web1]
    with_ids = [{"Key": "tag:Role", "Values": ["web"]}, {"Key": "InstanceIds", "Values": [web2, db]}]
    assert resolve(world, with_ids) == [web2]
    assert resolve(world, [{"Key": "tag:Role", "Values": ["cache"]}]) == []


@pytest.mark.parametrize(
    "key",
    ["resource-groups:Name", "resource-groups:ResourceTypeFilters", "Platform", "tag:", "ParameterValues"],
)
def test_unsupported_target_keys_are_invalid_target(world: World, key: str) -> None:
    with pytest.raises(ApiError) as error:
        resolve(world, [{"Key": key, "Values": ["x"]}])
    assert error.value.code == "InvalidTarget"
    if key.startswith("resource-groups:"):
        assert "resource groups" in error.value.message


def test_online_ids_picks_the_nodes_with_recent_heartbeats(world: World) -> None:
    quiet, pinging = world.node(), world.node()
    world.nodes.report(pinging, InstanceReport())
    with world.db.begin() as conn:
        assert world.nodes.online_ids(conn, ACCOUNT, [quiet, pinging], world.clock.now()) == {pinging}


def test_registration_names_the_node_and_copies_the_activation_tags(world: World) -> None:
    created = world.activation(name="web-server", tags={"Role": "web", "Env": "prod"})
    node = world.register(created)
    with world.db.begin() as conn:
        found = world.nodes.get(conn, ACCOUNT, node)
        tags = world.tags.tags_of(conn, ACCOUNT, "ManagedInstance", [node])[node]
    assert found is not None and found.name == "web-server"
    assert tags == [{"Key": "Env", "Value": "prod"}, {"Key": "Role", "Value": "web"}]
    assert node.startswith("mi-") and len(node) == 20


def test_deregistration_revokes_credentials_withdraws_messages_and_tells_listeners(world: World) -> None:
    node = world.node(tags={"Role": "web"})
    now = world.clock.now()
    with world.db.begin() as conn:
        issued = issue(conn, node, ACCOUNT, now, timedelta(hours=1))
        world.queue.enqueue(
            conn, message_id=f"aws.ssm.c1.{node}", instance_id=node, topic="aws.ssm.sendCommand",
            payload={}, created=now, expires_at=now + timedelta(hours=1),
        )  # fmt: skip
    heard: list[tuple[str, datetime]] = []

    def listener(conn: Connection, instance_id: str, when: datetime) -> None:
        heard.append((instance_id, when))

    world.nodes.add_deregistration_listener(listener)
    assert world.nodes.lookup_credential(issued.access_key_id, issued.session_token) is not None
    world.nodes.deregister(ACCOUNT, node)

    assert heard == [(node, now)]
    assert world.nodes.lookup_credential(issued.access_key_id, issued.session_token) is None
    assert world.nodes.identity(node) is None
    with world.db.begin() as conn:
        assert world.queue.claim_deliverable(conn, node, now, 10) == []
        assert world.nodes.get(conn, ACCOUNT, node) is None
        assert world.tags.resources_matching(conn, ACCOUNT, "ManagedInstance", "Role", None) == set()
    with pytest.raises(ApiError) as error:
        world.nodes.deregister(ACCOUNT, node)
    assert error.value.code == "InvalidInstanceId"


def test_credentials_expire_and_need_the_right_session_token(world: World) -> None:
    node = world.node()
    with world.db.begin() as conn:
        issued = issue(conn, node, ACCOUNT, world.clock.now(), timedelta(hours=1))
    assert world.nodes.lookup_credential(issued.access_key_id, issued.session_token + "x") is None
    found = world.nodes.lookup_credential(issued.access_key_id, issued.session_token)
    assert found is not None and (found.instance_id, found.account_id) == (node, ACCOUNT)
    world.clock.advance(3600)
    assert world.nodes.lookup_credential(issued.access_key_id, issued.session_token) is None


def test_describe_filters_by_ping_status_and_pages_by_instance_id(world: World) -> None:
    nodes = sorted(world.node() for _ in range(7))
    for node in nodes[:3]:
        world.nodes.report(node, InstanceReport(platform_type="Linux"))
    online = world.nodes.describe(ACCOUNT, parse_filters(None, [("PingStatus", ["Online"])]), None, None)
    assert [i.instance.instance_id for i in online.items] == nodes[:3]
    lost = world.nodes.describe(
        ACCOUNT, parse_filters([("PingStatus", ["ConnectionLost"])], None), None, None
    )
    assert [i.instance.instance_id for i in lost.items] == nodes[3:]

    seen: list[str] = []
    token = None
    while True:
        page = world.nodes.describe(ACCOUNT, [], 5, token)
        seen += [i.instance.instance_id for i in page.items]
        if page.next_token is None:
            break
        token = page.next_token
    assert seen == nodes


def test_reported_fields_are_kept_until_reported_again(world: World) -> None:
    node = world.node()
    world.nodes.report(
        node, InstanceReport(ip_address="10.0.0.5", computer_name="web-1", platform_name="Ubuntu")
    )
    world.nodes.report(node, InstanceReport(agent_version="3.3.1142.0"))
    [item] = world.nodes.describe(ACCOUNT, [], None, None).items
    assert (item.instance.ip_address, item.instance.computer_name, item.instance.agent_version) == (
        "10.0.0.5",
        "web-1",
        "3.3.1142.0",
    )
