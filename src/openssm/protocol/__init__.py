"""The wire: HTTP requests <-> plain data, driven by botocore-format service models.

Knows AWS protocols (JSON 1.0/1.1, SigV4) but nothing about SSM rules.
"""
