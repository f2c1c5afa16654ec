"""Output truncation exactly as the official agent's iohandler.TruncateOutput and StringPrefix."""

from __future__ import annotations

from openssm.agent.output import string_prefix, truncate_output

TITLE = "\n----------ERROR-------\n"
OUT_MARK = "\n---Output truncated---"
ERR_MARK = "\n---Error truncated----"


def test_short_output_is_stdout_then_error_title_then_stderr() -> None:
    assert truncate_output(b"hello\n", b"oops\n") == "hello\n" + TITLE + "oops\n"
    assert truncate_output(b"hello\n", b"") == "hello\n"
    assert truncate_output(b"", b"oops") == TITLE + "oops"


def test_long_stdout_alone_is_cut_to_2500_with_the_output_marker() -> None:
    result = truncate_output(b"a" * 10000, b"")
    assert result == "a" * (2500 - len(OUT_MARK)) + OUT_MARK
    assert len(result) == 2500


def test_exactly_full_output_is_still_cut_because_the_check_is_strict() -> None:
    result = truncate_output(b"a" * 2500, b"")
    assert result.endswith(OUT_MARK)
    assert len(result) == 2500
    assert truncate_output(b"a" * 2499, b"") == "a" * 2499


def test_both_long_get_half_of_the_space_each() -> None:
    result = truncate_output(b"o" * 5000, b"e" * 5000)
    available = 2500 - len(TITLE)
    half = (available - len(ERR_MARK) - len(OUT_MARK)) // 2
    assert result == "o" * half + OUT_MARK + TITLE + "e" * half + ERR_MARK
    assert half == 1215


def test_long_stderr_with_short_stdout_cuts_only_stderr() -> None:
    result = truncate_output(b"o" * 100, b"e" * 5000)
    available = 2500 - len(TITLE)
    assert result == "o" * 100 + TITLE + "e" * (available - len(ERR_MARK) - 100) + ERR_MARK
    assert len(result) == 2500


def test_long_stdout_with_short_stderr_cuts_only_stdout() -> None:
    result = truncate_output(b"o" * 5000, b"e" * 100)
    available = 2500 - len(TITLE)
    assert result == "o" * (available - len(OUT_MARK) - 100) + OUT_MARK + TITLE + "e" * 100
    assert len(result) == 2500


def test_lengths_are_bytes_and_a_cut_character_becomes_a_replacement_character() -> None:
    result = truncate_output("é".encode() * 2000, b"")
    assert result.endswith(OUT_MARK)
    assert "\ufffd" in result or len(result.encode()) <= 2500


def test_standard_output_prefix_keeps_24000_with_the_suffix() -> None:
    assert string_prefix(b"x" * 23999, 24000) == "x" * 23999
    cut = string_prefix(b"x" * 24000, 24000)
    assert cut == "x" * (24000 - 20) + "--output truncated--"
    assert len(string_prefix(b"y" * 100000, 8000)) == 8000
