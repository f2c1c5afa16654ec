"""SQL for managed nodes (schema in store/schema/nodes.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, false, insert, or_, select, true, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from openssm.domain.nodes.filters import FilterKind, InstanceFilter
from openssm.domain.nodes.models import RESOURCE_TYPE, SOURCE_TYPE, ManagedInstance, NodeIdentity
from openssm.store.schema.nodes import managed_instances as mi

_REPORTED: dict[str, int] = {
    name: mi.c[name].type.length  # type: ignore[attr-defined]
    for name in (
        "agent_name",
        "agent_version",
        "agent_status",
        "platform_type",
        "platform_name",
        "platform_version",
        "ip_address",
        "computer_name",
    )
}
"""The reported columns and their lengths (longer reports are cut, never refused)."""


def to_instance(row: RowMapping) -> ManagedInstance:
    return ManagedInstance(
        instance_id=row["instance_id"],
        account_id=row["account_id"],
        activation_id=row["activation_id"],
        iam_role=row["iam_role"],
        name=row["name"],
        registration_date=row["registration_date"],
        last_ping=row["last_ping"],
        agent_name=row["agent_name"],
        agent_version=row["agent_version"],
        agent_status=row["agent_status"],
        platform_type=row["platform_type"],
        platform_name=row["platform_name"],
        platform_version=row["platform_version"],
        ip_address=row["ip_address"],
        computer_name=row["computer_name"],
    )


def insert_instance(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(mi), row)


def _live(account_id: str) -> ColumnElement[bool]:
    return and_(mi.c.account_id == account_id, mi.c.deregistered == false())


def get(conn: Connection, account_id: str, instance_id: str) -> ManagedInstance | None:
    row = (
        conn.execute(select(mi).where(and_(_live(account_id), mi.c.instance_id == instance_id)))
        .mappings()
        .first()
    )
    return to_instance(row) if row is not None else None


# Built once (with an expanding IN list): SendCommand reads its nodes with it on every call.
_LIVE_MANY = (
    select(mi)
    .where(
        and_(
            mi.c.account_id == bindparam("account_id"),
            mi.c.deregistered == false(),
            mi.c.instance_id.in_(bindparam("instance_ids", expanding=True)),
        )
    )
    .order_by(mi.c.instance_id)
)


def get_many(conn: Connection, account_id: str, instance_ids: Collection[str]) -> list[ManagedInstance]:
    if not instance_ids:
        return []
    params = {"account_id": account_id, "instance_ids": list(instance_ids)}
    return [to_instance(row) for row in conn.execute(_LIVE_MANY, params).mappings()]


def identity(conn: Connection, instance_id: str) -> NodeIdentity | None:
    """The registered (not deregistered) node's key and fingerprint, in any account."""
    query = select(mi.c.instance_id, mi.c.account_id, mi.c.fingerprint, mi.c.public_key).where(
        and_(mi.c.instance_id == instance_id, mi.c.deregistered == false())
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return NodeIdentity(row["instance_id"], row["account_id"], row["fingerprint"], row["public_key"])


def set_public_key(conn: Connection, instance_id: str, public_key: str, key_type: str) -> None:
    conn.execute(
        update(mi)
        .where(mi.c.instance_id == instance_id)
        .values(public_key=public_key, public_key_type=key_type)
    )


def record_report(conn: Connection, instance_id: str, now: datetime, report: dict[str, str | None]) -> bool:
    """Store a heartbeat and the fields the agent reported (unreported fields keep their value)."""
    values: dict[str, Any] = {
        key: value[: _REPORTED[key]]
        for key, value in report.items()
        if key in _REPORTED and value is not None
    }
    values["last_ping"] = now
    result = conn.execute(
        update(mi).where(and_(mi.c.instance_id == instance_id, mi.c.deregistered == false())).values(values)
    )
    return result.rowcount == 1


def mark_deregistered(conn: Connection, account_id: str, instance_id: str, now: datetime) -> bool:
    result = conn.execute(
        update(mi)
        .where(and_(_live(account_id), mi.c.instance_id == instance_id))
        .values(deregistered=True, deregistered_date=now)
    )
    return result.rowcount == 1


def _online(now: datetime, timeout: timedelta) -> ColumnElement[bool]:
    return and_(mi.c.last_ping.is_not(None), mi.c.last_ping >= now - timeout)


def _condition(item: InstanceFilter, now: datetime, timeout: timedelta) -> ColumnElement[bool]:
    values = list(item.values)
    kind = item.kind
    if kind in (FilterKind.INSTANCE_IDS, FilterKind.SOURCE_IDS):
        return mi.c.instance_id.in_(values)
    if kind == FilterKind.AGENT_VERSION:
        return mi.c.agent_version.in_(values)
    if kind == FilterKind.PLATFORM_TYPE:
        return mi.c.platform_type.in_(values)
    if kind == FilterKind.ACTIVATION_IDS:
        return mi.c.activation_id.in_(values)
    if kind == FilterKind.IAM_ROLE:
        return mi.c.iam_role.in_(values)
    if kind == FilterKind.PING_STATUS:
        online = _online(now, timeout)
        wanted = []
        if "Online" in values:
            wanted.append(online)
        if "ConnectionLost" in values:
            wanted.append(~online)
        return or_(*wanted) if wanted else false()
    if kind == FilterKind.RESOURCE_TYPE:
        return true() if RESOURCE_TYPE in values else false()
    if kind == FilterKind.SOURCE_TYPES:
        return true() if SOURCE_TYPE in values else false()
    if kind == FilterKind.ASSOCIATION_STATUS:
        return false()  # no node has an association status until associations exist
    raise ValueError(f"filter {kind} is not a column filter")


def page(
    conn: Connection,
    account_id: str,
    filters: Sequence[InstanceFilter],
    only_ids: Collection[str] | None,
    after: str | None,
    limit: int,
    now: datetime,
    ping_timeout: timedelta,
) -> list[ManagedInstance]:
    """Live nodes matching every column filter (and in `only_ids` when given), by instance id."""
    conditions = [_live(account_id)]
    conditions += [_condition(f, now, ping_timeout) for f in filters]
    if only_ids is not None:
        conditions.append(mi.c.instance_id.in_(list(only_ids)))
    if after is not None:
        conditions.append(mi.c.instance_id > after)
    query = select(mi).where(and_(*conditions)).order_by(mi.c.instance_id).limit(limit)
    return [to_instance(row) for row in conn.execute(query).mappings()]


def all_live(conn: Connection, account_id: str) -> list[ManagedInstance]:
    query = select(mi).where(_live(account_id)).order_by(mi.c.instance_id)
    return [to_instance(row) for row in conn.execute(query).mappings()]


_ONLINE_AMONG = select(mi.c.instance_id).where(
    and_(
        mi.c.account_id == bindparam("account_id"),
        mi.c.deregistered == false(),
        mi.c.instance_id.in_(bindparam("instance_ids", expanding=True)),
        mi.c.last_ping.is_not(None),
        mi.c.last_ping >= bindparam("pinged_since"),
    )
)


def online_ids(
    conn: Connection, account_id: str, instance_ids: Collection[str], now: datetime, timeout: timedelta
) -> set[str]:
    if not instance_ids:
        return set()
    params = {"account_id": account_id, "instance_ids": list(instance_ids), "pinged_since": now - timeout}
    return set(conn.execute(_ONLINE_AMONG, params).scalars())
