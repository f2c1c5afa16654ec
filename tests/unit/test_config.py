"""Settings: defaults < TOML file < OPENSSM_* environment < command-line flags; `serve --help` and
`openssm env` show them to the user."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from openssm import config
from openssm.cli.main import build_parser
from openssm.config import PrincipalConfig, Settings

REPO = Path(__file__).resolve().parents[2]


def load(argv: list[str], environ: dict[str, str] | None = None) -> Settings:
    return config.load(build_parser().parse_args(["serve", *argv]), environ or {})


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "openssm.toml"
    path.write_text(text)
    return path


def test_defaults_apply_when_nothing_is_set() -> None:
    assert load([]) == Settings()


def test_each_source_overrides_the_one_below(tmp_path: Path) -> None:
    path = toml(tmp_path, 'port = 1111\nregion = "eu-west-1"\nlog_level = "debug"\nworker_interval = 2.5\n')
    environ = {"OPENSSM_CONFIG": str(path), "OPENSSM_REGION": "eu-west-2", "OPENSSM_LOG_LEVEL": "warning"}

    settings = load(["--log-level", "error"], environ)

    assert settings.port == 1111  # TOML over default
    assert settings.worker_interval == 2.5
    assert settings.region == "eu-west-2"  # environment over TOML
    assert settings.log_level == "error"  # flag over environment
    assert settings.host == Settings().host  # default where nothing says otherwise


def test_the_config_flag_names_the_toml_file(tmp_path: Path) -> None:
    path = toml(tmp_path, "port = 2222\n")

    assert load(["--config", str(path)]).port == 2222


def test_principals_come_from_the_toml_file(tmp_path: Path) -> None:
    path = toml(
        tmp_path,
        '[[principals]]\naccess_key_id = "AKIAOTHER00000000001"\nsecret_access_key = "s3cret"\n'
        'account_id = "111122223333"\n',
    )

    settings = load(["--config", str(path)])

    assert settings.principals == (PrincipalConfig("AKIAOTHER00000000001", "s3cret", "111122223333"),)


def test_values_are_typed_whatever_their_source(tmp_path: Path) -> None:
    environ = {"OPENSSM_PORT": "3333", "OPENSSM_LONG_POLL_SECONDS": "0.5", "OPENSSM_LOCAL_AGENT": "yes"}

    settings = load(["--data-dir", str(tmp_path)], environ)

    assert (settings.port, settings.long_poll_seconds, settings.local_agent) == (3333, 0.5, True)
    assert settings.data_dir == tmp_path


def test_an_unknown_toml_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        load(["--config", str(toml(tmp_path, "prot = 1\n"))])


def test_a_certificate_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--tls-cert and --tls-key go together"):
        load(["--tls-cert", str(tmp_path / "cert.pem")])


def test_authentication_is_on_unless_explicitly_disabled() -> None:
    assert Settings().dev_disable_auth is False
    assert load([]).dev_disable_auth is False
    assert load([], {"OPENSSM_DEV_DISABLE_AUTH": "false"}).dev_disable_auth is False
    assert load(["--dev-disable-auth"]).dev_disable_auth is True


def test_serve_help_documents_every_setting_with_its_environment_variable_and_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openssm.cli.main", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "100", "PATH": ""},
        cwd=REPO,
    )
    options = option_help(result.stdout)

    for field in fields(Settings):
        if field.metadata.get("toml_only"):
            continue
        text = squeeze(options.get("--" + field.name.replace("_", "-"), ""))
        assert squeeze(field.metadata["help"]) in text, field.name
        assert squeeze(f"env OPENSSM_{field.name.upper()}") in text, field.name
        assert squeeze(f"default: {field.default if field.default is not MISSING else None}") in text, (
            field.name
        )
    assert options["--dev-disable-auth"].startswith("DEVELOPMENT ONLY")


def squeeze(text: str) -> str:
    """Text without whitespace: argparse wraps lines anywhere, even after a hyphen."""
    return "".join(text.split())


def option_help(usage: str) -> dict[str, str]:
    """`--flag` -> its help text, joined over argparse's wrapped lines."""
    options: dict[str, str] = {}
    current = ""
    for line in usage.split("options:", 1)[1].splitlines():
        stripped = line.strip()
        if stripped.startswith("-"):
            current, _, text = stripped.partition("  ")
            current = current.split()[0].rstrip(",")
            options[current] = text.strip()
        elif current and stripped:
            options[current] = f"{options[current]} {stripped}".strip()
    return options


def test_openssm_env_prints_the_exports_for_the_aws_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openssm.cli.main",
            "env",
            "--data-dir",
            str(tmp_path),
            "--port",
            "4999",
            "--region",
            "eu-central-1",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    credentials = json.loads((tmp_path / "credentials.json").read_text())
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in result.stdout.splitlines()
        if line.startswith("export ")
    )

    assert exports == {
        "AWS_ACCESS_KEY_ID": credentials["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["secret_access_key"],
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:4999",
        "AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:4999",
    }
    assert "unset AWS_SESSION_TOKEN AWS_PROFILE" in result.stdout


def test_an_invalid_setting_stops_serve_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openssm.cli.main",
            "serve",
            "--data-dir",
            str(tmp_path),
            "--alarm-source",
            "alertmanager",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "openssm serve: --alarm-source alertmanager needs --alertmanager-url"
