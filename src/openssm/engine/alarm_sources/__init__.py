"""Where alarm states come from: one interface (`AlarmStateProvider`), three implementations.

* `builtin` — the local alarms table (changes are pushed by the services, nothing is polled);
* `cloudwatch` — a remote CloudWatch-compatible endpoint, read with boto3 DescribeAlarms;
* `alertmanager` — a Prometheus Alertmanager, read with its v2 alerts API.
"""
