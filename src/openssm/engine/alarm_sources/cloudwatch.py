"""A remote CloudWatch-compatible endpoint (AWS itself, or another server) as the alarm source.

Alarms are read with DescribeAlarms (metric and composite alarms, 100 names a call) using the
source's own endpoint, region and credentials (settings `cloudwatch_*`; without keys, boto3's
default credential chain). A name DescribeAlarms does not return is a poll failure ("not found"),
as is any error: access denied, throttling, an unreachable endpoint or a timeout.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from openssm.domain.alarms.configuration import AlarmReading
from openssm.domain.alarms.models import StateValue

log = logging.getLogger("openssm.alarms")

PAGE = 100
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
}


class CloudWatchAlarmSource:
    kind = "cloudwatch"
    remote = True

    def __init__(
        self,
        *,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.endpoint_url = endpoint_url or None
        self.region = region
        self._credentials = (access_key_id or None, secret_access_key or None)
        self._timeout = timeout
        self._client: Any = None
        self._lock = threading.Lock()

    def _cloudwatch(self) -> Any:
        with self._lock:
            if self._client is None:
                key, secret = self._credentials
                self._client = boto3.session.Session().client(
                    "cloudwatch",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    aws_access_key_id=key,
                    aws_secret_access_key=secret,
                    config=Config(
                        connect_timeout=self._timeout,
                        read_timeout=self._timeout,
                        retries={"max_attempts": 2, "mode": "standard"},
                    ),
                )
            return self._client

    @property
    def where(self) -> str:
        return self.endpoint_url or f"CloudWatch in {self.region}"

    def read(self, account_id: str, names: Sequence[str]) -> dict[str, AlarmReading]:
        wanted = list(dict.fromkeys(names))
        states: dict[str, StateValue] = {}
        try:
            client = self._cloudwatch()
            for i in range(0, len(wanted), PAGE):
                kwargs: dict[str, Any] = {
                    "AlarmNames": wanted[i : i + PAGE],
                    "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
                    "MaxRecords": PAGE,
                }
                while True:
                    page = client.describe_alarms(**kwargs)
                    for alarm in (*page.get("MetricAlarms", ()), *page.get("CompositeAlarms", ())):
                        states[alarm["AlarmName"]] = StateValue(alarm["StateValue"])
                    if not page.get("NextToken"):
                        break
                    kwargs["NextToken"] = page["NextToken"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            kind = "permission denied" if code in _DENIED or status in (401, 403) else "error"
            reason = f"Reading alarms from {self.where} failed ({kind}): {code}: {message}"
            log.warning("%s", reason)
            return {name: AlarmReading.failed(reason) for name in wanted}
        except (BotoCoreError, ValueError) as error:
            reason = f"Reading alarms from {self.where} failed (source unreachable): {error}"
            log.warning("%s", reason)
            return {name: AlarmReading.failed(reason) for name in wanted}
        return {
            name: AlarmReading.of(states[name])
            if name in states
            else AlarmReading.failed(f"The alarm {name} was not found in {self.where}.")
            for name in wanted
        }
