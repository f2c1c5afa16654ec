"""Run Command on the wire: SendCommand, ListCommands, ListCommandInvocations,
GetCommandInvocation, CancelCommand."""

from __future__ import annotations

from typing import Any

from openssm.core.context import RequestContext
from openssm.core.errors import ApiError
from openssm.core.paging import PageTokens, query_scope
from openssm.domain.commands import queries, wire
from openssm.domain.commands import repository as repo
from openssm.domain.commands.models import SendCommandRequest
from openssm.domain.commands.service import CommandService
from openssm.protocol.registry import operation
from openssm.store.engine import Database

DEFAULT_PAGE = 50


def send_command_request(params: dict[str, Any]) -> SendCommandRequest:
    return SendCommandRequest(
        document_name=params["DocumentName"],
        document_version=params.get("DocumentVersion"),
        document_hash=params.get("DocumentHash"),
        document_hash_type=params.get("DocumentHashType"),
        instance_ids=params.get("InstanceIds"),
        targets=params.get("Targets"),
        parameters=params.get("Parameters") or {},
        timeout_seconds=params.get("TimeoutSeconds", 3600),
        comment=params.get("Comment", ""),
        output_s3_region=params.get("OutputS3Region", ""),
        output_s3_bucket_name=params.get("OutputS3BucketName", ""),
        output_s3_key_prefix=params.get("OutputS3KeyPrefix", ""),
        max_concurrency=params.get("MaxConcurrency", "50"),
        max_errors=params.get("MaxErrors", "0"),
        service_role_arn=params.get("ServiceRoleArn", ""),
        notification_config=params.get("NotificationConfig") or {},
        cloudwatch_output_config=params.get("CloudWatchOutputConfig") or {},
        alarm_configuration=params.get("AlarmConfiguration"),
    )


class CommandHandlers:
    def __init__(self, service: CommandService, db: Database, tokens: PageTokens, region: str) -> None:
        self._service = service
        self._db = db
        self._tokens = tokens
        self._region = region

    @operation("SendCommand")
    def send_command(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row = self._service.send(ctx.account_id, send_command_request(params))
        return {"Command": wire.command(row)}

    @operation("CancelCommand")
    def cancel_command(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._service.cancel(ctx.account_id, params["CommandId"], params.get("InstanceIds"))
        return {}

    def _list_query(
        self, ctx: RequestContext, params: dict[str, Any], operation_name: str
    ) -> tuple[queries.ListQuery, str]:
        """The query a List call asks for, and the scope its NextToken is bound to."""
        filters = [queries.CommandFilter(f["key"], f["value"]) for f in params.get("Filters") or []]
        scope = query_scope(
            operation_name,
            params.get("CommandId"),
            params.get("InstanceId"),
            [(f.key, f.value) for f in filters],
        )
        after = self._tokens.decode(scope, params["NextToken"]) if params.get("NextToken") else None
        query = queries.ListQuery(
            account_id=ctx.account_id,
            command_id=params.get("CommandId"),
            instance_id=params.get("InstanceId"),
            filters=filters,
            limit=params.get("MaxResults", DEFAULT_PAGE),
            after=after,
        )
        return query, scope

    @staticmethod
    def _require_command(conn: Any, query: queries.ListQuery) -> None:
        if query.command_id and repo.get_command(conn, query.account_id, query.command_id) is None:
            raise ApiError("InvalidCommandId", f"Command {query.command_id} does not exist.")

    def _with_token(self, result: dict[str, Any], scope: str, page: queries.Page) -> dict[str, Any]:
        if page.position is not None:
            result["NextToken"] = self._tokens.encode(scope, page.position)
        return result

    @operation("ListCommands")
    def list_commands(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        query, scope = self._list_query(ctx, params, "ListCommands")
        with self._db.begin() as conn:
            self._require_command(conn, query)
            page = queries.list_commands(conn, query)
        return self._with_token({"Commands": [wire.command(row) for row in page.rows]}, scope, page)

    @operation("ListCommandInvocations")
    def list_command_invocations(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        query, scope = self._list_query(ctx, params, "ListCommandInvocations")
        details = bool(params.get("Details"))
        with self._db.begin() as conn:
            self._require_command(conn, query)
            page = queries.list_invocations(conn, query)
            commands = queries.commands_by_id(conn, {row["command_id"] for row in page.rows})
            keys = [(row["command_id"], row["instance_id"]) for row in page.rows]
            plugins = repo.plugins_by_invocation(conn, keys) if details else {}
        items = [
            wire.invocation(
                row,
                commands[row["command_id"]],
                plugins.get((row["command_id"], row["instance_id"])) if details else None,
                self._region,
            )
            for row in page.rows
        ]
        return self._with_token({"CommandInvocations": items}, scope, page)

    @operation("GetCommandInvocation")
    def get_command_invocation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row, cmd, plugin_name, plugin = self._invocation_step(ctx, params)
        return wire.command_invocation_result(row, cmd, plugin_name, plugin)

    @operation("GetCommandInvocationOutput", service="openssm")
    def get_command_invocation_output(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        row, _, plugin_name, plugin = self._invocation_step(ctx, params)
        return {
            "CommandId": row["command_id"],
            "InstanceId": row["instance_id"],
            "PluginName": plugin_name,
            "StandardOutputContent": plugin["standard_output"] if plugin else "",
            "StandardErrorContent": plugin["standard_error"] if plugin else "",
        }

    def _invocation_step(self, ctx: RequestContext, params: dict[str, Any]) -> tuple[Any, Any, str, Any]:
        """The invocation, its command, and the step PluginName names (or the only step)."""
        command_id, instance_id = params["CommandId"], params["InstanceId"]
        with self._db.begin() as conn:
            cmd = repo.get_command(conn, ctx.account_id, command_id)
            if cmd is None:
                raise ApiError("InvalidCommandId", f"Command {command_id} does not exist.")
            row = repo.invocation(conn, command_id, instance_id)
            if row is None:
                raise ApiError(
                    "InvocationDoesNotExist",
                    f"An invocation of command {command_id} on {instance_id} does not exist.",
                )
            stored = {p["name"]: p for p in repo.plugins_of(conn, command_id, [instance_id])}
        names = wire.plugin_names(cmd["document_content"]) or list(stored)
        plugin_name = params.get("PluginName")
        if plugin_name is None:
            if len(names) != 1:
                raise ApiError(
                    "InvalidPluginName",
                    "The document has several steps: specify PluginName (one of " + ", ".join(names) + ").",
                )
            plugin_name = names[0]
        elif plugin_name not in names and plugin_name not in stored:
            raise ApiError("InvalidPluginName", f"The document has no step named {plugin_name}.")
        return row, cmd, plugin_name, stored.get(plugin_name)
