"""Which features this server runs, and how they are wired (explicit; no import-time magic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openssm.server.runtime import Runtime


def install(runtime: Runtime) -> None:
    """Build every feature's services and register their handlers and workers."""
