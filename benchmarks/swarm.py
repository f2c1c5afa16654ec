"""A swarm of simulated managed nodes in one asyncio process, speaking the real node protocol.

Each node registers as the official agent does (spec/agent-protocol.md): RegisterManagedInstance
unsigned with an RSA public key, RequestManagedInstanceRoleToken signed with RSA-PSS, then
UpdateInstanceInformation and an endless ec2messages GetMessages long poll with its temporary
credentials. A sendCommand message is answered as the official agent answers it: SendReply
InProgress (runtimeStatus null), [the node "works" for `work_seconds`], SendReply with the plugin
result, AcknowledgeMessage, SendReply with the final Success. A cancelCommand gets SendReply
InProgress and AcknowledgeMessage.

Each node long-polls on its own keep-alive connection; replies share a pool of connections. RSA
keys are expensive to make (~50 ms each), so the nodes share a few (the server does not require
distinct keys; each node still has its own fingerprint, id and credentials).

Every delivery is recorded (`Delivery`): wall-clock receive time, the message's CreatedDate, and
when the final reply was accepted, so benchmarks can time fan-out, dispatch gaps and alarm stops.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fastsign import RsaSigner, Signer
from httpraw import Answer, Connection, ConnectionPool, build_request

SSM = "AmazonSSM"
MDS = "EC2WindowsMessageDeliveryService"
JSON_11 = "application/x-amz-json-1.1"
JSON_10 = "application/x-amz-json-1.0"
CLOUDWATCH = "GraniteServiceVersion20100801"


class ApiCallError(Exception):
    def __init__(self, operation: str, answer: Answer) -> None:
        try:
            parsed = orjson.loads(answer.body)
        except orjson.JSONDecodeError:
            parsed = {}
        self.status = answer.status
        self.code = str(parsed.get("__type", "")).rpartition("#")[2]
        super().__init__(
            f"{operation}: {answer.status} {self.code} {parsed.get('message', answer.body[:200])}"
        )


class ApiClient:
    """Signed AWS JSON calls over a small pool of keep-alive connections (no boto3 on the loop)."""

    def __init__(self, host: str, port: int, pool_size: int = 8) -> None:
        self.host_header = f"{host}:{port}"
        self.pool = ConnectionPool(host, port, pool_size)

    async def call(
        self,
        signer: Signer | None,
        target: str,
        body: dict[str, Any],
        *,
        content_type: str = JSON_11,
        timeout: float = 60,
    ) -> dict[str, Any]:
        data = orjson.dumps(body)
        if signer is None:
            headers = [("content-type", content_type), ("x-amz-target", target)]
        else:
            headers = signer.headers(self.host_header, target, data, content_type)
        answer = await self.pool.send(build_request(self.host_header, headers, data), timeout)
        if answer.status >= 300:
            raise ApiCallError(target, answer)
        result: dict[str, Any] = orjson.loads(answer.body) if answer.body.strip() else {}
        return result

    def close(self) -> None:
        self.pool.close()


class User:
    """An API user of one server (SSM and the built-in CloudWatch)."""

    def __init__(
        self, client: ApiClient, access_key: str, secret_key: str, region: str = "us-east-1"
    ) -> None:
        self.client = client
        self.ssm_signer = Signer(access_key, secret_key, "ssm", region)
        self.cloudwatch_signer = Signer(access_key, secret_key, "monitoring", region)

    async def ssm(self, operation: str, **body: Any) -> dict[str, Any]:
        return await self.client.call(self.ssm_signer, f"{SSM}.{operation}", body)

    async def cloudwatch(self, operation: str, **body: Any) -> dict[str, Any]:
        return await self.client.call(
            self.cloudwatch_signer, f"{CLOUDWATCH}.{operation}", body, content_type=JSON_10
        )


@dataclass
class Delivery:
    """One sendCommand message as a node saw it (times are wall-clock seconds)."""

    command_id: str
    instance_id: str
    created: float  # the message's CreatedDate (server clock, millisecond precision)
    received: float
    finished: float | None = None  # the final SendReply was accepted


@dataclass
class SwarmStats:
    deliveries: list[Delivery] = field(default_factory=list)
    cancels: int = 0
    redeliveries: int = 0
    errors: int = 0
    sample_error: str = ""
    requests: int = 0

    def error(self, text: str) -> None:
        self.errors += 1
        self.sample_error = self.sample_error or text

    def of_command(self, command_id: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.command_id == command_id]


def _iso_seconds(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _iso_now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _reply_payload(status: str, runtime: dict[str, Any] | None, counts: dict[str, int] | None) -> bytes:
    return orjson.dumps(
        {
            "additionalInfo": {
                "agent": {
                    "lang": "en-US",
                    "name": "amazon-ssm-agent",
                    "os": "linux",
                    "osver": "1",
                    "ver": "3.3.1142.0",
                },
                "dateTime": _iso_now(),
                "runId": "",
                "runtimeStatusCounts": counts,
            },
            "documentStatus": status,
            "documentTraceOutput": "",
            "runtimeStatus": runtime,
        }
    )


def _plugin_result(started: str) -> dict[str, Any]:
    return {
        "aws:runShellScript": {
            "status": "Success",
            "code": 0,
            "name": "aws:runShellScript",
            "output": "ok\n",
            "startDateTime": started,
            "endDateTime": _iso_now(),
            "outputS3BucketName": "",
            "outputS3KeyPrefix": "",
            "stepName": "",
            "standardOutput": "ok\n",
            "standardError": "",
        }
    }


class SwarmNode:
    def __init__(self, swarm: Swarm, key: rsa.RSAPrivateKey, public_key: str) -> None:
        self.swarm = swarm
        self.key = key
        self.public_key = public_key
        self.fingerprint = str(uuid.uuid4())
        self.instance_id = ""
        self.ssm_signer: Signer | None = None
        self.mds_signer: Signer | None = None
        self.poll_connection = Connection(swarm.host, swarm.port)
        self.task: asyncio.Task[None] | None = None
        self.seen: set[str] = set()  # message ids received (the agent de-duplicates by command id)

    async def register(self, activation_id: str, activation_code: str) -> None:
        client = self.swarm.client
        registered = await client.call(
            None,
            f"{SSM}.RegisterManagedInstance",
            {
                "ActivationCode": activation_code,
                "ActivationId": activation_id,
                "PublicKey": self.public_key,
                "PublicKeyType": "Rsa",
                "Fingerprint": self.fingerprint,
            },
        )
        self.instance_id = registered["InstanceId"]
        token = await client.call(
            RsaSigner(self.instance_id, self.key, self.swarm.region),
            f"{SSM}.RequestManagedInstanceRoleToken",
            {"Fingerprint": self.fingerprint},
        )
        access, secret, session = token["AccessKeyId"], token["SecretAccessKey"], token["SessionToken"]
        self.ssm_signer = Signer(access, secret, "ssm", self.swarm.region, session)
        self.mds_signer = Signer(access, secret, "ec2messages", self.swarm.region, session)
        await client.call(
            self.ssm_signer,
            f"{SSM}.UpdateInstanceInformation",
            {
                "InstanceId": self.instance_id,
                "AgentName": "amazon-ssm-agent",
                "AgentVersion": "3.3.1142.0",
                "PlatformType": "Linux",
                "PlatformName": "Swarm Linux",
                "PlatformVersion": "1",
                "ComputerName": f"swarm-{self.instance_id}",
                "IPAddress": "127.0.0.1",
                "AgentStatus": "Active",
            },
        )

    async def _mds(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        self.swarm.stats.requests += 1
        return await self.swarm.client.call(self.mds_signer, f"{MDS}.{operation}", body)

    def start(self) -> None:
        self.task = asyncio.create_task(self._poll_forever())

    async def _poll_forever(self) -> None:
        assert self.mds_signer is not None
        swarm = self.swarm
        host = swarm.client.host_header
        while swarm.running:
            body = orjson.dumps(
                {
                    "Destination": self.instance_id,
                    "MessagesRequestId": str(uuid.uuid4()),
                    "VisibilityTimeoutInSeconds": 10,
                }
            )
            target = f"{MDS}.GetMessages"
            raw = build_request(host, self.mds_signer.headers(host, target, body), body)
            try:
                answer = await self.poll_connection.send(raw, timeout=swarm.long_poll_timeout)
            except (OSError, TimeoutError) as error:
                if swarm.running:
                    swarm.stats.error(f"GetMessages: {type(error).__name__} {error}")
                    await asyncio.sleep(0.5)
                continue
            swarm.stats.requests += 1
            if answer.status != 200:
                swarm.stats.error(f"GetMessages: {answer.status} {answer.body[:200]!r}")
                await asyncio.sleep(0.5)
                continue
            received = time.time()
            for message in orjson.loads(answer.body).get("Messages") or []:
                swarm.spawn(self._handle(message, received))

    async def _handle(self, message: dict[str, Any], received: float) -> None:
        message_id = message["MessageId"]
        try:
            if message["Topic"].startswith("aws.ssm.cancelCommand"):
                self.swarm.stats.cancels += 1
                await self._reply(message_id, _reply_payload("InProgress", None, None))
                await self._mds("AcknowledgeMessage", {"MessageId": message_id})
                return
            if message_id in self.seen:  # redelivered (not acknowledged within the visibility timeout)
                self.swarm.stats.redeliveries += 1
                await self._mds("AcknowledgeMessage", {"MessageId": message_id})
                return
            self.seen.add(message_id)
            delivery = Delivery(
                command_id=message_id.split(".")[-2],
                instance_id=self.instance_id,
                created=_iso_seconds(message["CreatedDate"]),
                received=received,
            )
            self.swarm.stats.deliveries.append(delivery)
            started = _iso_now()
            await self._reply(message_id, _reply_payload("InProgress", None, None))
            if self.swarm.work_seconds:
                await asyncio.sleep(self.swarm.work_seconds)
            await self._reply(
                message_id, _reply_payload("InProgress", _plugin_result(started), {"Success": 1})
            )
            await self._mds("AcknowledgeMessage", {"MessageId": message_id})
            await self._reply(message_id, _reply_payload("Success", _plugin_result(started), {"Success": 1}))
            delivery.finished = time.time()
            self.swarm.on_finished(delivery)
        except (OSError, TimeoutError, ApiCallError) as error:
            self.swarm.stats.error(f"{message_id}: {type(error).__name__} {error}")

    async def _reply(self, message_id: str, payload: bytes) -> None:
        await self._mds(
            "SendReply", {"MessageId": message_id, "ReplyId": str(uuid.uuid4()), "Payload": payload.decode()}
        )

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
        self.poll_connection.close()


def new_keys(count: int) -> list[tuple[rsa.RSAPrivateKey, str]]:
    keys = []
    for _ in range(count):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        keys.append((key, base64.b64encode(der).decode()))
    return keys


class Swarm:
    """N simulated nodes of one server. `work_seconds`: how long each command "runs"."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        region: str = "us-east-1",
        reply_connections: int = 32,
        work_seconds: float = 0.0,
        long_poll_timeout: float = 40.0,
        keys: int = 4,
    ) -> None:
        self.host = host
        self.port = port
        self.region = region
        self.client = ApiClient(host, port, reply_connections)
        self.work_seconds = work_seconds
        self.long_poll_timeout = long_poll_timeout
        self.nodes: list[SwarmNode] = []
        self.stats = SwarmStats()
        self.running = False
        self._keys = new_keys(keys)
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished_listeners: list[Callable[[Delivery], None]] = []

    @property
    def instance_ids(self) -> list[str]:
        return [node.instance_id for node in self.nodes]

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_finished(self, delivery: Delivery) -> None:
        for listener in list(self._finished_listeners):
            listener(delivery)

    def listen(self, listener: Callable[[Delivery], None]) -> Callable[[], None]:
        self._finished_listeners.append(listener)
        return lambda: self._finished_listeners.remove(listener)

    async def register(
        self, count: int, activation_id: str, activation_code: str, concurrency: int = 16
    ) -> None:
        """Register `count` more nodes (at most `concurrency` registrations at once)."""
        limit = asyncio.Semaphore(concurrency)
        fresh = [SwarmNode(self, *self._keys[i % len(self._keys)]) for i in range(count)]

        async def one(node: SwarmNode) -> None:
            async with limit:
                await node.register(activation_id, activation_code)

        await asyncio.gather(*(one(node) for node in fresh))
        self.nodes += fresh

    def start(self) -> None:
        """Every node starts long-polling."""
        self.running = True
        for node in self.nodes:
            if node.task is None:
                node.start()

    async def pause(self) -> None:
        """Every node stops polling (they stay registered and Online until the ping timeout)."""
        await asyncio.gather(*(node.stop() for node in self.nodes))

    async def stop(self) -> None:
        self.running = False
        await asyncio.gather(*(node.stop() for node in self.nodes))
        for task in list(self._tasks):
            task.cancel()
        self.client.close()


async def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)
    return True
