"""The agent's settings: one frozen dataclass, filled from the command line and registration.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AgentConfig:
    """Everything `agent run` needs besides the registration itself."""

    state_dir: Path
    """Directory with registration.json, the private key, the command journal and the reply spool."""

    server_url: str
    """Base URL of the openssm node API (`http://` or `https://`); serves both the `AmazonSSM.` and
    the `EC2WindowsMessageDeliveryService.` targets."""

    region: str
    """Region used in the SigV4 credential scope (the region the node registered in)."""

    ca_file: str | None = None
    """PEM bundle of extra certificate authorities to trust for an https server URL."""

    connect_timeout: float = 10.0
    """Seconds to wait for a TCP/TLS connection to the server."""

    request_timeout: float = 30.0
    """Seconds to wait for the answer to an ordinary call."""

    long_poll_timeout: float = 20.0
    """Seconds to wait for a GetMessages answer; the server holds an empty poll about 15 s."""

    quick_poll_pause: float = 2.0
    """Pause before polling again after an empty GetMessages that came back in under a second
    (the official agent sleeps 2-2.5 s), so a server that does not hold polls is not flooded."""

    health_interval: float = 300.0
    """Seconds between full UpdateInstanceInformation heartbeats."""

    backoff_base: float = 1.0
    """First retry delay after a network or server error; doubles on each consecutive failure."""

    backoff_max: float = 60.0
    """Upper bound of the retry delay (full jitter is applied below it)."""

    spool_retry_min: float = 30.0
    """First delay before resending replies that could not be delivered."""

    spool_retry_max: float = 300.0
    """Longest delay between attempts to resend undelivered replies."""

    spool_max_age: float = 7200.0
    """Undelivered replies older than this (seconds) are dropped; the service has given up on the
    command by then."""

    max_message_age: float = 48 * 3600.0
    """Work whose CreatedDate is older than this is not started."""

    max_concurrent_commands: int = 8
    """How many commands may run at once; more wait for a free slot."""

    shutdown_grace: float = 30.0
    """On SIGTERM, how long running commands may finish before they are stopped and reported."""

    journal_retention: float = 31 * 86400.0
    """How long command ids are remembered to refuse a second run (longer than any command's
    lifetime: delivery timeout up to 30 days plus execution timeout)."""
