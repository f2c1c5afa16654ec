"""The document enums hold only values the botocore model defines (the model is the source of truth)."""

from __future__ import annotations

from openssm.domain.documents import builtin
from openssm.domain.documents.models import DocumentFormat, DocumentType, PlatformType
from openssm.domain.documents.schemas import COMMAND_PLUGINS
from openssm.protocol.spec import ssm


def enum(shape: str) -> set[str]:
    return set(ssm().model.shape_for(shape).enum)


def test_document_enums_are_model_values() -> None:
    assert {f.value for f in DocumentFormat} <= enum("DocumentFormat")
    assert {t.value for t in DocumentType} <= enum("DocumentType")
    assert {p.value for p in PlatformType} <= enum("PlatformType")


def test_every_plugin_platform_is_a_model_platform() -> None:
    for platforms in COMMAND_PLUGINS.values():
        assert platforms <= enum("PlatformType")


def test_builtin_documents_are_command_documents_named_with_the_aws_prefix() -> None:
    docs = builtin.load()
    assert {d.name for d in docs} >= {"AWS-RunShellScript", "AWS-RunPowerShellScript"}
    for doc in docs:
        assert doc.document_type in enum("DocumentType")
        assert doc.content.endswith("}\n")
