"""SQL for Run Command: commands, invocations and plugin results (schema in store/schema/commands.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from openssm.domain.commands.models import PluginResult
from openssm.store.claims import ClaimColumns
from openssm.store.schema.commands import command_invocations, command_plugins, commands

CLAIM_COLUMNS = ClaimColumns(
    table=commands,
    key=commands.c.command_id,
    due=commands.c.next_check_at,
    claimed_until=commands.c.claimed_until,
    token=commands.c.claim_token,
)


def insert_command(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(commands).values(row))


def insert_invocations(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(command_invocations), list(rows))


def get_command(
    conn: Connection, account_id: str, command_id: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(commands).where(
        and_(commands.c.command_id == command_id, commands.c.account_id == account_id)
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def get_command_by_id(conn: Connection, command_id: str, *, lock: bool = False) -> RowMapping | None:
    query = select(commands).where(commands.c.command_id == command_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def update_command(conn: Connection, command_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(commands).where(commands.c.command_id == command_id).values(values))


def invocations_of(conn: Connection, command_id: str) -> list[RowMapping]:
    query = (
        select(command_invocations)
        .where(command_invocations.c.command_id == command_id)
        .order_by(command_invocations.c.seq)
    )
    return list(conn.execute(query).mappings())


def invocation(conn: Connection, command_id: str, instance_id: str) -> RowMapping | None:
    query = select(command_invocations).where(
        and_(
            command_invocations.c.command_id == command_id,
            command_invocations.c.instance_id == instance_id,
        )
    )
    return conn.execute(query).mappings().first()


def update_invocation(conn: Connection, command_id: str, instance_id: str, values: dict[str, Any]) -> None:
    conn.execute(
        update(command_invocations)
        .where(
            and_(
                command_invocations.c.command_id == command_id,
                command_invocations.c.instance_id == instance_id,
            )
        )
        .values(values)
    )


def update_invocations(
    conn: Connection, command_id: str, instance_ids: Iterable[str], values: dict[str, Any]
) -> None:
    ids = list(instance_ids)
    for start in range(0, len(ids), 500):
        conn.execute(
            update(command_invocations)
            .where(
                and_(
                    command_invocations.c.command_id == command_id,
                    command_invocations.c.instance_id.in_(ids[start : start + 500]),
                )
            )
            .values(values)
        )


def plugins_of(conn: Connection, command_id: str, instance_ids: Sequence[str]) -> list[RowMapping]:
    if not instance_ids:
        return []
    query = (
        select(command_plugins)
        .where(
            and_(
                command_plugins.c.command_id == command_id,
                command_plugins.c.instance_id.in_(list(instance_ids)),
            )
        )
        .order_by(command_plugins.c.instance_id, command_plugins.c.seq)
    )
    return list(conn.execute(query).mappings())


def plugins_by_invocation(
    conn: Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[RowMapping]]:
    """Plugin rows for several (command id, instance id) pairs, in step order."""
    result: dict[tuple[str, str], list[RowMapping]] = {key: [] for key in keys}
    by_command: dict[str, list[str]] = {}
    for command_id, instance_id in keys:
        by_command.setdefault(command_id, []).append(instance_id)
    for command_id, instance_ids in by_command.items():
        for row in plugins_of(conn, command_id, instance_ids):
            result[(row["command_id"], row["instance_id"])].append(row)
    return result


def upsert_plugin(
    conn: Connection, command_id: str, instance_id: str, seq: int, plugin: PluginResult
) -> None:
    values = {
        "status": plugin.status,
        "status_details": plugin.status_details,
        "response_code": plugin.response_code,
        "response_start": plugin.response_start,
        "response_finish": plugin.response_finish,
        "output": plugin.output,
        "standard_output": plugin.standard_output,
        "standard_error": plugin.standard_error,
        "output_s3_bucket_name": plugin.output_s3_bucket_name,
        "output_s3_key_prefix": plugin.output_s3_key_prefix,
    }
    key = and_(
        command_plugins.c.command_id == command_id,
        command_plugins.c.instance_id == instance_id,
        command_plugins.c.name == plugin.name,
    )
    if conn.execute(update(command_plugins).where(key).values(values)).rowcount == 0:
        conn.execute(
            insert(command_plugins).values(
                command_id=command_id, instance_id=instance_id, name=plugin.name, seq=seq, **values
            )
        )


def status_filter(column_status: Any, column_details: Any, value: str) -> ColumnElement[bool]:
    return or_(column_status == value, column_details == value)


def count_invocations(conn: Connection, command_id: str) -> int:
    query = select(func.count()).where(command_invocations.c.command_id == command_id)
    return int(conn.execute(query).scalar_one())


def latest_plugin_seq(conn: Connection, command_id: str, instance_id: str) -> int:
    query = select(func.coalesce(func.max(command_plugins.c.seq), -1)).where(
        and_(command_plugins.c.command_id == command_id, command_plugins.c.instance_id == instance_id)
    )
    return int(conn.execute(query).scalar_one())


def due_time(conn: Connection, command_id: str) -> datetime | None:
    return conn.execute(select(commands.c.next_check_at).where(commands.c.command_id == command_id)).scalar()


@dataclass(frozen=True, slots=True)
class GateView:
    """What the worker needs to know before asking the alarm gate about a command."""

    account_id: str
    alarm_configuration: dict[str, Any] | None
    needs_gate: bool
    has_waiting: bool


def gate_view(conn: Connection, command_id: str) -> GateView | None:
    row = conn.execute(
        select(commands.c.account_id, commands.c.alarm_configuration, commands.c.stop_reason).where(
            commands.c.command_id == command_id
        )
    ).first()
    if row is None:
        return None
    waiting = conn.execute(
        select(func.count()).where(
            and_(
                command_invocations.c.command_id == command_id,
                command_invocations.c.dispatched_date.is_(None),
                command_invocations.c.status_details == "Pending",
            )
        )
    ).scalar_one()
    needs = bool(row.alarm_configuration) and row.stop_reason is None
    return GateView(row.account_id, row.alarm_configuration, needs, bool(waiting))


def gated_in_flight(conn: Connection) -> list[tuple[str, str, dict[str, Any]]]:
    """Unfinished, unstopped commands that carry an alarm configuration."""
    rows = conn.execute(
        select(commands.c.command_id, commands.c.account_id, commands.c.alarm_configuration).where(
            and_(
                commands.c.next_check_at.is_not(None),
                commands.c.stop_reason.is_(None),
                commands.c.alarm_configuration.is_not(None),
            )
        )
    ).all()
    return [(r.command_id, r.account_id, r.alarm_configuration) for r in rows if r.alarm_configuration]


def mark_alarm_stop(
    conn: Connection, command_id: str, triggered: list[dict[str, str]], now: datetime
) -> None:
    """Record that an alarm stopped the command; its next pass cancels what was not sent."""
    conn.execute(
        update(commands)
        .where(and_(commands.c.command_id == command_id, commands.c.stop_reason.is_(None)))
        .values(stop_reason="alarm", triggered_alarms=triggered, next_check_at=now)
    )
