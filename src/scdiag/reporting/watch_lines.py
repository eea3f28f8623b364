"""Watch events as lines: one JSON object per line (``--output jsonl``) or one line of text.

The JSON lines are the contract for a deploy tool in any language; their
schema is ``docs/watch-event-schema.json`` (:func:`watch_event_schema`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scdiag.models import DiagnosticEvent
from scdiag.reporting.sanitize import clean, clip
from scdiag.serialization import iso_timestamp, unstructure
from scdiag.watch import SCHEMA_VERSION, RolloutProgress, WatchEvent, WatchEventType

__all__ = ["watch_event_document", "watch_event_schema", "watch_event_text"]

Mask = Callable[[str], str]


def _event(event: DiagnosticEvent, mask: Mask) -> dict[str, Any]:
    return {
        "message": mask(event.message),
        "timestamp": iso_timestamp(event.timestamp) if event.timestamp else None,
        "source": event.source,
        "level": event.level.value,
        "reason": event.reason,
        "resource": event.resource,
        "instance": event.instance,
        "count": event.count,
    }


def watch_event_document(event: WatchEvent, mask: Mask, report: dict[str, Any] | None = None) -> dict[str, Any]:
    """One watch event as plain data; ``report`` is the report document of a ``report`` event."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "type": event.type.value,
        "poll": event.poll,
        "elapsed_seconds": event.elapsed,
        "at": iso_timestamp(event.at),
    }
    if event.progress is not None:
        document["progress"] = unstructure(event.progress)
    if event.event is not None:
        document["event"] = _event(event.event, mask)
    if event.verdict is not None:
        verdict = unstructure(event.verdict)
        verdict["summary"] = mask(verdict["summary"])
        document["verdict"] = verdict
    if event.type is WatchEventType.REPORT:
        document["report"] = report
    return document


def _counts(progress: RolloutProgress) -> str:
    parts = [f"{progress.ready if progress.ready is not None else '?'}/{progress.desired if progress.desired is not None else '?'} ready"]
    for label, value in (("running", progress.running), ("pending", progress.pending), ("failed", progress.failed)):
        if value:
            parts.append(f"{value} {label}")
    if progress.restarts:
        parts.append(f"{progress.restarts} restarts")
    if progress.outcome is not None:
        parts.append(progress.outcome.value.replace("_", " "))
    return ", ".join(parts)


def watch_event_text(event: WatchEvent, mask: Mask) -> str:
    """One line: elapsed time, what changed."""
    minutes, seconds = divmod(int(event.elapsed), 60)
    stamp = f"[{minutes:02d}:{seconds:02d}]"
    if event.progress is not None:
        return f"{stamp} rollout {event.progress.attempted or '?'}: {_counts(event.progress)}"
    if event.event is not None:
        happened = event.event
        level = f"{happened.level.value} " if happened.level.value != "normal" else ""
        reason = f"{happened.reason} " if happened.reason else ""
        where = f"{happened.resource}: " if happened.resource and happened.source != "watch" else ""
        return f"{stamp} {level}{reason}{where}{clip(clean(mask(happened.message)).replace(chr(10), ' '), 300)}"
    if event.verdict is not None:
        return f"{stamp} {event.verdict.outcome.value.upper()}: {clean(mask(event.verdict.summary))}"
    return f"{stamp} report"


def watch_event_schema() -> dict[str, Any]:
    """The JSON Schema of one ``--output jsonl`` line."""
    counts = {"type": ["integer", "null"], "minimum": 0}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "scdiag watch event",
        "description": "One line of `scdiag watch --output jsonl`: a change seen while watching a rollout. The last line is the report.",
        "type": "object",
        "required": ["schema_version", "type", "poll", "elapsed_seconds", "at"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "type": {"enum": [kind.value for kind in WatchEventType]},
            "poll": {"type": "integer", "minimum": 1},
            "elapsed_seconds": {"type": "number", "minimum": 0},
            "at": {"type": "string", "format": "date-time"},
            "progress": {
                "type": "object",
                "required": ["attempted", "restarts"],
                "properties": {
                    "attempted": {"type": ["string", "null"]},
                    "desired": counts,
                    "running": counts,
                    "ready": counts,
                    "pending": counts,
                    "failed": counts,
                    "restarts": {"type": "integer", "minimum": 0},
                    "outcome": {"enum": [None, "succeeded", "failed", "rolled_back", "in_progress", "not_started"]},
                },
            },
            "event": {
                "type": "object",
                "required": ["message", "source", "level"],
                "properties": {
                    "message": {"type": "string"},
                    "timestamp": {"type": ["string", "null"]},
                    "source": {"type": "string"},
                    "level": {"enum": ["normal", "warning", "error"]},
                    "reason": {"type": ["string", "null"]},
                    "resource": {"type": ["string", "null"]},
                    "instance": {"type": ["string", "null"]},
                    "count": {"type": "integer"},
                },
            },
            "verdict": {
                "type": "object",
                "required": ["outcome", "summary"],
                "properties": {
                    "outcome": {"enum": ["healthy", "failed", "doomed", "timeout", "nothing_collected"]},
                    "summary": {"type": "string"},
                    "pattern_id": {"type": ["string", "null"]},
                    "confidence": {"type": ["number", "null"]},
                    "seen_for": {"type": ["number", "null"]},
                },
            },
            "report": {"description": "The report document (docs/report-schema.json), on the `report` line.", "type": ["object", "null"]},
        },
        "allOf": [
            {"if": {"properties": {"type": {"const": "progress"}}}, "then": {"required": ["progress"]}},
            {"if": {"properties": {"type": {"const": "event"}}}, "then": {"required": ["event"]}},
            {"if": {"properties": {"type": {"const": "verdict"}}}, "then": {"required": ["verdict"]}},
            {"if": {"properties": {"type": {"const": "report"}}}, "then": {"required": ["report"]}},
        ],
    }


if __name__ == "__main__":
    import json
    import sys

    sys.stdout.write(json.dumps(watch_event_schema(), indent=2) + "\n")
