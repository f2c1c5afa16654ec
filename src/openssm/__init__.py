"""openssm: a self-hosted implementation of the fleet-operations core of AWS Systems Manager."""

__version__ = "0.1.0"
