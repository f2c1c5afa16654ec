"""Document content: parse (JSON, YAML, TEXT), validate by type and schema, derive, convert.

`analyze(content, document_format, document_type)` checks a submitted document the way
CreateDocument/UpdateDocument do (spec §4.1-§4.4) and returns what is derived from it: the parsed
object, schema version, description, parameter definitions and platform types. Command (1.2, 2.0,
2.2) and Automation (0.3) documents are validated in depth; ChangeCalendar is iCalendar text; any
other type is stored as long as its content parses. `render` converts between JSON and YAML for
GetDocument's `DocumentFormat`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import yaml

from openssm.core.errors import ApiError
from openssm.domain.documents import schemas
from openssm.domain.documents.models import ALL_PLATFORMS, DocumentFormat, DocumentType
from openssm.domain.documents.parameters import DocumentParameter, definitions_from_content

MAX_CONTENT_BYTES = 64 * 1024


@dataclass(frozen=True)
class AnalyzedContent:
    parsed: dict[str, Any] | None
    """The content as a JSON object; None for TEXT documents."""
    schema_version: str | None
    description: str | None
    parameters: tuple[DocumentParameter, ...]
    platform_types: tuple[str, ...]
    hash: str


def content_hash(content: str) -> str:
    """`Hash`: hex SHA-256 of the content's UTF-8 bytes, as submitted."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidDocumentContent", message)


class _Loader(yaml.SafeLoader):
    """YAML 1.1 as documents use it, minus implicit timestamps (dates stay strings, as in JSON)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _json_safe(value: Any) -> Any:
    """Keep only JSON values; keys become strings (YAML allows `1: x`)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise _invalid("The content for the document isn't valid: unsupported YAML value.")


def parse(content: str, document_format: DocumentFormat) -> dict[str, Any]:
    """Parse JSON or YAML content into a JSON object (InvalidDocumentContent if it isn't one)."""
    if document_format is DocumentFormat.JSON:
        try:
            value = json.loads(content)
        except json.JSONDecodeError as error:
            raise _invalid(f"JSON not well-formed. at Line: {error.lineno}, Column: {error.colno}") from None
    else:
        try:
            value = yaml.load(content, Loader=_Loader)  # a SafeLoader subclass
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f" at Line: {mark.line + 1}, Column: {mark.column + 1}" if mark else ""
            raise _invalid(f"YAML not well-formed.{where}") from None
        except yaml.YAMLError:
            raise _invalid("YAML not well-formed.") from None
        value = _json_safe(value)
    if not isinstance(value, dict):
        raise _invalid("The content for the document isn't valid: it must be an object.")
    return value


def _schema_version(parsed: dict[str, Any]) -> str | None:
    raw = parsed.get("schemaVersion")
    if raw is None or isinstance(raw, bool):
        return None
    # YAML reads an unquoted `schemaVersion: 2.2` as a number; AWS takes it as the string.
    return str(raw) if isinstance(raw, str | int | float) else None


def _text_calendar(content: str) -> None:
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if not lines or lines[0] != "BEGIN:VCALENDAR" or "END:VCALENDAR" not in lines:
        raise _invalid("The content for the document isn't valid: expected an iCalendar (BEGIN:VCALENDAR).")


def analyze(content: str, document_format: DocumentFormat, document_type: str) -> AnalyzedContent:
    """Validate submitted content and derive what DescribeDocument reports about it."""
    if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise ApiError("MaxDocumentSizeExceeded", "The size limit of a document is 64 KB.")
    digest = content_hash(content)
    if document_type == DocumentType.CHANGE_CALENDAR:
        if document_format is not DocumentFormat.TEXT:
            raise _invalid("ChangeCalendar documents must use the TEXT document format.")
        _text_calendar(content)
        return AnalyzedContent(None, None, None, (), (), digest)
    if document_format is DocumentFormat.TEXT:
        raise _invalid(f"The TEXT document format is not supported for {document_type} documents.")
    parsed = parse(content, document_format)
    schema_version = _schema_version(parsed)
    description = parsed.get("description")
    description = None if description is None else str(description)
    if document_type == DocumentType.COMMAND:
        platforms = schemas.validate_command(parsed, schema_version)
        parameters = definitions_from_content(parsed.get("parameters"), automation=False)
    elif document_type == DocumentType.AUTOMATION:
        schemas.validate_automation(parsed, schema_version)
        platforms = ALL_PLATFORMS
        parameters = definitions_from_content(parsed.get("parameters"), automation=True)
    else:
        # Stored opaquely: the content parses; parameters are reported when they read cleanly.
        platforms = ALL_PLATFORMS
        try:
            parameters = definitions_from_content(parsed.get("parameters"), automation=True)
        except ApiError:
            parameters = ()
    return AnalyzedContent(parsed, schema_version, description, parameters, platforms, digest)


class _Dumper(yaml.SafeDumper):
    """YAML in the style AWS returns: `---` start, plain keys, double-quoted string values."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


_Dumper.add_representer(str, _represent_str)


class _Key(str):
    """A mapping key: plain unless YAML needs it quoted."""


def _represent_key(dumper: yaml.SafeDumper, value: _Key) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value))


_Dumper.add_representer(_Key, _represent_key)


def _keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_Key(k): _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(v) for v in value]
    return value


def to_yaml(parsed: dict[str, Any]) -> str:
    return yaml.dump(
        _keys(parsed),
        Dumper=_Dumper,
        explicit_start=True,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
    )


def to_json(parsed: dict[str, Any]) -> str:
    return json.dumps(parsed, indent=2, ensure_ascii=False)


def render(
    content: str, parsed: dict[str, Any] | None, stored: DocumentFormat, wanted: DocumentFormat
) -> str:
    """Content in the format GetDocument asked for (the stored text when it is the same)."""
    if wanted is stored:
        return content
    if parsed is None or DocumentFormat.TEXT in (stored, wanted):
        raise ApiError(
            "ValidationException",
            f"A document in {stored.value} format can't be returned in {wanted.value} format.",
        )
    return to_yaml(parsed) if wanted is DocumentFormat.YAML else to_json(parsed)
