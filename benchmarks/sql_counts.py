"""SQL statements per API call: where a request's database time goes.

Runs openssm in this process (uvicorn in a thread, SQLite in a temporary directory, real SigV4),
counts the statements its engine executes and their time, and makes one call at a time —
DescribeDocument, CreateDocument, UpdateDocument, SendCommand, then one node's whole conversation
for that command (GetMessages, SendReply x3, AcknowledgeMessage) — printing, per call, the
statements run during the call and those the background workers ran right after it.

    python benchmarks/sql_counts.py
    python benchmarks/sql_counts.py --statements    # also each statement's SQL (shortened)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import event

import fastsign
from servers import free_port
from swarm import MDS, Swarm, SwarmNode, User, _plugin_result, _reply_payload


@dataclass
class Tally:
    count: int = 0
    seconds: float = 0.0
    texts: collections.Counter[str] = field(default_factory=collections.Counter)


class StatementCounter:
    def __init__(self, engine: Any) -> None:
        self.current = Tally()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        with self._lock:
            self.current.count += 1
            self.current.seconds += elapsed
            self.current.texts[" ".join(statement.split())[:110]] += 1

    def take(self) -> Tally:
        with self._lock:
            tally, self.current = self.current, Tally()
        return tally


class InProcessServer:
    def __init__(self, data_dir: Path) -> None:
        from openssm import config
        from openssm.server.app import create_app
        from openssm.server.runtime import Runtime

        self.port = free_port()
        settings = config.load(
            None,
            {
                "OPENSSM_DATA_DIR": str(data_dir),
                "OPENSSM_PORT": str(self.port),
                "OPENSSM_LOG_LEVEL": "warning",
                "OPENSSM_LONG_POLL_SECONDS": "1",
            },
        )
        self.runtime = Runtime.build(settings)
        self.counter = StatementCounter(self.runtime.db.engine)
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(self.runtime), host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> InProcessServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    @property
    def credentials(self) -> dict[str, str]:
        data: dict[str, str] = json.loads((self.runtime.settings.data_dir / "credentials.json").read_text())
        return data


def _print(label: str, elapsed: float, during: Tally, after: Tally, statements: bool) -> None:
    print(
        f"  {label:38} {elapsed * 1000:6.2f} ms; {during.count:3d} statements, "
        f"{during.seconds * 1000:5.2f} ms in SQLite | workers after it: {after.count:3d} statements, "
        f"{after.seconds * 1000:5.2f} ms in SQLite"
    )
    if statements:
        for text, count in during.texts.most_common():
            print(f"      {count:2d}x {text}")
        for text, count in after.texts.most_common():
            print(f"      (worker) {count:2d}x {text}")


async def walk(server: InProcessServer, statements: bool) -> None:
    creds = server.credentials
    swarm = Swarm("127.0.0.1", server.port, keys=1)
    user = User(swarm.client, creds["access_key_id"], creds["secret_access_key"])
    counter = server.counter

    async def step(label: str, call: Any) -> Any:
        await asyncio.sleep(0.3)
        counter.take()
        started = time.perf_counter()
        result = await call
        elapsed = time.perf_counter() - started
        during = counter.take()
        await asyncio.sleep(0.3)
        _print(label, elapsed, during, counter.take(), statements)
        return result

    content = json.dumps(
        {
            "schemaVersion": "2.2",
            "description": "d",
            "mainSteps": [
                {"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["echo hi"]}}
            ],
        }
    )
    await step("DescribeDocument (AWS-owned)", user.ssm("DescribeDocument", Name="AWS-RunShellScript"))
    await step(
        "CreateDocument", user.ssm("CreateDocument", Name="counted", Content=content, DocumentType="Command")
    )
    await step("DescribeDocument (own)", user.ssm("DescribeDocument", Name="counted"))
    await step(
        "UpdateDocument",
        user.ssm(
            "UpdateDocument", Name="counted", Content=content.replace("hi", "ho"), DocumentVersion="$LATEST"
        ),
    )
    activation = await user.ssm("CreateActivation", IamRole="SSMServiceRole", RegistrationLimit=1)
    node: SwarmNode = SwarmNode(swarm, *swarm._keys[0])
    await step(
        "RegisterManagedInstance + token + ping",
        node.register(activation["ActivationId"], activation["ActivationCode"]),
    )
    sent = await step(
        "SendCommand (1 node)",
        user.ssm(
            "SendCommand",
            DocumentName="AWS-RunShellScript",
            InstanceIds=[node.instance_id],
            Parameters={"commands": ["echo ok"]},
        ),
    )
    command_id = sent["Command"]["CommandId"]
    polled = await step(
        "GetMessages (1 message)",
        node._mds(
            "GetMessages",
            {
                "Destination": node.instance_id,
                "MessagesRequestId": "8d1c4d6e-4b7c-4a53-9a8e-1f0c1f6b1d3e",
                "VisibilityTimeoutInSeconds": 10,
            },
        ),
    )
    message_id = polled["Messages"][0]["MessageId"]
    started = "2026-01-01T00:00:00.000Z"
    await step("SendReply InProgress", node._reply(message_id, _reply_payload("InProgress", None, None)))
    await step(
        "SendReply plugin result",
        node._reply(message_id, _reply_payload("InProgress", _plugin_result(started), {"Success": 1})),
    )
    await step("AcknowledgeMessage", node._mds("AcknowledgeMessage", {"MessageId": message_id}))
    await step(
        "SendReply final Success",
        node._reply(message_id, _reply_payload("Success", _plugin_result(started), {"Success": 1})),
    )
    await step("ListCommands (1 command)", user.ssm("ListCommands", CommandId=command_id))
    await step(
        "GetCommandInvocation",
        user.ssm("GetCommandInvocation", CommandId=command_id, InstanceId=node.instance_id),
    )
    await step(
        "GetMessages (empty, long poll 1 s)",
        node._mds(
            "GetMessages",
            {
                "Destination": node.instance_id,
                "MessagesRequestId": "9d1c4d6e-4b7c-4a53-9a8e-1f0c1f6b1d3e",
                "VisibilityTimeoutInSeconds": 10,
            },
        ),
    )
    assert MDS
    await swarm.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--statements", action="store_true", help="print each statement (shortened)")
    args = parser.parse_args(argv)
    fastsign.check()
    with tempfile.TemporaryDirectory(prefix="openssm-sql-") as tmp:
        server = InProcessServer(Path(tmp)).start()
        try:
            print(
                "SQL per call: the call's wall time (one call at a time, the client in this process), "
                "its statements and their time inside SQLite"
            )
            asyncio.run(walk(server, args.statements))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
