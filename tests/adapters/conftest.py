"""Helpers for the capture-reader tests: read one file through the installed readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.pipeline import read_captures
from scdiag.models import DiagnosticData

SCENARIOS = Path(__file__).resolve().parents[1] / "corpus" / "scenarios"


@pytest.fixture(scope="session", name="orchestrator")
def _orchestrator() -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator()


@pytest.fixture(name="read")
def _read(orchestrator: DiagnosticOrchestrator):  # type: ignore[no-untyped-def]
    """read(path, ...) -> DiagnosticData, through every installed reader."""

    def read(*paths: Path) -> DiagnosticData:
        collector = CaptureCollector(orchestrator.engine().log_matcher)  # type: ignore[attr-defined]
        data, _request = read_captures([str(p) for p in paths], orchestrator.host.capture_readers(), collector)
        return data

    return read
