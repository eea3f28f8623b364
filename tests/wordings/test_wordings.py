"""Each runtime's own wording of each cause is named as that cause (tests/wordings/wordings.yaml).

A wrong listen address only shows as a failure beside the platform's word that the port
did not answer, so those entries are analysed with a readiness-probe event beside them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import scdiag
from scdiag import DiagnosticStatus

CATALOGUE = yaml.safe_load((Path(__file__).parent / "wordings.yaml").read_text(encoding="utf-8"))

PROBE_EVENTS = """LAST SEEN   TYPE      REASON      OBJECT                 MESSAGE
40s         Warning   Unhealthy   pod/web-6c9f7d-2xk4p   Readiness probe failed: Get "http://10.244.2.17:8080/healthz": dial tcp 10.244.2.17:8080: connect: connection refused
"""

CASES = [
    pytest.param(cause, entry, id=f"{cause}-{entry['runtime']}-{index}")
    for cause, block in CATALOGUE.items()
    for index, entry in enumerate(block["wordings"])
]


@pytest.fixture(scope="module")
def orchestrator() -> scdiag.DiagnosticOrchestrator:
    return scdiag.DiagnosticOrchestrator()


@pytest.mark.parametrize(("cause", "entry"), CASES)
def test_the_runtime_wording_names_its_cause(cause: str, entry: dict[str, str], orchestrator: scdiag.DiagnosticOrchestrator, tmp_path: Path) -> None:
    log = tmp_path / "container.log"
    log.write_text(entry["log"], encoding="utf-8")
    inputs = [str(log)]
    if cause == "wrong-listen-address":
        events = tmp_path / "events.txt"
        events.write_text(PROBE_EVENTS, encoding="utf-8")
        inputs.append(str(events))
    result = orchestrator.analyze_captures(inputs)
    expected = CATALOGUE[cause]["expected"]
    if expected == "healthy":
        threshold = orchestrator.config.analysis.confidence_threshold
        assert result.root_cause is None or result.root_cause.pattern_id == "unknown" or result.root_cause.confidence < threshold, result.summary
        return
    assert result.status is not DiagnosticStatus.HEALTHY
    assert result.root_cause is not None
    assert result.root_cause.pattern_id == expected, result.summary
    assert result.root_cause.confidence >= orchestrator.config.analysis.confidence_threshold, result.summary
