"""The version limit (1,000 per document), checked on a real database."""

from __future__ import annotations

import json

import pytest

from openssm.core.errors import ApiError
from openssm.domain.documents import content, repository
from openssm.domain.documents.models import DocumentFormat
from openssm.domain.documents.service import CreateDocument, UpdateDocument
from openssm.domain.documents.versions import NewVersion, version_row
from tests.unit.documents.conftest import Services

ACCOUNT = "111122223333"


def text(n: int) -> str:
    return json.dumps(
        {
            "schemaVersion": "2.2",
            "description": str(n),
            "mainSteps": [{"action": "aws:runShellScript", "name": "s"}],
        }
    )


def test_a_document_holds_at_most_1000_versions(services: Services) -> None:
    svc = services.documents
    svc.create(ACCOUNT, CreateDocument(name="many", content=text(1)))
    # Versions 2..998 are written straight to the tables: the API path is exercised below.
    with services.db.begin() as conn:
        now = services.clock.now()
        for n in range(2, 999):
            analyzed = content.analyze(text(n), DocumentFormat.JSON, "Command")
            repository.insert_version(
                conn, version_row(ACCOUNT, "many", NewVersion(n, text(n), DocumentFormat.JSON, analyzed), now)
            )
        repository.update_document(conn, ACCOUNT, "many", {"latest_version": 998, "version_counter": 998})
    svc.update(ACCOUNT, UpdateDocument(name="many", content=text(999)))
    assert svc.update(ACCOUNT, UpdateDocument(name="many", content=text(1000))).version.version == 1000
    with pytest.raises(ApiError) as caught:
        svc.update(ACCOUNT, UpdateDocument(name="many", content=text(1001)))
    assert caught.value.code == "DocumentVersionLimitExceeded"
    svc.delete(ACCOUNT, "many", "2", None, force=False)
    assert svc.update(ACCOUNT, UpdateDocument(name="many", content=text(1001))).version.version == 1001
