"""SQL for activations (schema in store/schema/nodes.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from openssm.domain.activations.models import Activation, ActivationFilter, ActivationFilterKey, Tag
from openssm.store.schema.nodes import activations

_FILTER_COLUMNS = {
    ActivationFilterKey.ACTIVATION_IDS: activations.c.activation_id,
    ActivationFilterKey.DEFAULT_INSTANCE_NAME: activations.c.default_instance_name,
    ActivationFilterKey.IAM_ROLE: activations.c.iam_role,
}


def to_activation(row: RowMapping) -> Activation:
    return Activation(
        activation_id=row["activation_id"],
        account_id=row["account_id"],
        description=row["description"],
        default_instance_name=row["default_instance_name"],
        iam_role=row["iam_role"],
        registration_limit=row["registration_limit"],
        registrations_count=row["registrations_count"],
        expiration_date=row["expiration_date"],
        created_date=row["created_date"],
        tags=tuple(Tag(t["Key"], t["Value"]) for t in row["tags"]),
    )


def insert_activation(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(activations).values(row))


def get(conn: Connection, activation_id: str) -> RowMapping | None:
    """The activation row (with its code hash), in any account."""
    query = select(activations).where(activations.c.activation_id == activation_id)
    return conn.execute(query).mappings().first()


def page(
    conn: Connection,
    account_id: str,
    filters: Sequence[ActivationFilter],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Activation]:
    """Activations in creation order, after the keyset position `after`."""
    conditions: list[ColumnElement[bool]] = [activations.c.account_id == account_id]
    for item in filters:
        conditions.append(_FILTER_COLUMNS[item.key].in_(item.values))
    if after is not None:
        created, activation_id = after
        conditions.append(
            or_(
                activations.c.created_date > created,
                and_(activations.c.created_date == created, activations.c.activation_id > activation_id),
            )
        )
    query = (
        select(activations)
        .where(and_(*conditions))
        .order_by(activations.c.created_date, activations.c.activation_id)
        .limit(limit)
    )
    return [to_activation(row) for row in conn.execute(query).mappings()]


def take_registration(conn: Connection, activation_id: str) -> bool:
    """Count one more registration if the activation still has room (one conditional UPDATE, so
    concurrent registrations on any number of replicas never exceed the limit)."""
    result = conn.execute(
        update(activations)
        .where(
            and_(
                activations.c.activation_id == activation_id,
                activations.c.registrations_count < activations.c.registration_limit,
            )
        )
        .values(registrations_count=activations.c.registrations_count + 1)
    )
    return result.rowcount == 1


def delete_activation(conn: Connection, account_id: str, activation_id: str) -> bool:
    result = conn.execute(
        delete(activations).where(
            and_(activations.c.activation_id == activation_id, activations.c.account_id == account_id)
        )
    )
    return result.rowcount == 1
