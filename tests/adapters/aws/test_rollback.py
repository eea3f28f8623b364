"""A deployment the circuit breaker rolled back is the failed attempt, not the healthy service it left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.models import DiagnosticStatus, RolloutOutcome

FAILED = "ecs-svc/4711802958221030812"
ROLLBACK = "ecs-svc/5500112233445566778"
PULL_DENIED = (
    "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
    "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.15.0: pulling from host "
    "111122223333.dkr.ecr.eu-west-1.amazonaws.com failed with status code [manifests 2.15.0]: 403 Forbidden"
)


def _services(deployments: list[dict[str, object]]) -> dict[str, object]:
    return {
        "services": [
            {
                "serviceArn": "arn:aws:ecs:eu-west-1:111122223333:service/prod/web",
                "serviceName": "web",
                "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod",
                "status": "ACTIVE",
                "desiredCount": 2,
                "runningCount": 2,
                "pendingCount": 0,
                "deployments": deployments,
                "events": [
                    {"id": "e4", "createdAt": "2026-11-20T14:12:00Z", "message": "(service web) has reached a steady state."},
                    {"id": "e3", "createdAt": "2026-11-20T14:10:03Z", "message": f"(service web) rolling back to deployment {ROLLBACK}."},
                    {"id": "e2", "createdAt": "2026-11-20T14:10:02Z", "message": f"(service web) (deployment {FAILED}) deployment failed: tasks failed to start."},
                    {"id": "e1", "createdAt": "2026-11-20T14:01:45Z", "message": "(service web) has started 2 tasks: (task 3f1c9e7a) (task 8a2b4c6d)."},
                ],
            }
        ],
        "failures": [],
    }


ROLLED_BACK_PRIMARY = {
    "id": ROLLBACK,
    "status": "PRIMARY",
    "taskDefinition": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:41",
    "desiredCount": 2,
    "pendingCount": 0,
    "runningCount": 2,
    "failedTasks": 0,
    "createdAt": "2026-11-20T14:10:03Z",
    "rolloutState": "COMPLETED",
    "rolloutStateReason": f"ECS deployment {ROLLBACK} completed.",
}
FAILED_DEPLOYMENT = {
    "id": FAILED,
    "status": "ACTIVE",
    "taskDefinition": "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42",
    "desiredCount": 0,
    "pendingCount": 0,
    "runningCount": 0,
    "failedTasks": 6,
    "createdAt": "2026-11-20T14:00:00Z",
    "rolloutState": "FAILED",
    "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.",
}


def _task(task_id: str, started_by: str, *, stopped: bool) -> dict[str, object]:
    task: dict[str, object] = {
        "taskArn": f"arn:aws:ecs:eu-west-1:111122223333:task/prod/{task_id}",
        "group": "service:web",
        "startedBy": started_by,
        "lastStatus": "STOPPED" if stopped else "RUNNING",
        "desiredStatus": "STOPPED" if stopped else "RUNNING",
        "createdAt": "2026-11-20T14:01:00Z",
        "containers": [{"name": "web", "lastStatus": "STOPPED" if stopped else "RUNNING"}],
    }
    if stopped:
        task.update({"stopCode": "TaskFailedToStart", "stoppedReason": PULL_DENIED, "stoppedAt": "2026-11-20T14:01:40Z"})
    return task


@pytest.fixture(name="analyze")
def _analyze(tmp_path: Path):  # type: ignore[no-untyped-def]
    def analyze(deployments: list[dict[str, object]], *, rolled_back: bool = True):  # type: ignore[no-untyped-def]
        services = _services(deployments)
        if not rolled_back:
            service = services["services"][0]  # type: ignore[index]
            service["events"] = [e for e in service["events"] if "rolling back" not in e["message"]]
        (tmp_path / "describe-services.json").write_text(json.dumps(services))
        tasks = [_task("3f1c9e7a", FAILED, stopped=True), _task("9b1c2d3e", ROLLBACK, stopped=False), _task("7e6f5a4b", ROLLBACK, stopped=False)]
        (tmp_path / "describe-tasks.json").write_text(json.dumps({"tasks": tasks, "failures": []}))
        return DiagnosticOrchestrator().analyze_captures([str(tmp_path)])

    return analyze


@pytest.mark.parametrize("deployments", [[ROLLED_BACK_PRIMARY, FAILED_DEPLOYMENT], [ROLLED_BACK_PRIMARY]], ids=["failed-still-listed", "failed-only-in-events"])
def test_a_rolled_back_deployment_is_failed_with_its_own_cause(analyze, deployments) -> None:  # type: ignore[no-untyped-def]
    """FAILED, the cause from the failed deployment's stopped task, and the rollback named."""
    result = analyze(deployments)
    assert result.status is DiagnosticStatus.FAILED
    assert result.root_cause.pattern_id == "image-pull-auth-failure"
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == (FAILED, ROLLBACK, RolloutOutcome.ROLLED_BACK)
    assert f"rollout {FAILED} was rolled back, {ROLLBACK} serves now" in result.summary


