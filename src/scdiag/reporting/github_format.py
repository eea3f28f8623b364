"""``--format github``: annotations for a GitHub Actions log, and the step summary.

Standard output gets ``::error`` (or ``::notice``) workflow commands; when
``GITHUB_STEP_SUMMARY`` names a file, the Markdown report is appended to it.
"""

from __future__ import annotations

import os
from pathlib import Path

from scdiag.models import DiagnosticReport, DiagnosticStatus
from scdiag.reporting.markdown_format import render_markdown
from scdiag.reporting.sanitize import clean, clip

__all__ = ["render_github"]


def _data(text: str) -> str:
    # Workflow-command escaping: a message cannot end the command or start a new one.
    return clip(clean(text), 2000).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: DiagnosticReport) -> str:
    """Workflow commands for the log; the Markdown report goes to the step summary."""
    result = report.result
    lines = []
    cause = result.root_cause
    if result.status is DiagnosticStatus.HEALTHY:
        lines.append(f"::notice title={_property('scdiag: healthy')}::{_data(result.summary)}")
    elif cause is not None:
        title = f"scdiag: {cause.name} ({cause.confidence:.0%})"
        fix = f" Fix: {cause.solutions[0].title}." if cause.solutions else ""
        lines.append(f"::error title={_property(title)}::{_data(result.summary + fix)}")
        for item in cause.evidence[:3]:
            location = item.location
            file_part = f"file={_property(location.source)}," if location and location.line else ""
            line_part = f"line={location.line}," if location and location.line else ""
            lines.append(f"::warning {file_part}{line_part}title={_property('evidence')}::{_data(item.excerpt)}")
    else:
        lines.append(f"::error title={_property('scdiag: ' + result.status.value)}::{_data(result.summary)}")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with Path(summary_file).open("a", encoding="utf-8") as handle:
            handle.write(render_markdown(report) + "\n")
    return "\n".join(lines) + "\n"
