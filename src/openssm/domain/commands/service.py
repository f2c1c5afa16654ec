"""Run Command requests: SendCommand and CancelCommand write state; workers act on it.

`send` validates the document, its parameters and the targets in one transaction and stores the
command with one Pending invocation per node (Targets are resolved by the run-command worker, as
AWS does, so the response shows TargetCount 0 for them). Nothing here talks to an agent.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.engine import RowMapping

from openssm.core.clock import Clock
from openssm.core.errors import ApiError
from openssm.core.ids import new_command_id
from openssm.core.signals import Notifier
from openssm.domain.commands import repository as repo
from openssm.domain.commands.dispatch import CommandMessages
from openssm.domain.commands.models import CommandStatus, Details, SendCommandRequest, StopReason
from openssm.domain.commands.status import is_terminal
from openssm.domain.documents.parameters import validate_parameters
from openssm.domain.documents.service import DocumentService, ResolvedDocument
from openssm.domain.nodes.service import Node, NodeService
from openssm.store.engine import Database

RUN_COMMAND_TOPIC = "run_command"
MAX_DOCUMENT_BYTES = 64 * 1024
DEFAULT_EXECUTION_TIMEOUT = 3600
COMMAND_SCHEMAS = ("1.2", "2.0", "2.2")


def execution_timeout(document: ResolvedDocument, parameters: dict[str, Any]) -> int:
    """The document's execution timeout: the `executionTimeout` parameter (AWS-RunShellScript and
    friends), else the largest step `timeoutSeconds`, else one hour."""
    value = parameters.get("executionTimeout")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    steps = document.content.get("mainSteps") or []
    timeouts = [
        int(str(step.get("inputs", {}).get("timeoutSeconds")))
        for step in steps
        if isinstance(step, dict) and str(step.get("inputs", {}).get("timeoutSeconds", "")).isdigit()
    ]
    return max(timeouts) if timeouts else DEFAULT_EXECUTION_TIMEOUT


def _check_hash(document: ResolvedDocument, given: str | None, hash_type: str | None) -> None:
    if not given:
        return
    if (hash_type or "Sha256") == "Sha1":
        actual = hashlib.sha1(orjson.dumps(document.content), usedforsecurity=False).hexdigest()
    else:
        actual = document.hash
    if given.lower() != actual.lower():
        raise ApiError("InvalidDocument", "The document hash does not match the document version.")


class CommandService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        notifier: Notifier,
        documents: DocumentService,
        nodes: NodeService,
        messages: CommandMessages,
        region: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._notifier = notifier
        self._documents = documents
        self._nodes = nodes
        self._messages = messages
        self._region = region

    def send(self, account_id: str, request: SendCommandRequest) -> RowMapping:
        with self._db.begin() as conn:
            command_id = self._send(conn, account_id, request)
            row = repo.get_command(conn, account_id, command_id)
        self._notifier.notify(RUN_COMMAND_TOPIC)
        assert row is not None
        return row

    def _send(self, conn: Connection, account_id: str, request: SendCommandRequest) -> str:
        if bool(request.instance_ids) == bool(request.targets):
            raise ApiError(
                "InvalidParameters", "Specify either InstanceIds or Targets (exactly one of them)."
            )
        document = self._documents.resolve(conn, account_id, request.document_name, request.document_version)
        if document.document_type != "Command":
            raise ApiError(
                "InvalidDocument",
                f"Document type {document.document_type} is not supported by SendCommand; "
                "use a Command document.",
            )
        if document.schema_version not in COMMAND_SCHEMAS:
            raise ApiError(
                "InvalidDocument", f"Document schema version {document.schema_version} is not supported."
            )
        _check_hash(document, request.document_hash, request.document_hash_type)
        parameters = validate_parameters(document.parameters, request.parameters)
        size = len(orjson.dumps(document.content)) + len(orjson.dumps(parameters))
        if size > MAX_DOCUMENT_BYTES:
            raise ApiError("MaxDocumentSizeExceeded", "The document and its parameters exceed 64 KB.")
        now = self._clock.now()
        nodes: list[Node] = []
        if request.instance_ids:
            nodes = self._require_nodes(conn, account_id, request.instance_ids, document)
        timeout = execution_timeout(document, parameters)
        command_id = new_command_id()
        repo.insert_command(
            conn,
            {
                "command_id": command_id,
                "account_id": account_id,
                "document_name": document.name,
                "document_version": request.document_version or "$DEFAULT",
                "resolved_document_version": document.version,
                "document_content": document.content,
                "platform_types": list(document.platform_types),
                "document_schema_version": document.schema_version,
                "comment": request.comment,
                "parameters": request.parameters,
                "resolved_parameters": parameters,
                "instance_ids": request.instance_ids or [],
                "targets": request.targets or [],
                "requested_date": now,
                "expires_after": now + timedelta(seconds=request.timeout_seconds + timeout),
                "delivery_deadline": now + timedelta(seconds=request.timeout_seconds),
                "timeout_seconds": request.timeout_seconds,
                "execution_timeout": timeout,
                "status": CommandStatus.PENDING,
                "status_details": Details.PENDING,
                "target_count": len(nodes),
                "max_concurrency": request.max_concurrency,
                "max_errors": request.max_errors,
                "targets_resolved": bool(request.instance_ids),
                "output_s3_region": request.output_s3_region or self._region,
                "output_s3_bucket_name": request.output_s3_bucket_name,
                "output_s3_key_prefix": request.output_s3_key_prefix,
                "service_role": request.service_role_arn,
                "notification_config": request.notification_config,
                "cloudwatch_output_config": request.cloudwatch_output_config,
                "alarm_configuration": request.alarm_configuration,
                "triggered_alarms": [],
                "next_check_at": now,
            },
        )
        repo.insert_invocations(
            conn, [self._invocation_row(command_id, account_id, n, i, now) for i, n in enumerate(nodes)]
        )
        return command_id

    def _require_nodes(
        self, conn: Connection, account_id: str, instance_ids: list[str], document: ResolvedDocument
    ) -> list[Node]:
        seen: set[str] = set()
        for instance_id in instance_ids:
            if instance_id in seen:
                raise ApiError("DuplicateInstanceId", f"Instance Id {instance_id} is duplicated.")
            seen.add(instance_id)
        nodes = self._nodes.require(conn, account_id, instance_ids, self._clock.now())
        unsupported = [
            n.instance_id
            for n in nodes
            if n.platform_type and document.platform_types and n.platform_type not in document.platform_types
        ]
        if unsupported:
            raise ApiError(
                "UnsupportedPlatformType",
                f"The document {document.name} does not support the platform type of "
                f"{', '.join(unsupported)}.",
            )
        return nodes

    @staticmethod
    def _invocation_row(command_id: str, account_id: str, node: Node, seq: int, now: Any) -> dict[str, Any]:
        return {
            "command_id": command_id,
            "instance_id": node.instance_id,
            "account_id": account_id,
            "seq": seq,
            "instance_name": node.computer_name or node.name or "",
            "status": CommandStatus.PENDING,
            "status_details": Details.PENDING,
            "requested_date": now,
            "response_code": -1,
            "trace_output": "",
        }

    def cancel(self, account_id: str, command_id: str, instance_ids: list[str] | None) -> None:
        """CancelCommand: best effort. Undispatched invocations end Cancelled at once; dispatched
        ones that the node has not picked up are withdrawn; running ones get a cancel message."""
        with self._db.begin() as conn:
            command = repo.get_command(conn, account_id, command_id, lock=True)
            if command is None:
                raise ApiError("InvalidCommandId", f"Command {command_id} does not exist.")
            invocations = {row["instance_id"]: row for row in repo.invocations_of(conn, command_id)}
            if instance_ids:
                if len(set(instance_ids)) != len(instance_ids):
                    raise ApiError("DuplicateInstanceId", "Instance ids must not repeat.")
                unknown = [i for i in instance_ids if i not in invocations]
                if unknown:
                    raise ApiError(
                        "InvalidInstanceId", f"Instances {unknown} are not part of command {command_id}."
                    )
            chosen = instance_ids or list(invocations)
            now = self._clock.now()
            touched_nodes = self._messages.cancel_invocations(
                conn,
                command,
                [invocations[i] for i in chosen if not is_terminal(invocations[i]["status_details"])],
                now,
            )
            if not instance_ids and command["stop_reason"] is None:
                repo.update_command(conn, command_id, {"stop_reason": StopReason.CANCEL})
            if not command["targets_resolved"] and not instance_ids:
                repo.update_command(conn, command_id, {"targets_resolved": True})
            repo.update_command(conn, command_id, {"next_check_at": now})
        self._messages.notify_nodes(touched_nodes)
        self._notifier.notify(RUN_COMMAND_TOPIC)
