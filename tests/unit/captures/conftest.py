"""Fixtures shared by the capture tests."""

from __future__ import annotations

import pytest

from scdiag.analysis.logscan import LogMatcher
from scdiag.app import DiagnosticOrchestrator


@pytest.fixture(scope="module", name="matcher")
def _matcher() -> LogMatcher:
    """The knowledge base's log matcher, as an analysis builds it."""
    matcher: LogMatcher = DiagnosticOrchestrator().engine().log_matcher  # type: ignore[attr-defined]
    return matcher