def test_a_completed_deployment_after_a_failed_one_is_healthy(analyze) -> None:  # type: ignore[no-untyped-def]
    """No rollback: the newest deployment completed, so the earlier failure is history; the checks say why."""
    result = analyze([ROLLED_BACK_PRIMARY], rolled_back=False)
    assert result.status is DiagnosticStatus.HEALTHY
    assert result.rollout.outcome is RolloutOutcome.SUCCEEDED
    assert result.rollout.checks[0] == f"attempted rollout {ROLLBACK}: succeeded (ECS deployment {ROLLBACK} completed.)"
    assert "2 of 2 desired instance(s) running" in result.rollout.checks


@pytest.mark.parametrize("fmt", ["text", "interactive", "markdown", "html"])
def test_every_format_names_the_attempt_and_what_serves(analyze, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """The rollout line: attempted deployment, rolled back, and the one that serves now."""
    import scdiag

    result = analyze([ROLLED_BACK_PRIMARY, FAILED_DEPLOYMENT])
    text = scdiag.export_report(result, fmt, detail="summary")
    assert f"Rollout: attempted {FAILED}, rolled back; {ROLLBACK} serves now" in text


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_the_report_document_carries_the_rollout(analyze, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """attempted, serving, outcome and the checks, in the machine formats."""
    import yaml

    import scdiag

    document = yaml.safe_load(scdiag.export_report(analyze([ROLLED_BACK_PRIMARY, FAILED_DEPLOYMENT]), fmt))
    rollout = document["rollout"]
    assert (rollout["attempted"], rollout["serving"], rollout["outcome"]) == (FAILED, ROLLBACK, "rolled_back")
    assert rollout["checks"][0].startswith(f"attempted rollout {FAILED}: rolled back")


def test_cloudformation_stack_events_of_a_rolled_back_update(tmp_path: Path) -> None:
    """describe-stack-events: the service's circuit-breaker failure, then the stack's rollback."""
    events = [
        {"StackName": "web-prod", "LogicalResourceId": "web-prod", "ResourceType": "AWS::CloudFormation::Stack", "Timestamp": "2026-11-20T14:21:40Z", "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE"},
        {"StackName": "web-prod", "LogicalResourceId": "Service", "ResourceType": "AWS::ECS::Service", "Timestamp": "2026-11-20T14:20:10Z", "ResourceStatus": "UPDATE_COMPLETE"},
        {"StackName": "web-prod", "LogicalResourceId": "web-prod", "ResourceType": "AWS::CloudFormation::Stack", "Timestamp": "2026-11-20T14:10:05Z", "ResourceStatus": "UPDATE_ROLLBACK_IN_PROGRESS",
         "ResourceStatusReason": "The following resource(s) failed to update: [Service]. "},
        {"StackName": "web-prod", "LogicalResourceId": "Service", "ResourceType": "AWS::ECS::Service", "Timestamp": "2026-11-20T14:10:03Z", "ResourceStatus": "UPDATE_FAILED",
         "ResourceStatusReason": "Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.\" (RequestToken: 6a1f, HandlerErrorCode: GeneralServiceException)"},
        {"StackName": "web-prod", "LogicalResourceId": "Service", "ResourceType": "AWS::ECS::Service", "Timestamp": "2026-11-20T14:00:02Z", "ResourceStatus": "UPDATE_IN_PROGRESS"},
    ]
    (tmp_path / "stack-events.json").write_text(json.dumps({"StackEvents": events}))
    result = DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert result.data.inputs[0].reader == "aws-cloudformation-stack-events"
    assert result.status is DiagnosticStatus.FAILED
    assert (result.rollout.attempted, result.rollout.outcome) == ("web-prod update", RolloutOutcome.ROLLED_BACK)
    assert "ecs-deployment-circuit-breaker" in [s.pattern_id for s in result.symptoms]
