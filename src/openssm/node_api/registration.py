"""The agent-only operations of the `AmazonSSM.` service: RegisterManagedInstance (unsigned),
RequestManagedInstanceRoleToken and UpdateManagedInstancePublicKey (RSA-signed), and
UpdateInstanceInformation (signed with the node's temporary credentials)."""

from __future__ import annotations

from typing import Any

from openssm.core.clock import Clock
from openssm.core.context import RequestContext
from openssm.core.errors import ApiError
from openssm.domain.activations.service import INVALID_ACTIVATION
from openssm.domain.nodes.models import InstanceReport, NodeIdentity, Registration
from openssm.domain.nodes.service import NodeService
from openssm.node_api.keys import PUBLIC_KEY_TYPE, check_public_key, verify_rsa_request
from openssm.protocol.registry import ANONYMOUS, NODE, operation

MAX_FINGERPRINT = 256  # the agent sends a UUID; the column holds 256


def require_self(ctx: RequestContext, instance_id: str) -> None:
    """A node may only speak about itself."""
    if instance_id != ctx.principal.instance_id:
        raise ApiError(
            "AccessDeniedException",
            f"Node {ctx.principal.instance_id} is not authorized to act on behalf of {instance_id}.",
        )


class RegistrationHandlers:
    def __init__(self, nodes: NodeService, clock: Clock) -> None:
        self._nodes = nodes
        self._clock = clock

    def _signed_by_node(self, ctx: RequestContext) -> NodeIdentity:
        return verify_rsa_request(ctx.raw_request, self._clock.now(), self._nodes.identity)

    @operation("RegisterManagedInstance", callers=(ANONYMOUS,))
    def register_managed_instance(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        activation_id, code = params.get("ActivationId"), params.get("ActivationCode")
        if not activation_id or not code:
            raise ApiError("InvalidActivation", INVALID_ACTIVATION)
        if not 1 <= len(params["Fingerprint"]) <= MAX_FINGERPRINT:
            raise ApiError("ValidationException", f"Fingerprint must have 1 to {MAX_FINGERPRINT} characters.")
        check_public_key(params["PublicKey"], params.get("PublicKeyType"))
        instance_id = self._nodes.register(
            Registration(
                activation_id=activation_id,
                activation_code=code,
                public_key=params["PublicKey"],
                public_key_type=params.get("PublicKeyType") or PUBLIC_KEY_TYPE,
                fingerprint=params["Fingerprint"],
            )
        )
        return {"InstanceId": instance_id}

    @operation("RequestManagedInstanceRoleToken", callers=(ANONYMOUS,))
    def request_managed_instance_role_token(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        identity = self._signed_by_node(ctx)
        if params["Fingerprint"] != identity.fingerprint:
            raise ApiError(
                "MachineFingerprintDoesNotMatch",
                f"The fingerprint does not match the one {identity.instance_id} registered with.",
            )
        issued = self._nodes.issue_credentials(identity)
        return {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "SessionToken": issued.session_token,
            "TokenExpirationDate": issued.expires_at,
            "UpdateKeyPair": False,
        }

    @operation("UpdateManagedInstancePublicKey", callers=(ANONYMOUS,))
    def update_managed_instance_public_key(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        identity = self._signed_by_node(ctx)
        check_public_key(params["NewPublicKey"], params["NewPublicKeyType"])
        self._nodes.replace_public_key(identity, params["NewPublicKey"], params["NewPublicKeyType"])
        return {}

    @operation("UpdateInstanceInformation", callers=(NODE,))
    def update_instance_information(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        require_self(ctx, params["InstanceId"])
        self._nodes.report(
            params["InstanceId"],
            InstanceReport(
                agent_name=params.get("AgentName"),
                agent_version=params.get("AgentVersion"),
                agent_status=params.get("AgentStatus"),
                platform_type=params.get("PlatformType"),
                platform_name=params.get("PlatformName"),
                platform_version=params.get("PlatformVersion"),
                ip_address=params.get("IPAddress"),
                computer_name=params.get("ComputerName"),
            ),
        )
        return {}
