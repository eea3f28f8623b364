"""A provider for an imaginary platform: it returns what a failed deployment there looks like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from scdiag.models import EventData, LogData, LogEntry, MetricData, ServiceStatus
from scdiag.ports import CollectionScope


class ExampleProvider:
    """Implements scdiag.ports.DiagnosticProvider."""

    name: ClassVar[str] = "example"

    def __init__(self, config: Any) -> None:
        self.config = config

    def validate_credentials(self, request: Any) -> None:
        """The example platform needs none."""

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """One log line that the plugin's own pattern recognises."""
        entry = LogEntry(message="FATAL LICENSE EXPIRED on 2026-01-31, refusing to start", stream=scope.request.service_name)
        return [LogData(source="example-log", entries=(entry,), total_lines=1)]

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """No metrics on this platform."""
        return []

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """No events on this platform."""
        return []

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """Nothing runs."""
        return ServiceStatus(name=scope.request.service_name, desired_count=1, running_count=0)
