"""``--format yaml``: the report document as YAML."""

from __future__ import annotations

import yaml

from scdiag.models import DiagnosticReport
from scdiag.reporting.document import report_document

__all__ = ["render_yaml"]


def render_yaml(report: DiagnosticReport) -> str:
    """The report document as block-style YAML, keys in document order."""
    return yaml.safe_dump(report_document(report), sort_keys=False, allow_unicode=True, width=100)
