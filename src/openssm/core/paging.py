"""Opaque, tamper-evident pagination tokens.

A token carries a JSON position (for keyset paging) bound to a scope (the operation and the
query it continues) and an HMAC-SHA256 tag. A forged, altered or foreign token raises the modeled
`InvalidNextToken` error. The key is shared by every replica (it lives in the database).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

from openssm.core.errors import ApiError

_TAG_BYTES = 16


class PageTokens:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _tag(self, scope: str, body: bytes) -> bytes:
        mac = hmac.new(self._key, scope.encode() + b"\x00" + body, hashlib.sha256)
        return mac.digest()[:_TAG_BYTES]

    def encode(self, scope: str, position: Any) -> str:
        body = orjson.dumps(position)
        raw = self._tag(scope, body) + body
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, scope: str, token: str, *, error_code: str = "InvalidNextToken") -> Any:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise ApiError(error_code, "The specified token is not valid.") from None
        tag, body = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
        if len(tag) != _TAG_BYTES or not hmac.compare_digest(tag, self._tag(scope, body)):
            raise ApiError(error_code, "The specified token is not valid.")
        return orjson.loads(body)


def query_scope(operation: str, *parts: Any) -> str:
    """A scope that ties a token to the operation and the query's filters."""
    digest = hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    return f"{operation}:{digest}"
