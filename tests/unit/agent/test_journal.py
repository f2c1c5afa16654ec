"""The command journal: a command started once is never started again, even after a restart."""

from __future__ import annotations

import stat
from pathlib import Path

from openssm.agent.journal import CommandJournal, JournalState


def test_a_command_can_be_started_only_once_even_after_reload(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = CommandJournal(path, retention=3600)
    assert journal.start("c1", "aws.ssm.c1.mi-1")
    assert not journal.start("c1", "aws.ssm.c1.mi-1")
    again = CommandJournal(path, retention=3600)
    assert again.state("c1") is JournalState.STARTED
    assert not again.start("c1", "aws.ssm.c1.mi-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_started_but_unfinished_commands_are_found_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = CommandJournal(path, retention=3600)
    journal.start("done", "aws.ssm.done.mi-1")
    journal.finish("done", "aws.ssm.done.mi-1")
    journal.start("interrupted", "aws.ssm.interrupted.mi-1")
    again = CommandJournal(path, retention=3600)
    assert [(e.command_id, e.message_id) for e in again.unfinished()] == [
        ("interrupted", "aws.ssm.interrupted.mi-1")
    ]
    assert again.state("done") is JournalState.FINISHED


def test_old_entries_are_forgotten_and_the_file_compacted(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    clock = [1000.0]
    journal = CommandJournal(path, retention=100, now=lambda: clock[0])
    journal.start("old", "m-old")
    journal.finish("old", "m-old")
    clock[0] = 2000.0
    journal.start("new", "m-new")
    again = CommandJournal(path, retention=100, now=lambda: clock[0])
    assert again.state("old") is None
    assert again.state("new") is JournalState.STARTED
    assert len(path.read_text().splitlines()) == 1


def test_unreadable_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text('not json\n{"command_id":"c","message_id":"m","state":"finished","at":9999999999}\n')
    journal = CommandJournal(path, retention=10)
    assert journal.state("c") is JournalState.FINISHED
