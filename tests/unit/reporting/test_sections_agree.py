"""Every format shows the same sections at each level of detail (scdiag.reporting.sections)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.models import DataGap, DiagnosticReport, DiagnosticResult, GapKind
from scdiag.reporting.sections import SECTIONS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8s-oom-kill"
FORMATS = ["text", "markdown", "html", "json", "yaml", "interactive", "github"]

# What stands for each section in a report: a piece of text only that section holds.
PROBES: dict[str, Callable[[DiagnosticReport], str]] = {
    "verdict": lambda r: r.result.summary[:40],
    "root_cause": lambda r: r.result.root_cause.name,  # type: ignore[union-attr]
    "evidence": lambda r: r.result.root_cause.evidence[0].excerpt[:40],  # type: ignore[union-attr]
    "fix": lambda r: r.result.root_cause.solutions[0].title,  # type: ignore[union-attr]
    "steps": lambda r: r.result.root_cause.solutions[0].steps[0][:30],  # type: ignore[union-attr]
    "learn_more": lambda r: r.result.root_cause.learn_more[0],  # type: ignore[union-attr]
    "symptoms": lambda r: r.result.symptoms[0].name,
    "secondary_causes": lambda r: r.result.secondary_causes[0].name,
    "timeline": lambda r: r.result.timeline[0].message[:40],
    "data_gaps": lambda r: r.result.data.gaps[0].reason,  # type: ignore[union-attr]
}


@pytest.fixture(scope="module", name="orchestrator")
def _orchestrator() -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator()


@pytest.fixture(scope="module", name="result")
def _result(orchestrator: DiagnosticOrchestrator) -> DiagnosticResult:
    """The OOM example, with an alternative cause and a data gap so every section has content."""
    result = orchestrator.analyze_captures([str(EXAMPLE)])
    assert result.root_cause is not None and result.data is not None and result.symptoms and result.timeline
    other = attrs.evolve(result.root_cause, pattern_id="runtime-heap-oom", name="The runtime ran out of heap before the limit", confidence=0.55)
    gap = DataGap("metrics", GapKind.UNAVAILABLE, "metrics.k8s.io is not installed in this cluster")
    return attrs.evolve(result, secondary_causes=(other,), data=attrs.evolve(result.data, gaps=(gap,)))


def _rendered(orchestrator: DiagnosticOrchestrator, result: DiagnosticResult, detail: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[DiagnosticReport, str]:
    generator = orchestrator.report_generator()
    report = generator.generate_report(result, detail)
    if fmt == "github":
        # The log gets annotations; the report itself is the step summary.
        summary = tmp_path / "summary.md"
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        generator.export_report(report, fmt)
        return report, html.unescape(summary.read_text()).replace("\\", "")
    out = generator.export_report(report, fmt)
    if fmt in ("json", "yaml"):
        out = json.dumps(json.loads(generator.export_report(report, "json")), ensure_ascii=False)
    return report, html.unescape(out).replace("\\", "")


@pytest.mark.parametrize("detail", ["summary", "details", "deep"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_shows_the_sections_of_its_level_and_no_other(orchestrator: DiagnosticOrchestrator, result: DiagnosticResult, detail: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Present exactly when scdiag.reporting.sections says so."""
    report, out = _rendered(orchestrator, result, detail, fmt, tmp_path, monkeypatch)
    flat = " ".join(out.split())
    shown = {section for section, probe in PROBES.items() if " ".join(probe(report).replace("\\", "").split()) in flat}
    assert shown == set(PROBES) & SECTIONS[detail]
