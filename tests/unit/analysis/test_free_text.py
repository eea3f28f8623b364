"""Platform messages found in free text count, and ordinary lines that mention failure words do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import AnalysisConfig, DiagnosticsConfig
from scdiag.models import DiagnosticResult

HEALTHY_LINES = """2026-11-20T14:00:00Z INFO  starting orders-api 2.14.0
2026-11-20T14:00:01Z INFO  error budget remaining: 99.95%
2026-11-20T14:00:02Z WARN  request to payments timed out after 2s (attempt 1/3); retrying
2026-11-20T14:00:03Z INFO  connected to payments
2026-11-20T14:00:04Z INFO  memory usage 41% of limit (OOM guard at 90%)
2026-11-20T14:00:05Z INFO  worker 3 killed idle connection after 300s
2026-11-20T14:00:06Z INFO  0 errors, 0 warnings in the last report
2026-11-20T14:00:07Z DEBUG cache evicted 120 entries
2026-11-20T14:00:08Z INFO  GET /healthz 200 1.2ms
2026-11-20T14:00:09Z INFO  handled SIGTERM from a previous container; shutdown complete
"""


@pytest.fixture(scope="module", name="orchestrator")
def _orchestrator() -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator()


@pytest.fixture(scope="module", name="raw_orchestrator")
def _raw_orchestrator() -> DiagnosticOrchestrator:
    """Raw scores: the calibration maps neighbouring scores to one share."""
    return DiagnosticOrchestrator(config=DiagnosticsConfig(analysis=AnalysisConfig(calibrate=False)))


def _analyze(orchestrator: DiagnosticOrchestrator, tmp_path: Path, text: str) -> DiagnosticResult:
    target = tmp_path / "paste.txt"
    target.write_text(text, encoding="utf-8")
    return orchestrator.analyze_captures([str(target)])


def test_ordinary_lines_mentioning_failure_words_give_no_confident_cause(orchestrator: DiagnosticOrchestrator, tmp_path: Path) -> None:
    """Timeouts retried, OOM guards, killed idle connections, zero errors: nothing confident."""
    result = _analyze(orchestrator, tmp_path, HEALTHY_LINES)
    confidence = result.root_cause.confidence if result.root_cause else 0.0
    assert confidence < orchestrator.config.analysis.confidence_threshold, result.summary


def test_a_pasted_stopped_reason_is_diagnosed(orchestrator: DiagnosticOrchestrator, tmp_path: Path) -> None:
    """An ECS stopped reason pasted as a line of text names its cause."""
    line = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v2: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v2: not found\n"
    result = _analyze(orchestrator, tmp_path, line)
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"


def test_free_text_weighs_less_than_the_field(raw_orchestrator: DiagnosticOrchestrator, tmp_path: Path) -> None:
    """The same stopped reason in its describe-tasks field scores higher than pasted as text."""
    orchestrator = raw_orchestrator
    message = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref registry.example.com/shop/web:v2: registry.example.com/shop/web:v2: not found"
    as_text = _analyze(orchestrator, tmp_path, message + "\n")
    in_field = _analyze(
        orchestrator,
        tmp_path,
        '{"tasks": [{"taskArn": "arn:aws:ecs:eu-west-1:1:task/prod/abc", "lastStatus": "STOPPED", "desiredStatus": "STOPPED", '
        f'"stopCode": "TaskFailedToStart", "stoppedReason": "{message}", "containers": []}}], "failures": []}}\n',
    )
    assert in_field.root_cause is not None and as_text.root_cause is not None
    assert in_field.root_cause.pattern_id == as_text.root_cause.pattern_id == "image-not-found"
    assert in_field.root_cause.confidence > as_text.root_cause.confidence
