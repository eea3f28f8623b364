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


@pytest.fixture(name="read_text")
def _read_text(read, tmp_path: Path):  # type: ignore[no-untyped-def]
    """read_text(text) -> DiagnosticData: ``text`` saved as a file, read through every installed reader."""

    def read_text(text: str, name: str = "paste.txt") -> DiagnosticData:
        target = tmp_path / name
        target.write_text(text, encoding="utf-8")
        data: DiagnosticData = read(target)
        return data

    return read_text


@pytest.fixture(name="diagnose_text")
def _diagnose_text(orchestrator: DiagnosticOrchestrator, tmp_path: Path):  # type: ignore[no-untyped-def]
    """diagnose_text(text) -> DiagnosticResult of ``scdiag analyze`` on ``text`` saved as a file."""

    def diagnose_text(text: str, name: str = "paste.txt"):  # type: ignore[no-untyped-def]
        target = tmp_path / name
        target.write_text(text, encoding="utf-8")
        return orchestrator.analyze_captures([str(target)])

    return diagnose_text
