"""The JSON report document: a public contract with a schema version.

The document is made of the attrs classes below; JSON, YAML and the other
machine formats are renderings of it, and ``docs/report-schema.json`` is
generated from the same classes (:func:`scdiag.reporting.schema.report_schema`).
Field names are stable: removing or renaming one bumps the major part of
:data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from scdiag._records import record
from scdiag.models import (
    DataGap,
    DiagnosticData,
    DiagnosticReport,
    DiagnosticRequest,
    DiagnosticResult,
    DiagnosticStatus,
    InputRecord,
    Recommendation,
    RolloutVerdict,
    RootCause,
    Solution,
    SourceLocation,
)
from scdiag.serialization import unstructure

from scdiag.reporting.sections import shows

__all__ = ["SCHEMA_VERSION", "CauseDocument", "EvidenceDocument", "ReportDocument", "TimelineRow", "build_document", "report_document"]

SCHEMA_VERSION = "1.2"


@record
class EvidenceDocument:
    """One evidence line."""

    source: str
    """``log``, ``event``, ``status``, ``load-balancer``, ``metric`` or ``config``."""
    excerpt: str
    timestamp: datetime | None
    location: SourceLocation | None
    """Capture file and line, or the API it came from."""
    indicator: str
    context: tuple[str, ...]
    """For a log line: the lines around it, the line itself included."""


@record
class CauseDocument:
    """A root cause, a secondary cause or a symptom."""

    pattern_id: str
    name: str
    category: str
    severity: str
    confidence: float
    description: str
    evidence: tuple[EvidenceDocument, ...]
    solutions: tuple[Solution, ...]
    prevention: tuple[str, ...]
    learn_more: tuple[str, ...]
    guess: bool
    """True when the cause is the statistical classifier's guess."""


@record
class TimelineRow:
    """One row of the merged timeline (repeats folded into ``count``)."""

    timestamp: datetime | None
    offset_seconds: float | None
    """Seconds since the start of the diagnosed window (or the first row)."""
    last_seen: datetime | None
    source: str
    level: str
    reason: str | None
    message: str
    count: int


@record
class ReportDocument:
    """The whole report."""

    schema_version: str
    status: DiagnosticStatus
    healthy: bool
    summary: str
    provider: str
    service: str
    rollout: RolloutVerdict | None
    """The attempted rollout, what serves now, its outcome and the checks behind the verdict."""
    root_cause: CauseDocument | None
    secondary_causes: tuple[CauseDocument, ...]
    symptoms: tuple[CauseDocument, ...]
    timeline: tuple[TimelineRow, ...]
    recommendations: tuple[Recommendation, ...]
    data_gaps: tuple[DataGap, ...]
    inputs: tuple[InputRecord, ...]
    request: DiagnosticRequest
    generated_at: datetime
    collected_at: datetime | None
    """When the data was collected (long before ``generated_at`` when ``from_cache``)."""
    from_cache: bool
    detail: str
    redacted: bool
    versions: Mapping[str, str]
    data: DiagnosticData | None = None
    """Everything collected; only in ``deep`` reports."""


def _cause(cause: RootCause, steps: bool = True) -> CauseDocument:
    return CauseDocument(
        pattern_id=cause.pattern_id,
        name=cause.name,
        category=cause.category,
        severity=cause.severity.value,
        confidence=cause.confidence,
        description=cause.description,
        evidence=tuple(EvidenceDocument(e.source, e.excerpt, e.timestamp, e.location, e.indicator, e.context) for e in cause.evidence),
        solutions=cause.solutions if steps else tuple(attrs.evolve(s, steps=()) for s in cause.solutions),
        prevention=cause.prevention,
        learn_more=cause.learn_more,
        guess=cause.guess,
    )


def _start(result: DiagnosticResult) -> datetime | None:
    """The deployment's start: the current rollout's creation, else the window's start, else the first row."""
    status = result.data.status if result.data else None
    rollout = status.current_rollout() if status else None
    if rollout is not None and rollout.created_at is not None:
        return rollout.created_at
    if result.request.start_time is not None:
        return result.request.start_time
    firsts = [when for e in result.timeline if (when := e.first_seen or e.timestamp) is not None]
    return min(firsts) if firsts else None


def build_document(report: DiagnosticReport) -> ReportDocument:
    """The report document of a (redacted) report."""
    result = report.result
    start = _start(result)
    data = result.data
    timeline = []
    for event in result.timeline:
        when = event.first_seen or event.timestamp
        offset = round((when - start).total_seconds(), 3) if when is not None and start is not None else None
        timeline.append(TimelineRow(when, offset, event.timestamp, event.source, event.level.value, event.reason, event.message, event.count))
    return ReportDocument(
        schema_version=SCHEMA_VERSION,
        status=result.status,
        healthy=result.status is DiagnosticStatus.HEALTHY,
        summary=result.summary,
        provider=result.request.provider,
        service=result.request.service_name,
        rollout=result.rollout,
        root_cause=_cause(result.root_cause, steps=shows(report, "steps")) if result.root_cause is not None else None,
        secondary_causes=tuple(_cause(c) for c in result.secondary_causes) if shows(report, "secondary_causes") else (),
        symptoms=tuple(_cause(c) for c in result.symptoms) if shows(report, "symptoms") else (),
        timeline=tuple(timeline) if shows(report, "timeline") else (),
        recommendations=result.recommendations,
        data_gaps=data.gaps if data else (),
        inputs=data.inputs if data else (),
        request=result.request,
        generated_at=result.generated_at,
        collected_at=data.collected_at if data else None,
        from_cache=bool(data and data.from_cache),
        detail=report.detail,
        redacted=report.redacted,
        versions=dict(report.versions),
        data=data if report.detail == "deep" else None,
    )


def report_document(report: DiagnosticReport) -> dict[str, Any]:
    """The report document as plain JSON-able data."""
    document: dict[str, Any] = unstructure(build_document(report))
    return document
