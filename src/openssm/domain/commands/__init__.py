"""Run Command: commands, their invocations on nodes, plugin results, status roll-ups."""
