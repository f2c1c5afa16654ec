"""The `openssm` command."""
