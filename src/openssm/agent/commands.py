"""Run Command on the node: act on sendCommand and cancelCommand messages.

For a sendCommand, as the official agent's MDS interactor does: validate and parse, reply
InProgress (document level), acknowledge, then run the document in its own thread, replying after
each plugin and once more with the final status. A command id already in the journal is only
acknowledged again. A cancelCommand is answered InProgress and acknowledged, and stops the running
command's process group.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openssm.agent.cancellation import CancelToken, StopReason
from openssm.agent.client import NodeClient
from openssm.agent.delivery import ReplySender
from openssm.agent.documents import DocumentError, Step, parse_document
from openssm.agent.host import HostInfo
from openssm.agent.journal import CommandJournal
from openssm.agent.messages import InvalidMessage, Message, Topic, parse_cancel_command, parse_send_command
from openssm.agent.plugins import PluginContext
from openssm.agent.replies import ReplyBuilder
from openssm.agent.results import PluginResult, ResultStatus
from openssm.agent.runner import DocumentRunner
from openssm.agent.transport import AwsError, TransportError

log = logging.getLogger(__name__)

RESTARTED_TRACE = (
    "openssm-agent restarted while this command was running; it was not run again. "
    "Its outcome on the node is unknown."
)


@dataclass
class CommandJob:
    message_id: str
    command_id: str
    cancel: CancelToken = field(default_factory=CancelToken)
    thread: threading.Thread | None = None


def _dir_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "_", name).lstrip(".") or "step"


class CommandManager:
    def __init__(
        self,
        *,
        client: NodeClient,
        sender: ReplySender,
        journal: CommandJournal,
        builder: ReplyBuilder,
        runner: DocumentRunner,
        host: HostInfo,
        instance_id: str,
        region: str,
        commands_dir: Path,
        max_concurrent: int = 8,
        max_message_age: float = 48 * 3600.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.sender = sender
        self.journal = journal
        self.builder = builder
        self.runner = runner
        self.host = host
        self.instance_id = instance_id
        self.region = region
        self.commands_dir = commands_dir
        self.max_message_age = max_message_age
        self.now = now
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._jobs: dict[str, CommandJob] = {}
        self._cancelled_early: deque[str] = deque(maxlen=1000)
        self._accepting = True

    # -- messages

    def handle(self, message: Message) -> None:
        log.info("received message %s (topic %s)", message.message_id, message.topic)
        kind = message.kind
        if kind is Topic.SEND_COMMAND:
            self._handle_send(message)
        elif kind is Topic.CANCEL_COMMAND:
            self._handle_cancel(message)
        else:
            log.error("unexpected topic name %s (message %s)", message.topic, message.message_id)
            self._fail(message.message_id)

    def _acknowledge(self, message_id: str) -> None:
        try:
            self.client.acknowledge_message(message_id)
        except (AwsError, TransportError) as exc:
            log.warning("AcknowledgeMessage %s failed: %s", message_id, exc)

    def _fail(self, message_id: str) -> None:
        try:
            self.client.fail_message(message_id, "InternalHandlerException")
        except (AwsError, TransportError) as exc:
            log.warning("FailMessage %s failed: %s", message_id, exc)

    def _reject(self, message: Message, command_id: str, trace: str) -> None:
        """Report a command that will not run as Failed, journal it, acknowledge it."""
        log.error("command %s not run: %s", command_id, trace)
        self.journal.start(command_id, message.message_id)
        self.sender.send(message.message_id, self.builder.document_status(ResultStatus.FAILED, trace))
        self.journal.finish(command_id, message.message_id)
        self._acknowledge(message.message_id)

    def _handle_send(self, message: Message) -> None:
        try:
            command_id = message.command_id
        except InvalidMessage as exc:
            log.error("ignoring message %s: %s", message.message_id, exc)
            return
        if self.journal.state(command_id) is not None:
            log.info("command %s was already received; acknowledging it again", command_id)
            self._acknowledge(message.message_id)
            return
        created = message.created_at
        if created is not None and self.now() - created.timestamp() > self.max_message_age:
            self._reject(
                message,
                command_id,
                f"the command was not run: it was created at {message.created_date}, "
                f"more than {self.max_message_age / 3600:.0f} hours ago",
            )
            return
        try:
            payload = parse_send_command(message)
            steps = parse_document(payload.document_content, payload.parameters)
        except (InvalidMessage, DocumentError) as exc:
            self._reject(message, command_id, str(exc))
            return
        if not self.journal.start(command_id, message.message_id):
            self._acknowledge(message.message_id)
            return
        job = CommandJob(message.message_id, command_id)
        with self._lock:
            if message.message_id in self._cancelled_early:
                job.cancel.cancel(StopReason.CANCELLED)
            if not self._accepting:
                job.cancel.cancel(StopReason.SHUTDOWN)
            self._jobs[message.message_id] = job
        self.sender.send(message.message_id, self.builder.document_status(ResultStatus.IN_PROGRESS))
        self._acknowledge(message.message_id)
        job.thread = threading.Thread(
            target=self._run_job, args=(job, steps), name=f"command-{command_id}", daemon=True
        )
        job.thread.start()

    def _handle_cancel(self, message: Message) -> None:
        try:
            target = parse_cancel_command(message)
        except InvalidMessage as exc:
            log.error("format of received message is invalid: %s", exc)
            self._fail(message.message_id)
            return
        self.sender.send(message.message_id, self.builder.document_status(ResultStatus.IN_PROGRESS))
        self._acknowledge(message.message_id)
        with self._lock:
            job = self._jobs.get(target)
            if job is None:
                self._cancelled_early.append(target)
        if job is None:
            log.info("cancel for %s: no such command running (possibly completed)", target)
        else:
            log.info("cancelling command %s", job.command_id)
            job.cancel.cancel(StopReason.CANCELLED)

    # -- running

    def _context(self, job: CommandJob, step: Step) -> PluginContext:
        return PluginContext(
            command_id=job.command_id,
            message_id=job.message_id,
            instance_id=self.instance_id,
            region=self.region,
            host=self.host,
            work_dir=self.commands_dir / _dir_name(job.command_id) / _dir_name(step.step_id),
        )

    def _run_job(self, job: CommandJob, steps: list[Step]) -> None:
        try:
            with self._slots:
                finished: list[PluginResult] = []

                def report(result: PluginResult) -> None:
                    finished.append(result)
                    self.sender.send(job.message_id, self.builder.plugin_update(finished, result))

                results = self.runner.run(
                    steps,
                    lambda step: self._context(job, step),
                    job.cancel,
                    report,
                    self.host.precondition_platform,
                )
                self.sender.send(job.message_id, self.builder.final(results))
                log.info("command %s finished", job.command_id)
        except Exception:
            log.exception("command %s failed inside the agent", job.command_id)
            trace = "openssm-agent failed while running this command; see the agent log"
            self.sender.send(job.message_id, self.builder.document_status(ResultStatus.FAILED, trace))
        finally:
            self.journal.finish(job.command_id, job.message_id)
            shutil.rmtree(self.commands_dir / _dir_name(job.command_id), ignore_errors=True)
            with self._lock:
                self._jobs.pop(job.message_id, None)

    # -- lifecycle

    def recover(self) -> int:
        """Report commands an earlier agent process started but never finished as Failed."""
        count = 0
        for entry in self.journal.unfinished():
            log.warning(
                "command %s was interrupted by an agent restart; reporting it as Failed", entry.command_id
            )
            self.sender.send(
                entry.message_id, self.builder.document_status(ResultStatus.FAILED, RESTARTED_TRACE)
            )
            self.journal.finish(entry.command_id, entry.message_id)
            shutil.rmtree(self.commands_dir / _dir_name(entry.command_id), ignore_errors=True)
            count += 1
        return count

    def running(self) -> int:
        with self._lock:
            return len(self._jobs)

    def shutdown(self, grace: float) -> None:
        """Stop taking work; let running commands finish for `grace` seconds, then stop them
        (reported Failed: the agent stopped while they ran)."""
        with self._lock:
            self._accepting = False
        deadline = time.monotonic() + grace
        for job in self._snapshot():
            if job.thread is not None:
                job.thread.join(max(0.0, deadline - time.monotonic()))
        left = self._snapshot()
        for job in left:
            log.warning("stopping command %s: the agent is shutting down", job.command_id)
            job.cancel.cancel(StopReason.SHUTDOWN)
        for job in left:
            if job.thread is not None:
                job.thread.join(10.0)

    def _snapshot(self) -> list[CommandJob]:
        with self._lock:
            return list(self._jobs.values())
