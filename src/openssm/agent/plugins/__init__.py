"""The plugins (document actions) this agent can run, by action name."""

from __future__ import annotations

from openssm.agent.plugins import run_powershell_script, run_shell_script
from openssm.agent.plugins.base import Plugin, PluginContext, PluginOutput

REGISTRY: dict[str, Plugin] = {
    run_shell_script.NAME: run_shell_script.execute,
    run_powershell_script.NAME: run_powershell_script.execute,
}

__all__ = ["REGISTRY", "Plugin", "PluginContext", "PluginOutput"]
