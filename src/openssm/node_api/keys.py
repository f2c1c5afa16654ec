"""Node keys: the registered RSA public key and the RSA-signed requests made with its private key.

RequestManagedInstanceRoleToken and UpdateManagedInstancePublicKey are signed like SigV4 (same
canonical request and string to sign, scope `date/region/ssm/aws4_request`) except that
`Credential=` carries the node's `mi-` id and `Signature=` is the base64 RSA-PSS signature
(SHA-256, MGF1 SHA-256, salt length 32) of the string to sign (the official agent's
agent/ssm/rsaauth and agent/managedInstances/auth/rsa_key.go).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from openssm.core.errors import ApiError
from openssm.domain.nodes.models import NodeIdentity
from openssm.protocol import sigv4

PUBLIC_KEY_TYPE = "Rsa"
MIN_KEY_BITS = 2048
PSS_SALT_LENGTH = 32
SIGNING_SERVICE = "ssm"


def load_public_key(encoded: str) -> rsa.RSAPublicKey:
    """A base64 DER SubjectPublicKeyInfo RSA key of at least 2048 bits, or InvalidPublicKey."""
    try:
        key = serialization.load_der_public_key(base64.b64decode(encoded, validate=True))
    except (ValueError, TypeError, binascii.Error):
        raise ApiError("InvalidPublicKey", "The public key is not a base64 DER RSA public key.") from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_KEY_BITS:
        raise ApiError(
            "InvalidPublicKey", f"The public key must be an RSA key of at least {MIN_KEY_BITS} bits."
        )
    return key


def check_public_key(encoded: str, key_type: str | None) -> None:
    if key_type not in (None, PUBLIC_KEY_TYPE):
        raise ApiError("InvalidPublicKey", f"PublicKeyType must be {PUBLIC_KEY_TYPE}.")
    load_public_key(encoded)


IdentityLookup = Callable[[str], NodeIdentity | None]


def verify_rsa_request(request: sigv4.SignedRequest, now: datetime, lookup: IdentityLookup) -> NodeIdentity:
    """Check an RSA-signed node request; the node it comes from, or the AWS error: missing or
    malformed signature (as SigV4), InvalidInstanceId (no such registered node),
    InvalidSignatureException (not signed with the node's key)."""
    auth, amz_date = sigv4.check_request(request, now, SIGNING_SERVICE)
    identity = lookup(auth.access_key_id)
    if identity is None:
        raise ApiError(
            "InvalidInstanceId", f"Instance {auth.access_key_id} is not a registered managed instance."
        )
    try:
        signature = base64.b64decode(auth.signature, validate=True)
        load_public_key(identity.public_key).verify(
            signature,
            sigv4.string_to_sign(request, auth, amz_date).encode(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError, binascii.Error):
        raise sigv4.invalid_signature(
            "The request signature does not match the signature of the managed instance's registered key."
        ) from None
    return identity
