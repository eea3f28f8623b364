"""``--format json``: the report document as JSON."""

from __future__ import annotations

import json

from scdiag.models import DiagnosticReport
from scdiag.reporting.document import report_document

__all__ = ["render_json"]


def render_json(report: DiagnosticReport) -> str:
    """The report document, indented, with a trailing newline."""
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
