"""The shipped examples give the diagnosis examples/README.md promises."""

from __future__ import annotations

from pathlib import Path

import pytest

import scdiag

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXPECTED = {
    "k8s-oom-kill": "container-oom-kill",
    "k8s-healthy-rollout": None,
    "ecs-health-check-404": "lb-health-check-failure",
    "cloud-run-missing-env": "container-missing-config",
    "container-apps-image-not-found": "image-not-found",
    "k8s-pasted-session": "k8s-create-container-config-error",
    "ecs-console-stopped-task": "image-pull-auth-failure",
    "cloud-run-yaml": "container-dependency-missing",
    "container-apps-portal-logs": "container-oom-kill",
}


def test_every_example_is_listed() -> None:
    """No example directory without an expectation, and none missing."""
    assert {p.name for p in EXAMPLES.iterdir() if p.is_dir()} == set(EXPECTED)


@pytest.mark.parametrize(("case", "expected"), EXPECTED.items())
def test_each_example_gives_its_diagnosis(case: str, expected: str | None) -> None:
    """The root cause (or health) each example is shipped for."""
    result = scdiag.analyze_captures([EXAMPLES / case])
    if expected is None:
        assert result.status is scdiag.DiagnosticStatus.HEALTHY
    else:
        assert result.root_cause is not None and result.root_cause.pattern_id == expected
        assert result.root_cause.confidence >= 0.7
        assert all(item.location is not None for item in result.root_cause.evidence if item.source != "config")
