"""The agent stands alone: importing all of it loads nothing else of openssm and no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src"

PROBE = """
import json, pkgutil, importlib, sys
import openssm.agent, openssm.agent.plugins
for pkg in (openssm.agent, openssm.agent.plugins):
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def test_agent_imports_only_itself_the_standard_library_and_cryptography() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    foreign = [m for m in modules if m.startswith("openssm.") and not m.startswith("openssm.agent")]
    assert foreign == []
    heavy = {"botocore", "boto3", "sqlalchemy", "starlette", "uvicorn", "yaml", "orjson", "psycopg"}
    assert heavy.isdisjoint(m.split(".")[0] for m in modules)
