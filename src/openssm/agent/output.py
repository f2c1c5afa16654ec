"""Output truncation, byte for byte as the official agent does it.

Sources: agent/framework/processor/executer/iohandler/iohandler.go (`TruncateOutput`, the
2,500-character `output` of a plugin) and agent/plugins/pluginutil/pluginutil.go (`StringPrefix`,
the 24,000-character `standardOutput`). Lengths are in bytes, as Go's `len(string)`; the result is
decoded as UTF-8 with replacement, as Go's JSON encoder treats a cut multi-byte character.
"""

from __future__ import annotations

MAX_PLUGIN_OUTPUT = 2500
ERROR_TITLE = b"\n----------ERROR-------\n"
OUTPUT_TRUNCATED = b"\n---Output truncated---"
ERROR_TRUNCATED = b"\n---Error truncated----"

MAX_STDOUT = 24000
MAX_STDERR = 8000
STREAM_TRUNCATED_SUFFIX = b"--output truncated--"

CAPTURE_LIMIT = 512 * 1024
"""Bytes of each stream kept in memory. The official agent's rules above look at most at the first
24,000 bytes; openssm's server also keeps the whole stream (up to this limit), which this agent
sends in the extra reply fields below when a stream is longer than the standard copy."""

FULL_STDOUT_FIELD = "openssmFullStandardOutput"
FULL_STDERR_FIELD = "openssmFullStandardError"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def truncate_output(stdout: bytes, stderr: bytes, capacity: int = MAX_PLUGIN_OUTPUT) -> str:
    """stdout, then (if there is stderr) the error title and stderr, within `capacity` bytes.

    When both are long each gets half of the space; otherwise the long one is cut to what the
    short one leaves. Note the strict `<`: output that exactly fills the space is still cut.
    """
    error_title = ERROR_TITLE if stderr else b""
    available = capacity - len(error_title)
    out_size, err_size = len(stdout), len(stderr)
    if out_size + err_size < available:
        return _text(stdout + error_title + stderr)
    if out_size > available // 2 and err_size > available // 2:
        size = available - len(ERROR_TRUNCATED) - len(OUTPUT_TRUNCATED)
        half = size // 2
        return _text(stdout[:half] + OUTPUT_TRUNCATED + error_title + stderr[:half] + ERROR_TRUNCATED)
    if out_size <= available // 2:
        size = available - len(ERROR_TRUNCATED)
        return _text(stdout + error_title + stderr[: size - out_size] + ERROR_TRUNCATED)
    size = available - len(OUTPUT_TRUNCATED)
    return _text(stdout[: size - err_size] + OUTPUT_TRUNCATED + error_title + stderr)


def full_text(data: bytes) -> str:
    return _text(data)


def string_prefix(data: bytes, max_length: int, suffix: bytes = STREAM_TRUNCATED_SUFFIX) -> str:
    """`data` if shorter than `max_length` bytes, else its start plus `suffix`, `max_length` in all."""
    if len(data) < max_length:
        return _text(data)
    if max_length > len(suffix):
        return _text(data[: max_length - len(suffix)] + suffix)
    return _text(suffix[:max_length])
