"""Settings, in one place: defaults < TOML file < `OPENSSM_*` environment variables < CLI flags.

Every field of `Settings` is a flag of `openssm serve` (documented by its `help`), an environment
variable (`OPENSSM_<FIELD>`) and a key of the TOML file (`--config`, `OPENSSM_CONFIG`). Extra API
principals can only come from the TOML file:

    [[principals]]
    access_key_id = "AKIA..."
    secret_access_key = "..."
    account_id = "111122223333"
"""

from __future__ import annotations

import argparse
import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _opt(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True, slots=True)
class PrincipalConfig:
    """One set of API credentials and the account it acts in."""

    access_key_id: str
    secret_access_key: str
    account_id: str


@dataclass(frozen=True)
class Settings:
    host: str = _opt("127.0.0.1", "Address to listen on.")
    port: int = _opt(4583, "TCP port to listen on.")
    data_dir: Path = _opt(Path(".openssm"), "Directory for the SQLite file and generated secrets.")
    db: str = _opt("", "Database URL: a SQLite path/URL or postgresql://… (default: <data-dir>/openssm.db).")
    region: str = _opt("us-east-1", "The AWS region this server acts as (used in ARNs and responses).")
    account_id: str = _opt("123456789012", "Account id of the generated default principal.")
    tls_cert: Path | None = _opt(None, "PEM certificate chain: serve HTTPS (with --tls-key).")
    tls_key: Path | None = _opt(None, "PEM private key for --tls-cert.")
    log_format: str = _opt("text", "Log format: text or json.", choices=("text", "json"))
    log_level: str = _opt("info", "Log level: debug, info, warning, error.")
    dev_disable_auth: bool = _opt(
        False, "DEVELOPMENT ONLY: accept API requests without checking SigV4 signatures."
    )
    max_body_bytes: int = _opt(2 * 1024 * 1024, "Largest request body accepted, in bytes.")
    node_ping_timeout: int = _opt(
        600, "Seconds without a heartbeat after which a node's PingStatus is ConnectionLost."
    )
    node_token_lifetime: int = _opt(3600, "Lifetime in seconds of a managed node's temporary credentials.")
    long_poll_seconds: float = _opt(15.0, "How long an empty ec2messages GetMessages is held open.")
    worker_interval: float = _opt(1.0, "Seconds between background worker passes when nothing wakes them.")
    local_agent: bool = _opt(False, "Also start a local openssm agent registered to this server.")
    alarm_source: str = _opt(
        "builtin",
        "Where alarm states come from: builtin, cloudwatch or alertmanager.",
        choices=("builtin", "cloudwatch", "alertmanager"),
    )
    alarm_poll_interval: float = _opt(10.0, "Seconds between polls of a remote alarm source.")
    alarm_source_timeout: float = _opt(5.0, "Seconds a remote alarm source may take to answer a read.")
    cloudwatch_endpoint: str = _opt("", "Remote CloudWatch endpoint URL (alarm source cloudwatch).")
    cloudwatch_region: str = _opt("", "Region of the remote CloudWatch (default: --region).")
    cloudwatch_access_key_id: str = _opt("", "Access key for the remote CloudWatch (default: boto3's chain).")
    cloudwatch_secret_access_key: str = _opt("", "Secret key for the remote CloudWatch.")
    alertmanager_url: str = _opt("", "Prometheus Alertmanager base URL (alarm source alertmanager).")
    principals: tuple[PrincipalConfig, ...] = field(default=(), metadata={"toml_only": True})

    @property
    def database_url(self) -> str:
        return self.db or f"sqlite:///{(self.data_dir / 'openssm.db').resolve()}"

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"

    @property
    def endpoint_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _coerce(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    text = str(kind)
    if "bool" in text:
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in ("1", "true", "yes", "on")
    if text == "int":
        return int(raw)
    if text == "float":
        return float(raw)
    if "Path" in text:
        return Path(raw) if raw not in (None, "") else None
    return str(raw)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per setting (defaults are None so unset flags don't override other sources)."""
    parser.add_argument("--config", type=Path, default=None, help="TOML settings file (env OPENSSM_CONFIG).")
    for f in fields(Settings):
        if f.metadata.get("toml_only"):
            continue
        default = f.default if f.default is not MISSING else None
        env = "OPENSSM_" + f.name.upper()
        help_text = f"{f.metadata['help']} [env {env}; default: {default}]"
        if "bool" in str(f.type):
            parser.add_argument(_flag(f.name), dest=f.name, action="store_true", default=None, help=help_text)
        else:
            parser.add_argument(
                _flag(f.name), dest=f.name, default=None, help=help_text, choices=f.metadata.get("choices")
            )


def load(args: argparse.Namespace | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Resolve the settings from every source, highest precedence last."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    config_path = getattr(args, "config", None) or environ.get("OPENSSM_CONFIG")
    if config_path:
        with open(config_path, "rb") as handle:
            document = tomllib.load(handle)
        for key, raw in document.items():
            if key == "principals":
                values["principals"] = tuple(PrincipalConfig(**entry) for entry in raw)
            else:
                values[key.replace("-", "_")] = raw
    for f in fields(Settings):
        env = "OPENSSM_" + f.name.upper()
        if env in environ and not f.metadata.get("toml_only"):
            values[f.name] = environ[env]
        if args is not None and getattr(args, f.name, None) is not None:
            values[f.name] = getattr(args, f.name)
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
    coerced = {k: (v if k == "principals" else _coerce(k, v)) for k, v in values.items()}
    settings = replace(Settings(), **coerced)
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if settings.alarm_source == "alertmanager" and not settings.alertmanager_url:
        raise ValueError("--alarm-source alertmanager needs --alertmanager-url")
    return settings
