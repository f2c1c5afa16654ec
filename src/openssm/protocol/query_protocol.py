"""AWS Query protocol: form-encoded `Action=<Op>&Version=<v>&A.member.1=…` requests, XML responses.

Older SDKs speak it to services such as CloudWatch. Requests are decoded by walking the operation's
input shape (structures by member name, lists as `.member.N`, maps as `.entry.N.key/value`,
honouring `locationName` and `flattened`), converted to the JSON value types and checked by the
same `InputCompiler` as the JSON protocols; results are written as XML by walking the output shape.
Errors are `<ErrorResponse>` documents carrying the Query error code. Knows no service rules.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from openssm.core.errors import ApiError
from openssm.protocol.json_protocol import Response
from openssm.protocol.serializer import iso8601
from openssm.protocol.spec import ServiceSpec
from openssm.protocol.validation import InputCompiler, validate_input

CONTENT_TYPE = "text/xml"

Tree = dict[str, Any]  # nested form: {"AlarmNames": {"member": {"1": "a"}}}; leaves are strings


def form_tree(body: bytes) -> Tree:
    """The form's dotted keys as a tree. A key that is both a value and a prefix keeps the prefix."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("SerializationException", "The request body is not valid UTF-8.") from None
    tree: Tree = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(leaf), dict):
            node[leaf] = value
    return tree


def _invalid(value: Any, path: str, expected: str) -> ApiError:
    return ApiError(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
        f"Member must be {expected}",
    )


def _numbered(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(node, dict):
        return
    numbered = [(key, value) for key, value in node.items() if key.isdigit()]
    for key, value in sorted(numbered, key=lambda item: int(item[0])):
        yield f"{path}.{key}", value


def _serialized_name(shape: Shape, default: str) -> str:
    name: str = shape.serialization.get("name", default)
    return name


def decode(shape: Shape, node: Any, path: str) -> Any:
    """One form node as the JSON-typed value the input validator expects."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if node == "":
            return {}
        if not isinstance(node, dict):
            raise _invalid(node, path, "a structure")
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            key = _serialized_name(member, name)
            if key in node:
                out[name] = decode(member, node[key], f"{path}.{key}" if path else key)
        return out
    if kind == "list":
        assert isinstance(shape, ListShape)
        if node == "":
            return []
        if not shape.serialization.get("flattened"):
            inner = _serialized_name(shape.member, "member")
            path, node = f"{path}.{inner}", node.get(inner) if isinstance(node, dict) else None
        if node is None:
            raise _invalid("", path, "a list")
        return [decode(shape.member, item, item_path) for item_path, item in _numbered(node, path)]
    if kind == "map":
        assert isinstance(shape, MapShape)
        if node == "":
            return {}
        if not shape.serialization.get("flattened"):
            path, node = f"{path}.entry", node.get("entry") if isinstance(node, dict) else None
        key_name = _serialized_name(shape.key, "key")
        value_name = _serialized_name(shape.value, "value")
        result: dict[Any, Any] = {}
        for entry_path, entry in _numbered(node, path):
            if not isinstance(entry, dict) or key_name not in entry:
                raise _invalid("", entry_path, "a map entry")
            key = decode(shape.key, entry[key_name], f"{entry_path}.{key_name}")
            result[key] = decode(shape.value, entry.get(value_name, ""), f"{entry_path}.{value_name}")
        return result
    if isinstance(node, dict):
        raise _invalid("", path, f"a {kind}")
    return _scalar(kind, node, path)


def _scalar(kind: str, text: str, path: str) -> Any:
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise _invalid(text, path, "an integer") from None
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            raise _invalid(text, path, "a number") from None
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise _invalid(text, path, "a boolean")
        return text.lower() == "true"
    if kind == "timestamp":
        try:
            return float(text)
        except ValueError:
            return text  # ISO 8601; the validator parses it
    return text


def _xml_value(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        parts = []
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                parts.append(_xml_member(member, _serialized_name(member, name), item))
        return "".join(parts)
    if kind == "list":
        assert isinstance(shape, ListShape)
        inner = _serialized_name(shape.member, "member")
        return "".join(f"<{inner}>{_xml_value(shape.member, item)}</{inner}>" for item in value)
    if kind == "map":
        assert isinstance(shape, MapShape)
        return "".join(f"<entry>{_map_entry(shape, k, v)}</entry>" for k, v in value.items() if v is not None)
    if isinstance(value, datetime):
        return iso8601(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("double", "float"):
        return repr(float(value))
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return escape(str(value))


def _map_entry(shape: MapShape, key: Any, value: Any) -> str:
    key_name = _serialized_name(shape.key, "key")
    value_name = _serialized_name(shape.value, "value")
    return (
        f"<{key_name}>{_xml_value(shape.key, key)}</{key_name}>"
        f"<{value_name}>{_xml_value(shape.value, value)}</{value_name}>"
    )


def _xml_member(shape: Shape, name: str, value: Any) -> str:
    if shape.serialization.get("flattened"):
        if isinstance(shape, ListShape):
            name = _serialized_name(shape.member, name)
            return "".join(f"<{name}>{_xml_value(shape.member, item)}</{name}>" for item in value)
        if isinstance(shape, MapShape):
            return "".join(f"<{name}>{_map_entry(shape, k, v)}</{name}>" for k, v in value.items())
    return f"<{name}>{_xml_value(shape, value)}</{name}>"


class QueryCodec:
    """Parse and serialize the Query protocol for one service."""

    content_type = CONTENT_TYPE

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.inputs = InputCompiler()
        self.namespace = spec.model.metadata.get("xmlNamespace", "")
        self.version = spec.model.metadata.get("apiVersion", "")

    def action(self, body: bytes) -> str:
        """The operation a form names (`Action`), checked against the API `Version`."""
        tree = form_tree(body)
        action, version = tree.get("Action"), tree.get("Version")
        if not isinstance(action, str) or not action:
            raise ApiError("UnknownOperationException", "The request must contain the parameter Action.")
        if version is not None and version != self.version:
            raise ApiError(
                "UnknownOperationException", f"Could not find operation {action} for version {version}"
            )
        return action

    def parse(self, operation: OperationModel, body: bytes) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        tree = {k: v for k, v in form_tree(body).items() if k not in ("Action", "Version")}
        return validate_input(self.inputs, shape, decode(shape, tree, ""))

    def result(
        self, operation: OperationModel, result: dict[str, Any] | None, request_id: str = ""
    ) -> Response:
        name = operation.name
        shape = operation.output_shape
        inner = ""
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
            inner = f"<{wrapper}>{_xml_value(shape, result or {})}</{wrapper}>"
        body = (
            f'<{name}Response xmlns="{self.namespace}">{inner}'
            f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
            f"</{name}Response>"
        )
        return Response(200, [("content-type", CONTENT_TYPE)], body.encode())

    def error(self, error: ApiError, request_id: str = "") -> Response:
        status = error.status or self.spec.error_status(error.code)
        fault = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="{self.namespace}"><Error><Type>{fault}</Type>'
            f"<Code>{escape(self.spec.query_error_code(error.code))}</Code>"
            f"<Message>{escape(error.message)}</Message></Error>"
            f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
        )
        return Response(status, [("content-type", CONTENT_TYPE)], body.encode())
