"""aws:runPowerShellScript: the commands as a `.ps1` file (UTF-8 with BOM) run with `pwsh -f`.

On Linux and macOS the official agent runs /usr/bin/pwsh (or powershell); this agent takes
`pwsh` (then `powershell`) from PATH and reports a clear failure when neither is installed.
"""

from __future__ import annotations

import shutil
from typing import Any

from openssm.agent.cancellation import CancelToken
from openssm.agent.plugins.base import PluginContext, PluginOutput
from openssm.agent.plugins.script import run_script

NAME = "aws:runPowerShellScript"
MISSING_PWSH = "pwsh not found on PATH: install PowerShell (pwsh) to run aws:runPowerShellScript"


def find_pwsh() -> str | None:
    return shutil.which("pwsh") or shutil.which("powershell")


def execute(properties: dict[str, Any], ctx: PluginContext, cancel: CancelToken) -> PluginOutput:
    pwsh = find_pwsh()
    return run_script(
        properties,
        ctx,
        cancel,
        script_name="_script.ps1",
        interpreter=[pwsh, "-f"] if pwsh else None,
        missing_interpreter=MISSING_PWSH,
        byte_order_mark=True,
    )
