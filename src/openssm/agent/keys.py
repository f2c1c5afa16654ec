"""The node's RSA key pair, as the official agent uses it.

2048-bit RSA; the public key travels as base64 DER SubjectPublicKeyInfo (392 characters); requests
for credentials are signed with RSA-PSS, SHA-256 (MGF1 SHA-256), salt length 32, base64-encoded
(agent/managedInstances/auth/rsa_key.go).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_SIZE = 2048
PSS_SALT_LENGTH = 32
PUBLIC_KEY_TYPE = "Rsa"


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the private key is not an RSA key")
    return key


def public_key_base64(key: rsa.RSAPrivateKey) -> str:
    """Base64 of the DER SubjectPublicKeyInfo, as RegisterManagedInstance's `PublicKey`."""
    der = key.public_key().public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return base64.b64encode(der).decode("ascii")


def sign_pss(key: rsa.RSAPrivateKey, message: str) -> str:
    """Base64 RSA-PSS (SHA-256, salt 32) signature of `message`."""
    signature = key.sign(
        message.encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH),
        hashes.SHA256(),
    )
    return base64.b64encode(signature).decode("ascii")
