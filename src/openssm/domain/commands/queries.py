"""Run Command reads: ListCommands, ListCommandInvocations, GetCommandInvocation.

Lists are newest first with keyset paging (opaque signed NextToken). Status filters match a
Status or a StatusDetails value (`TimedOut` matches both timeouts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, or_, select, tuple_
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from openssm.core.errors import ApiError
from openssm.domain.commands import repository as repo
from openssm.store.schema.commands import command_invocations, commands

TERMINAL_COMMAND_STATUSES = ("Success", "Failed", "TimedOut", "Cancelled")


@dataclass(frozen=True, slots=True)
class CommandFilter:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class ListQuery:
    account_id: str
    command_id: str | None
    instance_id: str | None
    filters: list[CommandFilter]
    limit: int
    after: list[Any] | None  # keyset position from the NextToken


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[RowMapping]
    position: list[Any] | None  # keyset position of the next page, None at the end


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError("InvalidFilterKey", f"The filter value {value!r} is not an ISO-8601 date.") from None
    if parsed.tzinfo is None:
        raise ApiError("InvalidFilterKey", f"The filter value {value!r} must include a time zone (e.g. Z).")
    return parsed


def _condition(table: Any, f: CommandFilter, *, command_level: bool) -> ColumnElement[bool]:
    if f.key == "InvokedAfter":
        return table.c.requested_date >= _parse_time(f.value)  # type: ignore[no-any-return]
    if f.key == "InvokedBefore":
        return table.c.requested_date <= _parse_time(f.value)  # type: ignore[no-any-return]
    if f.key == "Status":
        return repo.status_filter(table.c.status, table.c.status_details, f.value)
    if f.key == "DocumentName":
        column = commands.c.document_name
        if command_level:
            return column == f.value
        return exists().where(
            and_(commands.c.command_id == command_invocations.c.command_id, column == f.value)
        )
    if f.key == "ExecutionStage" and command_level:
        if f.value == "Executing":
            return commands.c.status.not_in(TERMINAL_COMMAND_STATUSES)
        if f.value == "Complete":
            return commands.c.status.in_(TERMINAL_COMMAND_STATUSES)
        raise ApiError("InvalidFilterKey", "ExecutionStage takes Executing or Complete.")
    raise ApiError("InvalidFilterKey", f"The filter key {f.key} is not valid here.")


def _page(rows: list[RowMapping], limit: int, position: Any) -> Page:
    if len(rows) > limit:
        return Page(rows[:limit], position(rows[limit - 1]))
    return Page(rows, None)


def list_commands(conn: Connection, query: ListQuery) -> Page:
    conditions: list[ColumnElement[bool]] = [commands.c.account_id == query.account_id]
    if query.command_id:
        conditions.append(commands.c.command_id == query.command_id)
    if query.instance_id:
        conditions.append(
            exists().where(
                and_(
                    command_invocations.c.command_id == commands.c.command_id,
                    command_invocations.c.instance_id == query.instance_id,
                )
            )
        )
    conditions += [_condition(commands, f, command_level=True) for f in query.filters]
    if query.after:
        after = query.after
        when = datetime.fromisoformat(after[0])
        conditions.append(
            or_(
                commands.c.requested_date < when,
                and_(commands.c.requested_date == when, commands.c.command_id > after[1]),
            )
        )
    statement = (
        select(commands)
        .where(and_(*conditions))
        .order_by(commands.c.requested_date.desc(), commands.c.command_id)
        .limit(query.limit + 1)
    )
    rows = list(conn.execute(statement).mappings())
    return _page(rows, query.limit, lambda last: [last["requested_date"].isoformat(), last["command_id"]])


def list_invocations(conn: Connection, query: ListQuery) -> Page:
    table = command_invocations
    conditions: list[ColumnElement[bool]] = [table.c.account_id == query.account_id]
    if query.command_id:
        conditions.append(table.c.command_id == query.command_id)
    if query.instance_id:
        conditions.append(table.c.instance_id == query.instance_id)
    conditions += [_condition(table, f, command_level=False) for f in query.filters]
    if query.after:
        after = query.after
        when = datetime.fromisoformat(after[0])
        conditions.append(
            or_(
                table.c.requested_date < when,
                and_(
                    table.c.requested_date == when,
                    tuple_(table.c.command_id, table.c.seq) > tuple_(after[1], after[2]),
                ),
            )
        )
    statement = (
        select(table)
        .where(and_(*conditions))
        .order_by(table.c.requested_date.desc(), table.c.command_id, table.c.seq)
        .limit(query.limit + 1)
    )
    rows = list(conn.execute(statement).mappings())
    return _page(
        rows, query.limit, lambda last: [last["requested_date"].isoformat(), last["command_id"], last["seq"]]
    )


def commands_by_id(conn: Connection, command_ids: set[str]) -> dict[str, RowMapping]:
    if not command_ids:
        return {}
    query = select(commands).where(commands.c.command_id.in_(list(command_ids)))
    return {row["command_id"]: row for row in conn.execute(query).mappings()}
