"""Test support: database backends, a real server process, boto3 clients."""
