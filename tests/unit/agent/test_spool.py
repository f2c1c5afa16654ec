"""The reply spool: undelivered replies persist, are resent in order, and expire after 2 hours."""

from __future__ import annotations

from pathlib import Path

import pytest

from openssm.agent.spool import ReplySpool, SpooledReply
from openssm.agent.transport import AwsError, TransportError


def test_spooled_replies_survive_a_restart_and_are_resent_in_order(tmp_path: Path) -> None:
    clock = [100.0]
    spool = ReplySpool(tmp_path / "replies", now=lambda: clock[0])
    for n in range(3):
        spool.add(SpooledReply("aws.ssm.c.mi-1", f"reply-{n}", f'{{"n":{n}}}', clock[0]))
    again = ReplySpool(tmp_path / "replies", now=lambda: clock[0])
    assert again.has_pending_for("aws.ssm.c.mi-1")
    sent: list[str] = []
    assert again.flush(lambda r: sent.append(r.reply_id), force=True) == 3
    assert sent == ["reply-0", "reply-1", "reply-2"]
    assert again.pending() == []


def test_a_failing_send_keeps_the_rest_and_backs_off(tmp_path: Path) -> None:
    clock = [0.0]
    spool = ReplySpool(tmp_path / "r", retry_min=10, retry_max=40, now=lambda: clock[0])
    spool.add(SpooledReply("m", "r1", "{}", 0.0))
    spool.add(SpooledReply("m", "r2", "{}", 0.0))

    def down(_: SpooledReply) -> None:
        raise TransportError("connection refused")

    assert spool.flush(down, force=True) == 0
    assert len(spool.pending()) == 2
    assert not spool.due()
    clock[0] = 10.0
    assert spool.due()
    spool.flush(down)
    clock[0] = 25.0
    assert not spool.due()  # the delay doubled to 20
    clock[0] = 30.0
    assert spool.flush(lambda r: None) == 2


def test_replies_older_than_two_hours_are_dropped(tmp_path: Path) -> None:
    clock = [0.0]
    spool = ReplySpool(tmp_path / "r", max_age=7200, now=lambda: clock[0])
    spool.add(SpooledReply("m", "old", "{}", 0.0))
    clock[0] = 7201.0
    spool.add(SpooledReply("m", "new", "{}", 7201.0))
    sent: list[str] = []
    spool.flush(lambda r: sent.append(r.reply_id), force=True)
    assert sent == ["new"]


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        (AwsError("InvalidMessageIdException", "unknown", 400), False),
        (AwsError("InternalServerException", "oops", 500), True),
        (AwsError("ExpiredTokenException", "expired", 400), True),
    ],
)
def test_refused_replies_are_dropped_but_retryable_ones_kept(
    tmp_path: Path, error: AwsError, kept: bool
) -> None:
    spool = ReplySpool(tmp_path / "r")
    spool.add(SpooledReply("m", "r1", "{}", spool.now()))

    def refuse(_: SpooledReply) -> None:
        raise error

    spool.flush(refuse, force=True)
    assert bool(spool.pending()) is kept
