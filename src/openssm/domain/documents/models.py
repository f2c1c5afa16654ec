"""Document values: formats, the types openssm reasons about, version records, platforms.

The enums hold only the members domain code compares against; every member is checked to be
a value of the botocore model's enum (`tests/unit/documents/test_models.py`). Other document
types the model accepts are carried as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from openssm.domain.documents.parameters import DocumentParameter


class DocumentFormat(StrEnum):
    JSON = "JSON"
    YAML = "YAML"
    TEXT = "TEXT"


class DocumentType(StrEnum):
    COMMAND = "Command"
    AUTOMATION = "Automation"
    CHANGE_CALENDAR = "ChangeCalendar"


class PlatformType(StrEnum):
    WINDOWS = "Windows"
    LINUX = "Linux"
    MACOS = "MacOS"


ALL_PLATFORMS: tuple[str, ...] = (PlatformType.WINDOWS, PlatformType.LINUX, PlatformType.MACOS)
AMAZON_ACCOUNT = ""
"""The account of AWS-owned documents (their Owner is `Amazon`)."""
AMAZON_OWNER = "Amazon"
DEFAULT_VERSION = "$DEFAULT"
LATEST_VERSION = "$LATEST"


def order_platforms(platforms: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Platforms in the order AWS lists them: Windows, Linux, MacOS."""
    return tuple(p for p in ALL_PLATFORMS if p in platforms)


@dataclass(frozen=True)
class DocumentVersion:
    """One stored version of a document, with its document's bookkeeping."""

    account_id: str
    name: str
    document_type: str
    version: int
    default_version: int
    latest_version: int
    version_name: str | None
    display_name: str | None
    content: str
    parsed: dict[str, Any] | None
    document_format: DocumentFormat
    schema_version: str | None
    description: str | None
    hash: str
    parameters: tuple[DocumentParameter, ...]
    platform_types: tuple[str, ...]
    target_type: str | None
    requires: list[dict[str, Any]] | None
    author: str | None
    status: str
    status_information: str | None
    created_date: datetime
    document_created_date: datetime

    @property
    def owner(self) -> str:
        return AMAZON_OWNER if self.account_id == AMAZON_ACCOUNT else self.account_id

    @property
    def is_default(self) -> bool:
        return self.version == self.default_version
