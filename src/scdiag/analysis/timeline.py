"""The timeline: events, state changes and matched evidence from every source, in order.

Repeated rows (the same reason and message from the same source) fold into one
with a count, so a back-off event seen forty times is one row marked x40.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from scdiag.models import DiagnosticData, DiagnosticEvent, EventLevel, Evidence

__all__ = ["build_timeline"]

_MAX_ROWS = 200


def _status_events(data: DiagnosticData) -> Iterable[DiagnosticEvent]:
    if data.status is None:
        return
    for instance in data.status.instances:
        if instance.stopped_at is not None:
            message = instance.message or instance.reason or "stopped"
            yield DiagnosticEvent(message=f"{instance.kind} {instance.id} stopped: {message}", timestamp=instance.stopped_at, source="status", level=EventLevel.WARNING, reason=instance.reason, instance=instance.id)
        for container in instance.containers:
            for term in (container.termination, container.last_termination):
                if term is not None and term.finished_at is not None:
                    detail = ", ".join(x for x in (term.reason, f"exit code {term.exit_code}" if term.exit_code is not None else None) if x)
                    yield DiagnosticEvent(message=f"{instance.kind} {instance.id} container {container.name} terminated ({detail})", timestamp=term.finished_at, source="status", level=EventLevel.WARNING, reason=term.reason, instance=instance.id)


def _evidence_events(evidence: Iterable[Evidence]) -> Iterable[DiagnosticEvent]:
    for item in evidence:
        if item.timestamp is not None and item.source in ("log", "metric"):
            yield DiagnosticEvent(message=item.excerpt, timestamp=item.timestamp, source=item.source, level=EventLevel.ERROR, location=item.location)


def build_timeline(data: DiagnosticData, evidence: Iterable[Evidence]) -> tuple[DiagnosticEvent, ...]:
    """Every timed event of the diagnosis, oldest first, duplicates folded."""
    rows: dict[tuple[str, str | None, str], DiagnosticEvent] = {}
    candidates = [e for events in data.events for e in events.events]
    candidates += list(_status_events(data))
    candidates += list(_evidence_events(evidence))
    for event in candidates:
        if event.timestamp is None:
            continue
        key = (event.source, event.reason, event.message)
        seen = rows.get(key)
        if seen is None:
            rows[key] = event
            continue
        assert seen.timestamp is not None
        first = min(_first(seen), _first(event))
        last = max(seen.timestamp, event.timestamp)
        rows[key] = DiagnosticEvent(
            message=seen.message, timestamp=last, source=seen.source, level=seen.level, reason=seen.reason,
            resource=seen.resource, instance=seen.instance, count=seen.count + event.count, first_seen=first,
            location=seen.location, attributes=seen.attributes,
        )
    ordered = sorted(rows.values(), key=lambda e: _first(e))
    return tuple(ordered[-_MAX_ROWS:])


def _first(event: DiagnosticEvent) -> datetime:
    assert event.timestamp is not None
    return event.first_seen or event.timestamp
