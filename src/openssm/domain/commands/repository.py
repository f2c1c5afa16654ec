"""SQL for Run Command: commands, invocations and plugin results (schema in store/schema/commands.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Integer, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from openssm.domain.commands.models import PluginResult
from openssm.store.claims import ClaimColumns
from openssm.store.schema.commands import command_invocations, command_plugins, commands
from openssm.store.statements import one_of

CLAIM_COLUMNS = ClaimColumns(
    table=commands,
    key=commands.c.command_id,
    due=commands.c.next_check_at,
    claimed_until=commands.c.claimed_until,
    token=commands.c.claim_token,
)


_NON_TERMINAL = ("Pending", "InProgress", "Delayed", "Cancelling")

# The statements of the node-reply path and of every worker pass, built once with bind parameters
# so SQLAlchemy reuses their cache keys instead of rebuilding them per call (~100-250 µs each).
_INV = command_invocations.c
_COMMAND = select(commands).where(commands.c.command_id == bindparam("command_id"))
_COMMAND_FOR_UPDATE = _COMMAND.with_for_update()
_COMMAND_OF_ACCOUNT = _COMMAND.where(commands.c.account_id == bindparam("account_id"))
_COMMAND_OF_ACCOUNT_FOR_UPDATE = _COMMAND_OF_ACCOUNT.with_for_update()
# A worker pass reads everything but the bulky document and parameters (read only to dispatch).
_BULKY = {"document_content", "parameters", "resolved_parameters", "instance_ids", "notification_config"}
_COMMAND_FOR_PASS = select(*(c for c in commands.c if c.name not in _BULKY)).where(
    commands.c.command_id == bindparam("command_id")
)
_INVOCATION_FOR_REPLY = (
    select(_INV.command_id, _INV.status_details, commands.c.document_schema_version)
    .join(commands, commands.c.command_id == _INV.command_id)
    .where(and_(_INV.command_id == bindparam("command_id"), _INV.instance_id == bindparam("instance_id")))
)
_INVOCATIONS_OF = (
    select(command_invocations).where(_INV.command_id == bindparam("command_id")).order_by(_INV.seq)
)
_INVOCATION = select(command_invocations).where(
    and_(_INV.command_id == bindparam("command_id"), _INV.instance_id == bindparam("instance_id"))
)


def insert_command(conn: Connection, row: dict[str, Any]) -> None:
    # A plain insert with a parameter dict is compiled once per key set (`.values(row)` is not).
    conn.execute(insert(commands), row)


def insert_invocations(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(command_invocations), list(rows))


def get_command(
    conn: Connection, account_id: str, command_id: str, *, lock: bool = False
) -> RowMapping | None:
    locking = lock and conn.dialect.name == "postgresql"
    query = _COMMAND_OF_ACCOUNT_FOR_UPDATE if locking else _COMMAND_OF_ACCOUNT
    params = {"command_id": command_id, "account_id": account_id}
    return conn.execute(query, params).mappings().first()


def get_command_by_id(conn: Connection, command_id: str, *, lock: bool = False) -> RowMapping | None:
    query = _COMMAND_FOR_UPDATE if lock and conn.dialect.name == "postgresql" else _COMMAND
    return conn.execute(query, {"command_id": command_id}).mappings().first()


def invocation_for_reply(conn: Connection, command_id: str, instance_id: str) -> RowMapping | None:
    """The little that recording a node's reply needs: the invocation's StatusDetails and its
    document's schema version."""
    params = {"command_id": command_id, "instance_id": instance_id}
    return conn.execute(_INVOCATION_FOR_REPLY, params).mappings().first()


def command_for_pass(conn: Connection, command_id: str) -> RowMapping | None:
    """A command as a worker pass needs it (without the document and parameters)."""
    return conn.execute(_COMMAND_FOR_PASS, {"command_id": command_id}).mappings().first()


# Updates whose SET columns come from the parameter dict (compiled once per set of columns).
_UPDATE_COMMAND = update(commands).where(commands.c.command_id == bindparam("b_command_id"))
_UPDATE_UNFINISHED = update(command_invocations).where(
    and_(
        _INV.command_id == bindparam("b_command_id"),
        _INV.instance_id.in_(bindparam("b_instance_ids", expanding=True)),
        one_of(_INV.status_details, _NON_TERMINAL),
    )
)


