"""The node key: 2048-bit RSA, 392-character public key, RSA-PSS SHA-256 salt 32 signatures."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from openssm.agent import keys


def test_public_key_is_392_characters_of_base64_der_subject_public_key_info() -> None:
    key = keys.generate_private_key()
    encoded = keys.public_key_base64(key)
    assert len(encoded) == 392
    public = serialization.load_der_public_key(base64.b64decode(encoded))
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048


def test_pss_signature_verifies_with_the_public_key_and_salt_32() -> None:
    key = keys.generate_private_key()
    signature = base64.b64decode(keys.sign_pss(key, "AWS4-HMAC-SHA256\n20240517T093005Z\nscope\nabc"))
    key.public_key().verify(
        signature,
        b"AWS4-HMAC-SHA256\n20240517T093005Z\nscope\nabc",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    with pytest.raises(InvalidSignature):
        key.public_key().verify(
            signature,
            b"something else",
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )


def test_private_key_round_trips_through_pem() -> None:
    key = keys.generate_private_key()
    again = keys.load_private_key(keys.private_key_pem(key))
    assert keys.public_key_base64(again) == keys.public_key_base64(key)
