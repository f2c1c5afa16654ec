"""The agent's main loop: heartbeat, long-poll ec2messages, hand messages to Run Command.

Start-up: report commands interrupted by a previous agent process, then a minimal
UpdateInstanceInformation (retried until it succeeds: like the official agent, nothing runs while
the service cannot be reached), then the loop: a full heartbeat every `health_interval`, resend
spooled replies when due, GetMessages (held open by the server), act on the messages. Network and
server errors back off exponentially with jitter. `stop()` (SIGTERM) ends the poll at once, lets
running commands finish for a grace period, and reports the rest.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from openssm.agent import AGENT_NAME, AGENT_VERSION, host
from openssm.agent.client import NodeClient
from openssm.agent.commands import CommandManager
from openssm.agent.config import AgentConfig
from openssm.agent.credentials import CredentialProvider
from openssm.agent.delivery import ReplySender
from openssm.agent.messages import InvalidMessage, parse_message
from openssm.agent.transport import AwsError, TransportError

log = logging.getLogger(__name__)

QUICK_ANSWER = 1.0
"""A GetMessages answer faster than this (seconds) was not held by the server."""


class Worker:
    def __init__(
        self,
        *,
        config: AgentConfig,
        client: NodeClient,
        credentials: CredentialProvider,
        commands: CommandManager,
        sender: ReplySender,
        instance_id: str,
        host_info: host.HostInfo,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client
        self.credentials = credentials
        self.commands = commands
        self.sender = sender
        self.instance_id = instance_id
        self.host_info = host_info
        self.monotonic = monotonic
        self._stop = threading.Event()
        self._failures = 0

    # -- control

    def stop(self) -> None:
        """Safe to call from a signal handler: stop polling and wake the long poll."""
        self._stop.set()
        self.client.transport.interrupt()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _backoff(self, reason: object) -> None:
        self._failures += 1
        ceiling = min(self.config.backoff_max, self.config.backoff_base * 2 ** min(self._failures - 1, 16))
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        log.warning("%s; retrying in %.1f s", reason, delay)
        self._stop.wait(delay)

    def _note_error(self, exc: Exception) -> None:
        if isinstance(exc, AwsError) and exc.credentials_rejected:
            self.credentials.invalidate()

    # -- heartbeats

    def minimal_information(self) -> dict[str, str]:
        return {
            "AgentName": AGENT_NAME,
            "AgentVersion": AGENT_VERSION,
            "InstanceId": self.instance_id,
            "PlatformType": self.host_info.platform_type,
        }

    def full_information(self) -> dict[str, str]:
        transport = self.client.transport
        return {
            "AgentName": AGENT_NAME,
            "AgentStatus": "Active",
            "AgentVersion": AGENT_VERSION,
            "AvailabilityZone": "",
            "AvailabilityZoneId": "",
            "ComputerName": host.computer_name(),
            "IPAddress": host.ip_address(transport.host, transport.port),
            "InstanceId": self.instance_id,
            "PlatformName": self.host_info.platform_name,
            "PlatformType": self.host_info.platform_type,
            "PlatformVersion": self.host_info.platform_version,
            "SSMConnectionChannel": "ec2messages",
        }

    def _heartbeat(self) -> None:
        try:
            self.client.update_instance_information(self.full_information())
        except (AwsError, TransportError) as exc:
            self._note_error(exc)
            log.warning("UpdateInstanceInformation failed: %s", exc)

    # -- the loop

    def run(self) -> int:
        recovered = self.commands.recover()
        if recovered:
            log.info("reported %d interrupted command(s) as Failed", recovered)
        while not self.stopping:
            try:
                self.client.update_instance_information(self.minimal_information())
                break
            except (AwsError, TransportError) as exc:
                self._note_error(exc)
                self._backoff(f"the server cannot be reached ({exc})")
        self._failures = 0
        next_heartbeat = self.monotonic()
        if not self.stopping:
            log.info("%s %s polling for commands as %s", AGENT_NAME, AGENT_VERSION, self.instance_id)
        while not self.stopping:
            if self.monotonic() >= next_heartbeat:
                self._heartbeat()
                next_heartbeat = self.monotonic() + self.config.health_interval
            self.sender.flush()
            self._poll_once()
        log.info("stopping: %d command(s) running", self.commands.running())
        self.commands.shutdown(self.config.shutdown_grace)
        self.sender.flush(force=True)
        self.client.transport.close()
        return 0

    def _poll_once(self) -> None:
        started = self.monotonic()
        try:
            raw_messages = self.client.get_messages(self.instance_id)
        except (AwsError, TransportError) as exc:
            if self.stopping:
                return
            self._note_error(exc)
            self._backoff(f"GetMessages failed: {exc}")
            return
        self._failures = 0
        log.debug(
            "GetMessages returned %d message(s) after %.1f s", len(raw_messages), self.monotonic() - started
        )
        for raw in raw_messages:
            try:
                message = parse_message(raw)
            except InvalidMessage as exc:
                log.error("message not valid, ignoring: %s", exc)
                continue
            try:
                self.commands.handle(message)
            except Exception:
                log.exception("could not handle message %s", message.message_id)
        if not raw_messages and self.monotonic() - started < QUICK_ANSWER:
            self._stop.wait(self.config.quick_poll_pause + random.uniform(0, 0.5))
