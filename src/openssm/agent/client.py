"""The node API calls the agent makes, with the member names the official agent sends.

`AmazonSSM.` operations are signed for service `ssm`, `EC2WindowsMessageDeliveryService.`
operations for `ec2messages`; RegisterManagedInstance is unsigned and
RequestManagedInstanceRoleToken is RSA-signed (see sigv4.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openssm.agent import sigv4
from openssm.agent.transport import AwsError, CredentialsUnavailable, JsonTransport, Signer, TransportError

SSM_PREFIX = "AmazonSSM."
MDS_PREFIX = "EC2WindowsMessageDeliveryService."
VISIBILITY_TIMEOUT_SECONDS = 10  # what the official agent sends with GetMessages


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials from RequestManagedInstanceRoleToken."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float
    """Epoch seconds."""
    update_key_pair: bool = False


CredentialSource = Callable[[], Credentials]
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NodeClient:
    """Typed wrappers over the node API for one managed node."""

    def __init__(
        self,
        transport: JsonTransport,
        *,
        region: str,
        request_timeout: float = 30.0,
        long_poll_timeout: float = 20.0,
        clock: Clock = _utcnow,
    ) -> None:
        self.transport = transport
        self.region = region
        self.request_timeout = request_timeout
        self.long_poll_timeout = long_poll_timeout
        self.clock = clock
        self.credentials: CredentialSource | None = None

    # -- signing

    def _v4_signer(self, service: str) -> Signer:
        source = self.credentials
        if source is None:
            raise RuntimeError("no credentials: request a role token first")

        def sign(path: str, headers: Mapping[str, str], body: bytes) -> Mapping[str, str]:
            try:
                creds = source()
            except (AwsError, TransportError, ValueError) as exc:
                raise CredentialsUnavailable(f"no credentials: {exc}") from exc
            return sigv4.sign_v4(
                method="POST",
                path=path,
                headers=headers,
                body=body,
                region=self.region,
                service=service,
                access_key=creds.access_key_id,
                secret_key=creds.secret_access_key,
                session_token=creds.session_token or None,
                now=self.clock(),
            )

        return sign

    def _rsa_signer(self, instance_id: str, rsa_signer: Callable[[str], str]) -> Signer:
        def sign(path: str, headers: Mapping[str, str], body: bytes) -> Mapping[str, str]:
            return sigv4.sign_rsa(
                method="POST",
                path=path,
                headers=headers,
                body=body,
                region=self.region,
                service="ssm",
                instance_id=instance_id,
                rsa_signer=rsa_signer,
                now=self.clock(),
            )

        return sign

    def _ssm(self, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.transport.call(
            SSM_PREFIX + operation, body, signer=self._v4_signer("ssm"), timeout=self.request_timeout
        )

    def _mds(self, operation: str, body: Mapping[str, Any], timeout: float | None = None) -> dict[str, Any]:
        return self.transport.call(
            MDS_PREFIX + operation,
            body,
            signer=self._v4_signer("ec2messages"),
            timeout=timeout or self.request_timeout,
        )

    # -- registration and credentials

    def register_managed_instance(
        self, *, activation_code: str, activation_id: str, public_key: str, fingerprint: str
    ) -> str:
        """RegisterManagedInstance, sent without any Authorization header; returns the mi- id."""
        answer = self.transport.call(
            SSM_PREFIX + "RegisterManagedInstance",
            {
                "ActivationCode": activation_code,
                "ActivationId": activation_id,
                "PublicKey": public_key,
                "PublicKeyType": "Rsa",
                "Fingerprint": fingerprint,
            },
            signer=None,
            timeout=self.request_timeout,
        )
        instance_id = answer.get("InstanceId")
        if not isinstance(instance_id, str) or not instance_id:
            raise ValueError("RegisterManagedInstance answered without an InstanceId")
        return instance_id

    def request_role_token(
        self, *, instance_id: str, fingerprint: str, rsa_signer: Callable[[str], str]
    ) -> Credentials:
        """RequestManagedInstanceRoleToken, RSA-signed with the node's private key."""
        answer = self.transport.call(
            SSM_PREFIX + "RequestManagedInstanceRoleToken",
            {"Fingerprint": fingerprint},
            signer=self._rsa_signer(instance_id, rsa_signer),
            timeout=self.request_timeout,
        )
        try:
            return Credentials(
                access_key_id=str(answer["AccessKeyId"]),
                secret_access_key=str(answer["SecretAccessKey"]),
                session_token=str(answer.get("SessionToken") or ""),
                expires_at=float(answer["TokenExpirationDate"]),
                update_key_pair=bool(answer.get("UpdateKeyPair", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"RequestManagedInstanceRoleToken answer is incomplete: {exc}") from exc

    def update_managed_instance_public_key(
        self, *, instance_id: str, new_public_key: str, rsa_signer: Callable[[str], str]
    ) -> None:
        """UpdateManagedInstancePublicKey, RSA-signed with the key being replaced."""
        self.transport.call(
            SSM_PREFIX + "UpdateManagedInstancePublicKey",
            {"NewPublicKey": new_public_key, "NewPublicKeyType": "Rsa"},
            signer=self._rsa_signer(instance_id, rsa_signer),
            timeout=self.request_timeout,
        )

    # -- health and associations

    def update_instance_information(self, fields: Mapping[str, str]) -> None:
        self._ssm("UpdateInstanceInformation", fields)

    def list_instance_associations(self, instance_id: str, next_token: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"InstanceId": instance_id, "MaxResults": 20}
        if next_token:
            body["NextToken"] = next_token
        return self._ssm("ListInstanceAssociations", body)

    # -- ec2messages

    def get_messages(self, instance_id: str) -> list[dict[str, Any]]:
        """Long poll; returns the raw Message structures."""
        answer = self._mds(
            "GetMessages",
            {
                "Destination": instance_id,
                "MessagesRequestId": str(uuid.uuid4()),
                "VisibilityTimeoutInSeconds": VISIBILITY_TIMEOUT_SECONDS,
            },
            timeout=self.long_poll_timeout,
        )
        messages = answer.get("Messages") or []
        return [m for m in messages if isinstance(m, dict)]

    def acknowledge_message(self, message_id: str) -> None:
        self._mds("AcknowledgeMessage", {"MessageId": message_id})

    def send_reply(self, message_id: str, reply_id: str, payload: str) -> dict[str, Any]:
        return self._mds("SendReply", {"MessageId": message_id, "ReplyId": reply_id, "Payload": payload})

    def fail_message(self, message_id: str, failure_type: str) -> None:
        self._mds("FailMessage", {"MessageId": message_id, "FailureType": failure_type})

    def delete_message(self, message_id: str) -> None:
        self._mds("DeleteMessage", {"MessageId": message_id})
