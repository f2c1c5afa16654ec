"""A Prometheus Alertmanager as the alarm source.

`GET <url>/api/v2/alerts?active=true&silenced=false&inhibited=false` lists the firing alerts; an
alarm name matches an alert's `alertname` label. An alert that is active (status.state "active":
neither silenced nor inhibited) means ALARM; no such alert means OK (Alertmanager cannot tell an
unknown name from a quiet one). Any HTTP or decoding failure is a poll failure for every name.
Basic authentication may be given in the URL (`https://user:password@host:9093`).
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from openssm.domain.alarms.configuration import AlarmReading
from openssm.domain.alarms.models import StateValue

log = logging.getLogger("openssm.alarms")

ALERTS_QUERY = "/api/v2/alerts?active=true&silenced=false&inhibited=false"


class AlertmanagerAlarmSource:
    kind = "alertmanager"
    remote = True

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        self._authorization: str | None = None
        if parts.username is not None:
            userinfo = f"{parts.username}:{parts.password or ''}"
            self._authorization = "Basic " + base64.b64encode(userinfo.encode()).decode()
            netloc = parts.hostname or ""
            if parts.port:
                netloc += f":{parts.port}"
            parts = parts._replace(netloc=netloc)
        self.url = urlunsplit(parts).rstrip("/")
        self._timeout = timeout

    def _firing(self) -> set[str]:
        request = urllib.request.Request(self.url + ALERTS_QUERY, headers={"Accept": "application/json"})
        if self._authorization:
            request.add_header("Authorization", self._authorization)
        with urllib.request.urlopen(request, timeout=self._timeout) as response:
            alerts: Any = json.loads(response.read())
        if not isinstance(alerts, list):
            raise ValueError("the alerts response is not a list")
        firing = set()
        for alert in alerts:
            status = alert.get("status") or {}
            if (
                status.get("state") == "active"
                and not status.get("silencedBy")
                and not status.get("inhibitedBy")
            ):
                name = (alert.get("labels") or {}).get("alertname")
                if name:
                    firing.add(name)
        return firing

    def read(self, account_id: str, names: Sequence[str]) -> dict[str, AlarmReading]:
        try:
            firing = self._firing()
        except urllib.error.HTTPError as error:
            kind = "permission denied" if error.code in (401, 403) else "error"
            reason = f"Reading alerts from {self.url} failed ({kind}): HTTP {error.code} {error.reason}"
            log.warning("%s", reason)
            return {name: AlarmReading.failed(reason) for name in names}
        except (OSError, ValueError, AttributeError) as error:
            reason = f"Reading alerts from {self.url} failed (source unreachable): {error}"
            log.warning("%s", reason)
            return {name: AlarmReading.failed(reason) for name in names}
        return {
            name: AlarmReading.of(StateValue.ALARM if name in firing else StateValue.OK) for name in names
        }
