"""API credentials: the generated default principal and the configured ones.

On first start a principal with a random secret is written to `<data-dir>/credentials.json`
(mode 0600); `openssm env` prints it as `export` lines.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from pathlib import Path

from openssm.config import PrincipalConfig, Settings
from openssm.core.context import Principal
from openssm.server.auth import Credential

CREDENTIALS_FILE = "credentials.json"


def _new_access_key_id() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))


def default_principal(settings: Settings) -> PrincipalConfig:
    """Read the generated principal, creating it on first use."""
    path = settings.data_dir / CREDENTIALS_FILE
    if path.exists():
        return PrincipalConfig(**json.loads(path.read_text()))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    principal = PrincipalConfig(
        access_key_id=_new_access_key_id(),
        secret_access_key=secrets.token_urlsafe(30),
        account_id=settings.account_id,
    )
    _write_private(path, json.dumps(dataclasses.asdict(principal), indent=2))
    return principal


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def user_credentials(settings: Settings) -> dict[str, Credential]:
    configured = [default_principal(settings), *settings.principals]
    return {
        p.access_key_id: Credential(
            secret_access_key=p.secret_access_key,
            principal=Principal(access_key_id=p.access_key_id, account_id=p.account_id),
        )
        for p in configured
    }
