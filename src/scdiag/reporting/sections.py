"""Which sections a report shows at each level of detail: one rule for every format.

- ``summary``: the verdict, the rollout, the root cause with its strongest
  evidence, its first fix and a link, and the data gaps;
- ``details``: also the symptoms, the other possible causes, every fix with its
  steps, the resources and the timeline;
- ``deep``: also what was collected, and the versions.

Text, Markdown, HTML, interactive, JSON and YAML (and the GitHub step summary,
which is the Markdown report) all read :func:`shows`, and a test compares them
section by section.
"""

from __future__ import annotations

from scdiag.models import DiagnosticReport

__all__ = ["SECTIONS", "shows"]

_SUMMARY = frozenset({"verdict", "rollout", "root_cause", "evidence", "fix", "learn_more", "data_gaps"})
_DETAILS = _SUMMARY | {"symptoms", "secondary_causes", "steps", "resources", "timeline"}
SECTIONS = {"summary": _SUMMARY, "details": _DETAILS, "deep": _DETAILS | {"collected", "versions"}}


def shows(report: DiagnosticReport, section: str) -> bool:
    """Whether ``report`` shows ``section`` at its level of detail."""
    return section in SECTIONS.get(report.detail, _SUMMARY)
