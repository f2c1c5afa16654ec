"""A small managed-node client for protocol tests: speaks the node API as the official agent does.

It generates its own RSA key (2048 bits) and fingerprint, registers unsigned, asks for credentials
with an RSA-PSS-signed request (SigV4's string to sign, `Credential=<mi-id>/…`), and signs every
other call with SigV4 and the temporary credentials plus `X-Amz-Security-Token` — botocore's own
SigV4 signer does the canonical request, so the server is checked against an independent signer.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SSM_TARGET = "AmazonSSM"
MDS_TARGET = "EC2WindowsMessageDeliveryService"


class NodeApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_b64(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


class RsaSigV4Auth(SigV4Auth):
    """SigV4's canonical request and string to sign, signed with RSA-PSS (SHA-256, salt 32)."""

    def __init__(self, instance_id: str, key: rsa.RSAPrivateKey, region: str) -> None:
        super().__init__(Credentials(instance_id, "unused"), "ssm", region)
        self._key = key

    def signature(self, string_to_sign: str, request: AWSRequest) -> str:
        signed = self._key.sign(
            string_to_sign.encode(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
        return base64.b64encode(signed).decode()


@dataclass
class NodeCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: float


class NodeClient:
    def __init__(self, endpoint: str, region: str = "us-east-1") -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.key = new_key()
        self.fingerprint = str(uuid.uuid4())
        self.instance_id = ""
        self.credentials: NodeCredentials | None = None

    # transport

    def send(
        self, target: str, body: dict[str, Any], auth: SigV4Auth | None, timeout: float = 30
    ) -> dict[str, Any]:
        data = json.dumps(body).encode()
        request = AWSRequest(
            method="POST",
            url=self.endpoint + "/",
            data=data,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        )
        if auth is not None:
            auth.add_auth(request)
        prepared = request.prepare()
        http = urllib.request.Request(prepared.url, data=data, headers=dict(prepared.headers), method="POST")
        try:
            with urllib.request.urlopen(http, timeout=timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = {}
            raise NodeApiError(error.code, parsed.get("__type", ""), parsed.get("message", "")) from None
        result: dict[str, Any] = json.loads(text) if text.strip() else {}
        return result

    def signer(self, service: str, credentials: NodeCredentials | None = None) -> SigV4Auth:
        creds = credentials or self.credentials
        assert creds is not None, "request_token first"
        return SigV4Auth(
            Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
            service,
            self.region,
        )

    # registration and credentials

    def register(self, activation_id: str, activation_code: str, **overrides: Any) -> str:
        body = {
            "ActivationCode": activation_code,
            "ActivationId": activation_id,
            "PublicKey": public_key_b64(self.key),
            "PublicKeyType": "Rsa",
            "Fingerprint": self.fingerprint,
            **overrides,
        }
        self.instance_id = self.send(f"{SSM_TARGET}.RegisterManagedInstance", body, None)["InstanceId"]
        return self.instance_id

    def request_token(
        self,
        *,
        fingerprint: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
        instance_id: str | None = None,
    ) -> dict[str, Any]:
        auth = RsaSigV4Auth(instance_id or self.instance_id, key or self.key, self.region)
        body = {"Fingerprint": fingerprint or self.fingerprint}
        result = self.send(f"{SSM_TARGET}.RequestManagedInstanceRoleToken", body, auth)
        self.credentials = NodeCredentials(
            result["AccessKeyId"],
            result["SecretAccessKey"],
            result["SessionToken"],
            result["TokenExpirationDate"],
        )
        return result

    def update_public_key(
        self, new_key: rsa.RSAPrivateKey, *, signing_key: rsa.RSAPrivateKey | None = None
    ) -> None:
        auth = RsaSigV4Auth(self.instance_id, signing_key or self.key, self.region)
        body = {"NewPublicKey": public_key_b64(new_key), "NewPublicKeyType": "Rsa"}
        self.send(f"{SSM_TARGET}.UpdateManagedInstancePublicKey", body, auth)
        self.key = new_key

    # signed node calls

    def ssm(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.send(f"{SSM_TARGET}.{operation}", body, self.signer("ssm"))

    def mds(self, operation: str, body: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        return self.send(f"{MDS_TARGET}.{operation}", body, self.signer("ec2messages"), timeout=timeout)

    def ping(self, **fields: Any) -> None:
        self.ssm(
            "UpdateInstanceInformation",
            {
                "InstanceId": self.instance_id,
                "AgentName": "amazon-ssm-agent",
                "AgentVersion": "3.3.1142.0",
                "PlatformType": "Linux",
                **fields,
            },
        )

    def get_messages(self, destination: str | None = None, visibility: int | None = 10) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Destination": destination or self.instance_id,
            "MessagesRequestId": str(uuid.uuid4()),
        }
        if visibility is not None:
            body["VisibilityTimeoutInSeconds"] = visibility
        return self.mds("GetMessages", body, timeout=60)

    def acknowledge(self, message_id: str) -> dict[str, Any]:
        return self.mds("AcknowledgeMessage", {"MessageId": message_id})

    def reply(self, message_id: str, payload: dict[str, Any], reply_id: str | None = None) -> dict[str, Any]:
        body = {
            "MessageId": message_id,
            "ReplyId": reply_id or str(uuid.uuid4()),
            "Payload": json.dumps(payload),
        }
        return self.mds("SendReply", body)

    def fail(self, message_id: str, failure_type: str = "InternalHandlerException") -> dict[str, Any]:
        return self.mds("FailMessage", {"MessageId": message_id, "FailureType": failure_type})

    def delete(self, message_id: str) -> dict[str, Any]:
        return self.mds("DeleteMessage", {"MessageId": message_id})


def registered_node(endpoint: str, activation_id: str, activation_code: str) -> NodeClient:
    """A node registered with the activation and holding credentials."""
    node = NodeClient(endpoint)
    node.register(activation_id, activation_code)
    node.request_token()
    return node
