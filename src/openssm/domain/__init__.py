"""The SSM domain, one package per feature; no HTTP, no threads."""
