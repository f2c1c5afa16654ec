"""Documents and tags through the AWS CLI (`aws ssm …`) pointed at the server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.api.documents_support import command_content, command_document
from tests.conftest import unique
from tests.support.server import ServerProcess

AWS = str(Path(sys.executable).parent / "aws")


def aws(server: ServerProcess, *args: str) -> Any:
    result = subprocess.run(
        [AWS, "ssm", *args, "--output", "json"],
        env=server.cli_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_create_update_and_read_a_yaml_document(server: ServerProcess, tmp_path: Path) -> None:
    name = unique("cli")
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(command_document("cli")))
    created = aws(
        server, "create-document", "--name", name, "--content", f"file://{path}", "--document-format", "YAML"
    )
    assert created["DocumentDescription"]["DocumentFormat"] == "YAML"
    path.write_text(yaml.safe_dump(command_document("cli two")))
    updated = aws(
        server,
        "update-document",
        "--name",
        name,
        "--content",
        f"file://{path}",
        "--document-format",
        "YAML",
        "--document-version",
        "$LATEST",
    )
    assert updated["DocumentDescription"]["DocumentVersion"] == "2"
    got = aws(server, "get-document", "--name", name, "--document-version", "2", "--document-format", "JSON")
    assert json.loads(got["Content"]) == command_document("cli two")


def test_list_aws_documents_and_tag_a_document(server: ServerProcess) -> None:
    listed = aws(server, "list-documents", "--filters", "Key=Owner,Values=Amazon")
    assert {"AWS-RunShellScript", "AWS-RunPowerShellScript"} <= {
        d["Name"] for d in listed["DocumentIdentifiers"]
    }
    name = unique("cli")
    server.client("ssm").create_document(Name=name, Content=command_content("tags"))
    aws(
        server,
        "add-tags-to-resource",
        "--resource-type",
        "Document",
        "--resource-id",
        name,
        "--tags",
        "Key=team,Value=ops",
    )
    tags = aws(server, "list-tags-for-resource", "--resource-type", "Document", "--resource-id", name)
    assert tags == {"TagList": [{"Key": "team", "Value": "ops"}]}
    found = aws(server, "list-documents", "--filters", "Key=tag:team,Values=ops")
    assert [d["Name"] for d in found["DocumentIdentifiers"]] == [name]
