"""The built-in CloudWatch: metric alarms evaluated for real, metric data, and the alarm
configuration that SSM capabilities (Run Command, associations, Automation, maintenance windows)
are gated by."""
