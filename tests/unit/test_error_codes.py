"""Every `ApiError("<code>"` in the source names an error the client can parse: an error shape of
the ssm / cloudwatch / supplementary models, or one of the common AWS protocol errors."""

from __future__ import annotations

import ast
from pathlib import Path

from openssm.protocol import spec

SOURCE = Path(__file__).resolve().parents[2] / "src" / "openssm"
COMMON_ERRORS = {
    "SerializationException",
    "UnknownOperationException",
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "NotImplementedException",
    "RequestEntityTooLarge",
    "AccessDeniedException",
    "ValidationException",
    "InternalServerError",
    "ThrottlingException",
    "InvalidClientTokenId",
}


def modeled_errors() -> set[str]:
    services = [spec.ssm(), spec.cloudwatch()]
    if spec.has_own_model("ec2messages.json"):
        services.append(spec.ec2messages())
    names: set[str] = set()
    for service in services:
        model = service.model
        for operation in model.operation_names:
            names.update(shape.name for shape in model.operation_model(operation).error_shapes)
        names.update(name for name in model.shape_names if service.error_shape(name) is not None)
    return names


def raised_codes() -> dict[str, list[str]]:
    """code -> ["file:line", …] for each `ApiError("<literal>", …)` (and subclasses' super calls)."""
    found: dict[str, list[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            first = node.args[0]
            if name == "ApiError" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                where = f"{path.relative_to(SOURCE)}:{node.lineno}"
                found.setdefault(first.value, []).append(where)
    return found


def test_the_source_raises_api_errors() -> None:
    assert len(raised_codes()) > 10


def test_every_raised_error_code_is_modeled_or_a_common_protocol_error() -> None:
    known = modeled_errors() | COMMON_ERRORS
    unknown = {code: places for code, places in raised_codes().items() if code not in known}
    assert not unknown, f"error codes not in any model: {unknown}"