def update_command(conn: Connection, command_id: str, values: dict[str, Any]) -> None:
    if values:
        conn.execute(_UPDATE_COMMAND, {**values, "b_command_id": command_id})


def invocations_of(conn: Connection, command_id: str) -> list[RowMapping]:
    return list(conn.execute(_INVOCATIONS_OF, {"command_id": command_id}).mappings())


def invocation(conn: Connection, command_id: str, instance_id: str) -> RowMapping | None:
    params = {"command_id": command_id, "instance_id": instance_id}
    return conn.execute(_INVOCATION, params).mappings().first()


def update_invocation(conn: Connection, command_id: str, instance_id: str, values: dict[str, Any]) -> bool:
    """Change an unfinished invocation; False if it had already ended (a terminal status is never
    overwritten, whoever got there first)."""
    params = {**values, "b_command_id": command_id, "b_instance_ids": [instance_id]}
    return conn.execute(_UPDATE_UNFINISHED, params).rowcount == 1


def update_invocations(
    conn: Connection, command_id: str, instance_ids: Iterable[str], values: dict[str, Any]
) -> None:
    """Change the unfinished invocations among `instance_ids` (terminal ones stay as they are)."""
    ids = list(instance_ids)
    for start in range(0, len(ids), 500):
        params = {**values, "b_command_id": command_id, "b_instance_ids": ids[start : start + 500]}
        conn.execute(_UPDATE_UNFINISHED, params)


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


_PLUGIN_COLUMNS = (
    "status",
    "status_details",
    "response_code",
    "response_start",
    "response_finish",
    "output",
    "standard_output",
    "standard_error",
    "output_s3_bucket_name",
    "output_s3_key_prefix",
)
_PLUGIN_KEY = and_(
    command_plugins.c.command_id == bindparam("c"),
    command_plugins.c.instance_id == bindparam("i"),
    command_plugins.c.name == bindparam("n"),
)
_UPDATE_PLUGIN = update(command_plugins).where(_PLUGIN_KEY).values({c: bindparam(c) for c in _PLUGIN_COLUMNS})
_INSERT_PLUGIN = insert(command_plugins).values(
    command_id=bindparam("c"),
    instance_id=bindparam("i"),
    name=bindparam("n"),
    seq=bindparam("seq"),
    **{c: bindparam(c) for c in _PLUGIN_COLUMNS},
)


