"""aws:runShellScript: the commands as one script, run as `sh -c <script path>`.

Like the official agent (agent/plugins/runscript/runshellscript.go) the script file is executable
and run through `sh -c`, so a `#!` first line picks the interpreter and otherwise `sh` runs it.
"""

from __future__ import annotations

from typing import Any

from openssm.agent.cancellation import CancelToken
from openssm.agent.plugins.base import PluginContext, PluginOutput
from openssm.agent.plugins.script import run_script

NAME = "aws:runShellScript"


def execute(properties: dict[str, Any], ctx: PluginContext, cancel: CancelToken) -> PluginOutput:
    return run_script(properties, ctx, cancel, script_name="_script.sh", interpreter=["sh", "-c"])
