"""What deploy tools print when a deploy fails (Terraform, Helm, azd, Copilot), pasted whole, is diagnosed.

The inputs under tool_errors/ are written here in the shape each tool prints
its errors (box-drawn Terraform diagnostics, azd's RESPONSE block with the ARM
error body, Copilot's resource list, a terminal session around Helm).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scdiag.models import DiagnosticStatus, RolloutOutcome

HERE = Path(__file__).resolve().parent / "tool_errors"


@pytest.mark.parametrize(
    ("paste", "cause", "service"),
    [
        ("terraform-cloud-run.txt", "container-not-listening-on-port", "web"),
        ("helm-atomic-session.txt", "container-dependency-missing", None),
        ("azd-deploy.txt", "containerapp-secret-reference-missing", "ca-api"),
        ("copilot-deploy.txt", "image-not-found", None),
    ],
)
def test_a_deploy_tools_error_is_diagnosed(orchestrator, paste: str, cause: str, service: str | None) -> None:  # type: ignore[no-untyped-def]
    """FAILED with the cause the tool's text states; the service named when the text names it."""
    result = orchestrator.analyze_captures([str(HERE / paste)])
    assert result.status is DiagnosticStatus.FAILED
    assert result.root_cause is not None and result.root_cause.pattern_id == cause
    if service is not None:
        assert result.request.service_name == service


def test_an_arm_refusal_is_not_started_and_quotes_the_error_body(orchestrator) -> None:  # type: ignore[no-untyped-def]
    """azd's 400: no revision was created; the reason carries ARM's message, not only its code."""
    result = orchestrator.analyze_captures([str(HERE / "azd-deploy.txt")])
    assert result.rollout is not None and result.rollout.outcome is RolloutOutcome.NOT_STARTED
    assert "SecretRef 'db-password' defined for container 'api' not found" in (result.rollout.reason or "")
    assert result.rollout.attempted == "deploy (refused)"


def test_terraform_names_the_revision_that_failed(orchestrator) -> None:  # type: ignore[no-untyped-def]
    """The revision in the Ready message is the attempt."""
    result = orchestrator.analyze_captures([str(HERE / "terraform-cloud-run.txt")])
    assert result.request.deployment_id == "web-00012-kiv"
