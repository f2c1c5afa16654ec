"""Document contents shared by the document API tests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError


def command_document(message: str = "hello", **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": "2.2",
        "description": f"Say {message}.",
        "parameters": {
            "message": {"type": "String", "description": "What to say.", "default": message},
            "names": {"type": "StringList", "description": "Who to greet."},
        },
        "mainSteps": [
            {"action": "aws:runShellScript", "name": "say", "inputs": {"runCommand": ["echo {{ message }}"]}}
        ],
    }
    doc.update(extra)
    return doc


def command_content(message: str = "hello", **extra: Any) -> str:
    return json.dumps(command_document(message, **extra))


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the ClientError a call raises."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]
