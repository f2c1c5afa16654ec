"""API errors raised anywhere below the protocol layer.

Domain code raises `ApiError("InvalidDocument", "…")`; the protocol layer turns it into the JSON
error of the wire (`__type` + `message`) with the HTTP status the service model gives the shape.
Every code raised must name an error shape of the model (checked by
`tests/unit/test_error_codes.py`).
"""

from __future__ import annotations


class ApiError(Exception):
    """A modeled error: `code` is the error shape's name in the service model."""

    def __init__(self, code: str, message: str = "", *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def validation_error(message: str) -> ApiError:
    return ApiError("ValidationException", message)


def invalid_next_token(message: str = "The specified token is not valid.") -> ApiError:
    return ApiError("InvalidNextToken", message)
