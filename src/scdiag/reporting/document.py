"""The JSON report document: a public contract with a schema version.

Field names here are stable; a change that removes or renames a field bumps
the major part of :data:`SCHEMA_VERSION`. JSON, YAML and every machine format
are renderings of this one document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scdiag.models import DiagnosticReport, DiagnosticResult, DiagnosticStatus, RootCause
from scdiag.serialization import unstructure

__all__ = ["SCHEMA_VERSION", "report_document"]

SCHEMA_VERSION = "1.0"


def _location(value: Any) -> Any:
    return None if value is None else {"source": value["source"], "line": value["line"]}


def _cause(cause: RootCause | None) -> dict[str, Any] | None:
    if cause is None:
        return None
    data: dict[str, Any] = unstructure(cause)
    data["evidence"] = [
        {
            "source": item["source"],
            "timestamp": item["timestamp"],
            "excerpt": item["excerpt"],
            "location": _location(item["location"]),
            "indicator": item["indicator"],
        }
        for item in data["evidence"]
    ]
    return data


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _offset(start: datetime | None, when: datetime | None) -> float | None:
    if start is None or when is None:
        return None
    return round((when - start).total_seconds(), 3)


def _start(result: DiagnosticResult) -> datetime | None:
    firsts = [e.first_seen or e.timestamp for e in result.timeline if (e.first_seen or e.timestamp) is not None]
    if result.request.start_time is not None:
        return result.request.start_time
    return min(firsts) if firsts else None  # type: ignore[type-var]


def report_document(report: DiagnosticReport) -> dict[str, Any]:
    """The report as the JSON document every machine format renders."""
    result = report.result
    start = _start(result)
    data = result.data
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "status": result.status.value,
        "healthy": result.status is DiagnosticStatus.HEALTHY,
        "summary": result.summary,
        "provider": result.request.provider,
        "service": result.request.service_name,
        "root_cause": _cause(result.root_cause),
        "secondary_causes": [_cause(c) for c in result.secondary_causes],
        "symptoms": [_cause(c) for c in result.symptoms],
        "timeline": [
            {
                "timestamp": _iso(e.first_seen or e.timestamp),
                "offset_seconds": _offset(start, e.first_seen or e.timestamp),
                "last_seen": e.timestamp.isoformat() if e.timestamp else None,
                "source": e.source,
                "level": e.level.value,
                "reason": e.reason,
                "message": e.message,
                "count": e.count,
            }
            for e in result.timeline
        ],
        "recommendations": unstructure(result.recommendations),
        "data_gaps": unstructure(data.gaps) if data else [],
        "inputs": unstructure(data.inputs) if data else [],
        "request": unstructure(result.request),
        "generated_at": result.generated_at.isoformat(),
        "detail": report.detail,
        "redacted": report.redacted,
        "versions": dict(report.versions),
    }
    if report.detail == "deep" and data is not None:
        document["data"] = unstructure(data)
    return document
