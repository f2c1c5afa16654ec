"""AWS-owned documents shipped with openssm (Owner `Amazon`), as data files.

`manifest.json` lists them; each content file holds the document exactly as AWS serves it (so its
`Hash` is the SHA-256 of those bytes). `load()` reads them; the documents service seeds them at
startup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from openssm.domain.documents.models import DocumentFormat

_HERE = resources.files(__name__)


@dataclass(frozen=True)
class BuiltinDocument:
    name: str
    document_type: str
    document_format: DocumentFormat
    content: str


def load() -> list[BuiltinDocument]:
    manifest = json.loads((_HERE / "manifest.json").read_text(encoding="utf-8"))
    return [
        BuiltinDocument(
            name=entry["Name"],
            document_type=entry["DocumentType"],
            document_format=DocumentFormat(entry["DocumentFormat"]),
            content=(_HERE / entry["File"]).read_text(encoding="utf-8"),
        )
        for entry in manifest
    ]
