"""A tiny node API for the agent's tests: stdlib HTTP server in a thread, strict about requests.

Every request is checked against our supplementary models (required members, unknown members,
types, min/max/pattern/enum), and its authentication is checked with independent code:
RegisterManagedInstance must be unsigned, RequestManagedInstanceRoleToken must carry an RSA-PSS
signature (verified with `cryptography` over botocore's string to sign) and everything else a
SigV4 signature that botocore's `SigV4Auth` reproduces with the issued secret key.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MODELS = Path(__file__).resolve().parents[3] / "src" / "openssm" / "protocol" / "models"
SSM_MODEL = json.loads((MODELS / "ssm-agent.json").read_text())
MDS_MODEL = json.loads((MODELS / "ec2messages.json").read_text())


class ShapeError(Exception):
    pass


def validate(model: dict[str, Any], shape_name: str, value: Any, path: str = "") -> None:
    """Raise ShapeError unless `value` satisfies the shape (what a strict server checks)."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    where = path or shape_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ShapeError(f"{where}: expected an object")
        for name in shape.get("required", []):
            if name not in value:
                raise ShapeError(f"{where}: missing required member {name}")
        for name, item in value.items():
            if name not in shape["members"]:
                raise ShapeError(f"{where}: unknown member {name}")
            validate(model, shape["members"][name]["shape"], item, f"{where}.{name}")
    elif kind == "string":
        if not isinstance(value, str):
            raise ShapeError(f"{where}: expected a string")
        if len(value) < shape.get("min", 0) or len(value) > shape.get("max", 1 << 30):
            raise ShapeError(f"{where}: length {len(value)} outside {shape.get('min')}..{shape.get('max')}")
        if "enum" in shape and value not in shape["enum"]:
            raise ShapeError(f"{where}: {value!r} not in {shape['enum']}")
        pattern = shape.get("pattern")
        if pattern and "\\p{" not in pattern and not re.search(pattern, value):
            raise ShapeError(f"{where}: {value!r} does not match {pattern}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ShapeError(f"{where}: expected an integer")
        if value < shape.get("min", -(1 << 62)) or value > shape.get("max", 1 << 62):
            raise ShapeError(f"{where}: {value} out of range")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise ShapeError(f"{where}: expected a boolean")
    elif kind == "timestamp":
        if not isinstance(value, int | float):
            raise ShapeError(f"{where}: expected epoch seconds")
    elif kind == "list":
        if not isinstance(value, list):
            raise ShapeError(f"{where}: expected a list")
        for item in value:
            validate(model, shape["member"]["shape"], item, where + "[]")
    elif kind == "map":
        if not isinstance(value, dict):
            raise ShapeError(f"{where}: expected a map")
        for item in value.values():
            validate(model, shape["value"]["shape"], item, where + "{}")


@dataclass
class Call:
    operation: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Node:
    instance_id: str
    public_key: rsa.RSAPublicKey
    fingerprint: str


class NodeApi:
    """State of the fake server; tests read `calls`, queue `messages`, tune behaviour."""

    def __init__(self, *, hold: float = 0.3, token_lifetime: float = 3600.0) -> None:
        self.hold = hold
        self.token_lifetime = token_lifetime
        self.activation_id = str(uuid.uuid4())
        self.activation_code = "A" * 20 + "bcdefgh"
        self.nodes: dict[str, Node] = {}
        self.secrets: dict[str, tuple[str, str, str]] = {}  # access key -> (secret, token, instance)
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.messages: list[dict[str, Any]] = []
        self.fail_next: dict[str, tuple[int, str]] = {}  # operation -> (status, error code)
        self.down = False
        self.update_key_pair = False
        self.cond = threading.Condition()

    # -- helpers for tests

    def calls_of(self, operation: str) -> list[Call]:
        with self.cond:
            return [c for c in self.calls if c.operation == operation]

    def replies_for(self, message_id: str) -> list[dict[str, Any]]:
        return [
            json.loads(c.body["Payload"])
            for c in self.calls_of("SendReply")
            if c.body["MessageId"] == message_id
        ]

    def queue(self, message: dict[str, Any]) -> None:
        with self.cond:
            self.messages.append(message)
            self.cond.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(remaining)
            return True

    # -- request handling

    def handle(self, headers: dict[str, str], body: bytes, path: str) -> tuple[int, dict[str, Any]]:
        target = headers.get("x-amz-target", "")
        prefix, _, operation = target.partition(".")
        model = {"AmazonSSM": SSM_MODEL, "EC2WindowsMessageDeliveryService": MDS_MODEL}.get(prefix)
        if model is None or operation not in model["operations"]:
            return 400, {"__type": "UnknownOperationException", "message": target}
        if headers.get("content-type") != "application/x-amz-json-1.1":
            return 400, {"__type": "SerializationException", "message": "bad content type"}
        request = json.loads(body or b"{}")
        with self.cond:
            self.calls.append(Call(operation, request, headers))
            self.cond.notify_all()
            failure = self.fail_next.pop(operation, None)
        try:
            validate(model, model["operations"][operation]["input"]["shape"], request)
        except ShapeError as exc:
            self.errors.append(f"{operation}: {exc}")
            return 400, {"__type": "ValidationException", "message": str(exc)}
        if failure is not None:
            return failure[0], {"__type": failure[1], "message": "injected failure"}
        try:
            instance_id = self.authenticate(
                operation, headers, body, path, "ssm" if model is SSM_MODEL else "ec2messages"
            )
        except PermissionError as exc:
            self.errors.append(f"{operation}: {exc}")
            return 400, {"__type": "InvalidSignatureException", "message": str(exc)}
        answer: tuple[int, dict[str, Any]] = getattr(self, "op_" + operation)(request, instance_id)
        return answer

    def authenticate(
        self, operation: str, headers: dict[str, str], body: bytes, path: str, service: str
    ) -> str:
        auth = headers.get("authorization")
        if operation == "RegisterManagedInstance":
            if auth is not None:
                raise PermissionError("RegisterManagedInstance must be unsigned")
            return ""
        if not auth:
            raise PermissionError("missing Authorization")
        match = re.fullmatch(
            r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
            r"SignedHeaders=([^,]+), Signature=(\S+)",
            auth,
        )
        if not match:
            raise PermissionError(f"malformed Authorization {auth!r}")
        access_key, _date, region, scope_service, signed, signature = match.groups()
        if scope_service != service:
            raise PermissionError(f"scope service {scope_service} != {service}")
        for required in ("host", "x-amz-date", "x-amz-target", "content-type"):
            if required not in signed.split(";"):
                raise PermissionError(f"{required} is not signed")
        signed_headers = {name: headers[name] for name in signed.split(";")}
        request = AWSRequest(
            method="POST", url=f"http://{headers['host']}{path}", data=body, headers=signed_headers
        )
        request.context["timestamp"] = headers["x-amz-date"]
        if operation in ("RequestManagedInstanceRoleToken", "UpdateManagedInstancePublicKey"):
            node = self.nodes.get(access_key)
            if node is None:
                raise PermissionError("unknown node")
            signer = SigV4Auth(Credentials("unused", "unused"), "ssm", region)
            sts = signer.string_to_sign(request, signer.canonical_request(request))
            try:
                node.public_key.verify(
                    base64.b64decode(signature),
                    sts.encode(),
                    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                    hashes.SHA256(),
                )
            except Exception as exc:
                raise PermissionError(f"RSA signature does not verify: {exc!r}") from exc
            return access_key
        if access_key not in self.secrets:
            raise PermissionError("unknown access key")
        secret, token, instance_id = self.secrets[access_key]
        if headers.get("x-amz-security-token") != token or "x-amz-security-token" not in signed.split(";"):
            raise PermissionError("missing or unsigned security token")
        signer = SigV4Auth(Credentials(access_key, secret, token), service, region)
        expected = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request
        )
        if expected != signature:
            raise PermissionError("SigV4 signature mismatch")
        return instance_id

    # -- operations

    def op_RegisterManagedInstance(self, req: dict[str, Any], _: str) -> tuple[int, dict[str, Any]]:
        if req.get("ActivationId") != self.activation_id or req.get("ActivationCode") != self.activation_code:
            return 400, {"__type": "InvalidActivation", "Message": "Activation is not valid"}
        der = base64.b64decode(req["PublicKey"])
        key = serialization.load_der_public_key(der)
        assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
        instance_id = "mi-" + uuid.uuid4().hex[:17]
        self.nodes[instance_id] = Node(instance_id, key, req["Fingerprint"])
        return 200, {"InstanceId": instance_id}

    def op_RequestManagedInstanceRoleToken(
        self, req: dict[str, Any], instance_id: str
    ) -> tuple[int, dict[str, Any]]:
        node = self.nodes[instance_id]
        if req["Fingerprint"] != node.fingerprint:
            return 400, {"__type": "MachineFingerprintDoesNotMatch", "message": "Fingerprint does not match"}
        access_key = "ASIA" + uuid.uuid4().hex[:16].upper()
        secret, token = uuid.uuid4().hex, "token-" + uuid.uuid4().hex
        self.secrets[access_key] = (secret, token, instance_id)
        return 200, {
            "AccessKeyId": access_key,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "TokenExpirationDate": time.time() + self.token_lifetime,
            "UpdateKeyPair": self.update_key_pair,
        }

    def op_UpdateManagedInstancePublicKey(
        self, req: dict[str, Any], instance_id: str
    ) -> tuple[int, dict[str, Any]]:
        key = serialization.load_der_public_key(base64.b64decode(req["NewPublicKey"]))
        assert isinstance(key, rsa.RSAPublicKey)
        self.nodes[instance_id].public_key = key
        self.update_key_pair = False
        return 200, {}

    def op_UpdateInstanceInformation(
        self, req: dict[str, Any], instance_id: str
    ) -> tuple[int, dict[str, Any]]:
        if req["InstanceId"] != instance_id:
            return 400, {"__type": "InvalidInstanceId", "Message": "not you"}
        return 200, {}

    def op_ListInstanceAssociations(
        self, req: dict[str, Any], instance_id: str
    ) -> tuple[int, dict[str, Any]]:
        return 200, {"Associations": []}

    def op_GetMessages(self, req: dict[str, Any], instance_id: str) -> tuple[int, dict[str, Any]]:
        if req["Destination"] != instance_id:
            return 400, {"__type": "InvalidDestinationException", "message": "not you"}
        deadline = time.monotonic() + self.hold
        with self.cond:
            while not self.messages and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            messages, self.messages = self.messages, []
        return 200, {
            "Destination": instance_id,
            "MessagesRequestId": req["MessagesRequestId"],
            "Messages": messages,
        }

    def op_AcknowledgeMessage(self, req: dict[str, Any], instance_id: str) -> tuple[int, dict[str, Any]]:
        return 200, {}

    def op_SendReply(self, req: dict[str, Any], instance_id: str) -> tuple[int, dict[str, Any]]:
        return 200, {"MessageId": req["MessageId"], "ReplyId": req["ReplyId"], "ReplyStatus": "Queued"}

    def op_FailMessage(self, req: dict[str, Any], instance_id: str) -> tuple[int, dict[str, Any]]:
        return 200, {}

    def op_DeleteMessage(self, req: dict[str, Any], instance_id: str) -> tuple[int, dict[str, Any]]:
        return 200, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        api = self.server.api
        if api.down:
            self.close_connection = True
            self.connection.close()
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer = api.handle(headers, body, self.path)
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: NodeApi


class FakeNodeApiServer:
    def __init__(self, api: NodeApi) -> None:
        self.api = api
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.api = api
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeNodeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