def upsert_plugin(
    conn: Connection, command_id: str, instance_id: str, seq: int, plugin: PluginResult
) -> None:
    """Store a step's result (`seq`: its place in the document, for ordering)."""
    values = {
        "c": command_id,
        "i": instance_id,
        "n": plugin.name,
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
    if conn.execute(_UPDATE_PLUGIN, values).rowcount == 0:
        conn.execute(_INSERT_PLUGIN, {**values, "seq": seq})


_RECORD_REPLY = (
    update(command_invocations)
    .where(
        and_(
            _INV.command_id == bindparam("c"),
            _INV.instance_id == bindparam("i"),
            one_of(_INV.status_details, _NON_TERMINAL),
        )
    )
    .values(
        status=bindparam("status"),
        status_details=bindparam("details"),
        trace_output=bindparam("trace"),
        execution_start=func.coalesce(_INV.execution_start, bindparam("start")),
        execution_end=func.coalesce(bindparam("end"), _INV.execution_end),
        response_code=func.coalesce(bindparam("code"), _INV.response_code),
    )
)


def record_reply(
    conn: Connection,
    command_id: str,
    instance_id: str,
    *,
    status: str,
    details: str,
    trace: str,
    start: datetime,
    end: datetime | None,
    response_code: int | None,
) -> bool:
    """A node's reply on an unfinished invocation (None leaves end / response code as they are);
    False if the invocation had already ended."""
    params = {
        "c": command_id,
        "i": instance_id,
        "status": status,
        "details": details,
        "trace": trace,
        "start": start,
        "end": end,
        "code": response_code,
    }
    return conn.execute(_RECORD_REPLY, params).rowcount == 1


_WAKE = (
    update(commands)
    .where(and_(commands.c.command_id == bindparam("c"), commands.c.next_check_at.is_not(None)))
    .values(next_check_at=bindparam("now"))
)


def mark_due(conn: Connection, command_id: str, now: datetime) -> None:
    """Ask for a worker pass on an unfinished command now."""
    conn.execute(_WAKE, {"c": command_id, "now": now})


def status_filter(column_status: Any, column_details: Any, value: str) -> ColumnElement[bool]:
    return or_(column_status == value, column_details == value)


def count_invocations(conn: Connection, command_id: str) -> int:
    query = select(func.count()).where(command_invocations.c.command_id == command_id)
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
    needs = bool(row.alarm_configuration) and row.stop_reason is None
    waiting = False
    if needs:
        waiting = bool(
            conn.execute(
                select(func.count()).where(
                    and_(
                        command_invocations.c.command_id == command_id,
                        command_invocations.c.dispatched_date.is_(None),
                        command_invocations.c.status_details == "Pending",
                    )
                )
            ).scalar_one()
        )
    return GateView(row.account_id, row.alarm_configuration, needs, waiting)


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


# Aggregates for the rollout: a pass reads counts, never every invocation row.

_WAITING = and_(_INV.dispatched_date.is_(None), _INV.status_details == "Pending")
_DISPATCHED = _INV.dispatched_date.is_not(None)
_WAITING_INSTANCES = (
    select(_INV.instance_id)
    .where(and_(_INV.command_id == bindparam("command_id"), _WAITING))
    .order_by(_INV.seq)
    .limit(bindparam("limit", type_=Integer))
)
_UNACKNOWLEDGED = and_(_DISPATCHED, _INV.status_details == "Pending")


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_TALLY = (
    select(_INV.status_details, func.count())
    .where(_INV.command_id == bindparam("command_id"))
    .group_by(_INV.status_details)
)
_PROGRESS = select(
    _count(_WAITING).label("waiting"),
    _count(and_(_DISPATCHED, one_of(_INV.status_details, _NON_TERMINAL))).label("in_flight"),
    _count(_DISPATCHED).label("dispatched"),
    _count(
        and_(
            _DISPATCHED,
            or_(_INV.status_details != "Pending", _INV.dispatched_date <= bindparam("ramp_cutoff")),
        )
    ).label("acknowledged"),
    _count(one_of(_INV.status_details, ("Pending", "Delayed"))).label("not_started"),
    func.min(case((_UNACKNOWLEDGED, _INV.dispatched_date))).label("oldest_unacknowledged"),
).where(_INV.command_id == bindparam("command_id"))


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a command's rollout stands, counted in the database."""

    waiting: int  # not dispatched yet
    in_flight: int  # dispatched, not terminal
    dispatched: int
    acknowledged: int  # dispatched and acknowledged (or waited for longer than the ramp allows)
    not_started: int  # Pending or Delayed, dispatched or not
    oldest_unacknowledged: datetime | None


def details_tally(conn: Connection, command_id: str) -> dict[str, int]:
    """How many invocations of the command have each StatusDetails."""
    return {details: count for details, count in conn.execute(_TALLY, {"command_id": command_id})}


def progress(conn: Connection, command_id: str, ramp_cutoff: datetime) -> Progress:
    row = conn.execute(_PROGRESS, {"command_id": command_id, "ramp_cutoff": ramp_cutoff}).one()
    oldest = row.oldest_unacknowledged
    if isinstance(oldest, str):  # SQLite returns MIN() of a timestamp column as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Progress(
        int(row.waiting),
        int(row.in_flight),
        int(row.dispatched),
        int(row.acknowledged),
        int(row.not_started),
        oldest,
    )


def waiting_instances(conn: Connection, command_id: str, limit: int) -> list[str]:
    """Instances not dispatched yet, in dispatch order."""
    params = {"command_id": command_id, "limit": limit}
    return list(conn.execute(_WAITING_INSTANCES, params).scalars())


def end_waiting(conn: Connection, command_id: str, status: str, details: str) -> None:
    """End every invocation not dispatched yet (a stop: Cancelled, or Terminated by MaxErrors)."""
    conn.execute(
        update(command_invocations)
        .where(and_(_INV.command_id == command_id, _WAITING))
        .values(status=status, status_details=details)
    )


def late_invocations(conn: Connection, command_id: str, *, started_too: bool) -> list[RowMapping]:
    """Invocations a deadline overtook: not started (or, with `started_too`, not terminal)."""
    details = _NON_TERMINAL if started_too else ("Pending", "Delayed")
    query = select(_INV.instance_id, _INV.dispatched_date).where(
        and_(_INV.command_id == command_id, one_of(_INV.status_details, details))
    )
    return list(conn.execute(query).mappings())
