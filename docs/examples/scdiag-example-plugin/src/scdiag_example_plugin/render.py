"""A report format: the verdict in one line."""

from __future__ import annotations

from scdiag.models import DiagnosticReport


def render_oneline(report: DiagnosticReport) -> str:
    """``FAILED example-license-expired 90%``."""
    cause = report.result.root_cause
    detail = f" {cause.pattern_id} {cause.confidence:.0%}" if cause else ""
    return f"{report.result.status.value.upper()}{detail}\n"
