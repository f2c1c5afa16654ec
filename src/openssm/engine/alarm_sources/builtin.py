"""The built-in source: the alarms of this server's CloudWatch API, read from the database.

An alarm that does not exist in the account is a poll failure. Changes need no polling: the
alarm services publish `alarm:<account>:<name>` right after a state change commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from openssm.domain.alarms import repository as alarms_repo
from openssm.domain.alarms.configuration import AlarmReading
from openssm.store.engine import Database


class BuiltinAlarmSource:
    kind = "builtin"
    remote = False

    def __init__(self, db: Database) -> None:
        self._db = db

    def read(self, account_id: str, names: Sequence[str]) -> dict[str, AlarmReading]:
        with self._db.begin() as conn:
            return self.read_with(conn, account_id, names)

    def read_with(self, conn: Connection, account_id: str, names: Sequence[str]) -> dict[str, AlarmReading]:
        """Read in the caller's transaction (a worker deciding and dispatching in one commit)."""
        found = alarms_repo.states(conn, account_id, names)
        return {
            name: AlarmReading.of(found[name])
            if name in found
            else AlarmReading.failed(f"The alarm {name} does not exist.")
            for name in names
        }
