"""A deploy the platform refused before any rollout began is FAILED, even when the service is healthy.

The deploy command's error is the primary evidence; the healthy service it
left untouched is named as what still serves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.models import DiagnosticStatus, RolloutOutcome
from tests.adapters.conftest import SCENARIOS

CASES = {
    "ecs": (
        "ecs-healthy",
        "$ aws ecs register-task-definition --cli-input-json file://taskdef.json\n\n"
        "An error occurred (ClientException) when calling the RegisterTaskDefinition operation: Invalid 'cpu' setting for task.\n",
        "invalid-task-definition",
    ),
    "cloud-run": (
        "cr-healthy",
        "Deploying container to Cloud Run service [web] in project [acme-prod] region [europe-west1]\n"
        "X Deploying...\n"
        "Deployment failed\n"
        "ERROR: (gcloud.run.deploy) INVALID_ARGUMENT: Invalid value specified for memory. For 1.0 CPU, memory must be between 128Mi and 4Gi inclusive.\n",
        "invalid-task-definition",
    ),
    "container-apps": (
        "aca-healthy",
        "ERROR: (ContainerAppInvalidResourceTotal) The total requested CPU and memory resources for this application "
        "(CPU: 3.0, memory: 4.0Gi) is invalid. Total CPU and memory for all containers defined in a Container App must add up "
        "to one of the following CPU - Memory combinations: [cpu: 0.25, memory: 0.5Gi]; [cpu: 0.5, memory: 1.0Gi]\n",
        "invalid-task-definition",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_refused_deploy_is_failed_and_the_serving_rollout_named(case: str, tmp_path: Path) -> None:
    """FAILED with the refusal as the attempt and its cause, from the deploy command's own output."""
    scenario, error_text, expected = CASES[case]
    for path in (SCENARIOS / scenario).iterdir():
        if path.name != "label.yaml":
            shutil.copy(path, tmp_path / path.name)
    (tmp_path / "deploy-output.txt").write_text(error_text, encoding="utf-8")
    result = DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert result.status is DiagnosticStatus.FAILED, result.summary
    assert result.rollout.outcome is RolloutOutcome.NOT_STARTED
    assert "the deploy was refused before any rollout started" in result.summary
    assert result.root_cause.pattern_id == expected
    assert any("deploy-output.txt" in str(e.location) for e in result.root_cause.evidence)
