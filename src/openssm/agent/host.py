"""Facts about the machine the agent reports: platform type, name and version, IP, host name."""

from __future__ import annotations

import platform
import socket
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HostInfo:
    platform_type: str
    """`Linux`, `MacOS` or `Windows` (the public PlatformType enum)."""
    platform_name: str
    platform_version: str
    os: str
    """Go's runtime.GOOS spelling (`linux`, `darwin`, `windows`), sent as `additionalInfo.agent.os`."""

    @property
    def precondition_platform(self) -> str:
        """The lower-case platform type documents compare against (`linux`, `macos`, `windows`)."""
        return self.platform_type.lower()


def _os_release(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return values
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip().strip("\"'")
    return values


def detect(os_release: Path = Path("/etc/os-release")) -> HostInfo:
    """Platform as the official agent reports it: NAME and VERSION_ID of /etc/os-release on
    Linux, the product version on macOS."""
    if sys.platform == "darwin":
        return HostInfo("MacOS", "macOS", platform.mac_ver()[0] or platform.release(), "darwin")
    if sys.platform.startswith("win"):
        return HostInfo("Windows", platform.system(), platform.version(), "windows")
    release = _os_release(os_release)
    name = release.get("NAME") or platform.system() or "Linux"
    version = release.get("VERSION_ID") or platform.release()
    return HostInfo("Linux", name[:120], version[:120], "linux")


def computer_name() -> str:
    """The fully qualified host name (the official agent reports the FQDN)."""
    name = socket.getfqdn() or socket.gethostname() or "localhost"
    return name[:255]


def ip_address(server_host: str, server_port: int) -> str:
    """The local address used to reach the server (no packet is sent: a UDP socket is only
    connected), else the address of the host name, else loopback."""
    try:
        family = socket.AF_INET6 if ":" in server_host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((server_host, server_port or 443))
            address = str(sock.getsockname()[0])
            if address and address not in ("0.0.0.0", "::"):
                return address
    except OSError:
        pass
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
