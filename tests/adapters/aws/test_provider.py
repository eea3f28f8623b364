"""The ECS provider, through the real boto3 clients over HTTP against moto's server on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.cli import main
from scdiag.cloudcall import RetryPolicy
from scdiag.config import CollectionConfig, DiagnosticsConfig
from scdiag.models import DiagnosticRequest, DiagnosticStatus, GapKind, RequestContext

from tests.adapters.aws.moto_ecs import REGION, EcsWorld
from tests.adapters.fault_proxy import FaultProxy, ProxyFault, aws_error

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"


def _request() -> DiagnosticRequest:
    return DiagnosticRequest(provider="aws", service_name="web", region=REGION, context=RequestContext(options={"cluster": "prod"}))


def _diagnose(timeout: float = 30) -> Any:
    config = DiagnosticsConfig(collection=CollectionConfig(timeout=timedelta(seconds=timeout)))
    return DiagnosticOrchestrator(config=config).diagnose(_request())


def _unhealthy_targets(monkeypatch: pytest.MonkeyPatch, world: EcsWorld, reason: str, description: str) -> None:
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    world.client("elbv2").register_targets(TargetGroupArn=world.target_group_arn, Targets=[{"Id": "10.0.0.17", "Port": 8080}])
    monkeypatch.setattr(FakeTargetGroup, "health_for", lambda self, target, ec2: FakeHealthStatus(target["Id"], 8080, "8080", "unhealthy", reason, description))


def test_oom_kill(world: EcsWorld) -> None:
    """A task stopped with OutOfMemoryError is diagnosed as an OOM kill."""
    world.build()
    world.stop(world.task_ids[0], stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason=OOM_REASON)
    world.events("(service web) has stopped 1 running tasks: (task %s)." % world.task_ids[0])
    world.memory([60, 90, 97, 99, 99.5])
    world.logs(world.task_ids[0], ["[info] loading search index", "[info] 1.2M documents"])
    result = _diagnose()
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    assert any(e.source == "metric" for e in result.root_cause.evidence)


def test_image_pull_failure(world: EcsWorld) -> None:
    """CannotPullContainerError ... not found: the image does not exist."""
    world.build()
    reason = f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.{REGION}.amazonaws.com/web:2.14.0: 123456789012.dkr.ecr.{REGION}.amazonaws.com/web:2.14.0: not found"
    world.stop(world.task_ids[0], stop_code="TaskFailedToStart", reason=reason)
    result = _diagnose()
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"


def test_missing_secret(world: EcsWorld) -> None:
    """ResourceInitializationError from Secrets Manager: the execution role cannot read the secret."""
    world.build()
    reason = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/web-exec/abc is not authorized to perform: secretsmanager:GetSecretValue"
    world.stop(world.task_ids[0], stop_code="TaskFailedToStart", reason=reason)
    result = _diagnose()
    assert result.root_cause is not None and result.root_cause.pattern_id == "secrets-retrieval-failure"


def test_failing_elb_health_checks(world: EcsWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """Targets unhealthy with 404 and tasks stopped for ELB health checks."""
    world.build()
    _unhealthy_targets(monkeypatch, world, "Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]")
    world.stop(world.task_ids[0], stop_code="ServiceSchedulerInitiated", reason=f"Task failed ELB health checks in (target-group {world.target_group_arn})", exit_code=143)
    world.events(f"(service web) (port 8080) is unhealthy in (target-group {world.target_group_arn}) due to (reason Health checks failed with these codes: [404]).")
    result = _diagnose()
    assert result.root_cause is not None and result.root_cause.pattern_id == "lb-health-check-failure"
    endpoint = result.data.status.endpoints[0]
    assert endpoint.health_check is not None and endpoint.health_check.path == "/health"


def test_port_mismatch(world: EcsWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app listens on 3000 while the task definition and target group use 8080."""
    world.build(port=8080)
    _unhealthy_targets(monkeypatch, world, "Target.Timeout", "Request timed out")
    world.stop(world.task_ids[0], stop_code="ServiceSchedulerInitiated", reason=f"Task failed ELB health checks in (target-group {world.target_group_arn})", exit_code=143)
    world.logs(world.task_ids[0], ["> web@2.14.0 start", "Server listening on port 3000"])
    result = _diagnose()
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-not-listening-on-port"


def test_healthy_rollout(world: EcsWorld) -> None:
    """Tasks running, rollout completed, steady state: healthy."""
    world.build()
    world.rollout("COMPLETED", "ECS deployment ecs-svc/1 completed.")
    service = world.service_model()
    service.running_count = 2
    service.deployments[0]["runningCount"] = 2
    world.events("(service web) has reached a steady state.")
    result = _diagnose()
    assert result.status is DiagnosticStatus.HEALTHY


def test_throttling_mid_pagination_still_gives_every_task(world: EcsWorld, faults: FaultProxy) -> None:
    """ListTasks throttled on its second call: retried, and every task is described."""
    world.build(tasks=3)
    for task_id in world.task_ids:
        world.stop(task_id, stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason=OOM_REASON)
    faults.faults.append(ProxyFault("ListTasks", status=400, body=aws_error("ThrottlingException", "Rate exceeded"), skip=1))
    data = DiagnosticOrchestrator().collect(_request())
    assert data.status is not None and len(data.status.instances) == 3
    assert faults.count("ListTasks") == 3  # STOPPED, RUNNING throttled, RUNNING again
    assert data.gaps == ()


def test_a_hanging_cloudwatch_does_not_hold_back_the_rest(world: EcsWorld, faults: FaultProxy) -> None:
    """GetMetricData never answers: metrics are cut at the deadline; status, events and logs are kept."""
    world.build()
    world.stop(world.task_ids[0], stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason=OOM_REASON)
    faults.faults.append(ProxyFault("GetMetricData", hang=True, times=None))
    result = _diagnose(timeout=3)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    assert [g.source for g in result.data.gaps if g.kind is GapKind.TIMED_OUT] == ["metrics"]


def test_denied_logs_are_a_gap_naming_the_permission(world: EcsWorld, faults: FaultProxy) -> None:
    """No logs:GetLogEvents: the diagnosis goes on and says which permission is missing."""
    world.build()
    world.stop(world.task_ids[0], stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason=OOM_REASON)
    world.logs(world.task_ids[0], ["boot"])
    faults.faults.append(ProxyFault("GetLogEvents", status=400, body=aws_error("AccessDeniedException", "User is not authorized to perform: logs:GetLogEvents"), times=None))
    result = _diagnose()
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    assert any(g.kind is GapKind.ACCESS_DENIED and "logs:GetLogEvents" in g.reason for g in result.data.gaps)


def test_a_failing_describe_tasks_is_asked_once_and_one_gap_says_what_came_through(world: EcsWorld, faults: FaultProxy) -> None:
    """DescribeTasks keeps failing: the snapshot is fetched once for all collectors, and only the tasks are missing."""
    world.build()
    world.events("(service web) has started 1 tasks: (task 1a2b3c).")
    faults.faults.append(ProxyFault("DescribeTasks", status=500, body=aws_error("ServerException", "Service unavailable"), times=None))
    data = DiagnosticOrchestrator().collect(_request())
    assert faults.count("DescribeServices") == 1
    assert faults.count("DescribeTasks") == RetryPolicy().max_attempts  # one call's attempts, not three collectors' calls
    (gap,) = data.gaps
    assert gap.source == "status:tasks" and gap.kind is GapKind.FAILED
    assert gap.reason.endswith("the service, its deployments and events still came through")
    assert data.status is not None and data.status.instances == ()
    assert any("has started 1 tasks" in event.message for group in data.events for event in group.events)


def test_a_failing_describe_services_fails_every_collector_with_one_call(world: EcsWorld, faults: FaultProxy) -> None:
    """Nothing depends on a service that could not be read: one error, asked once, for status, events and logs."""
    world.build()
    faults.faults.append(ProxyFault("DescribeServices", status=400, body=aws_error("AccessDeniedException", "User is not authorized to perform: ecs:DescribeServices"), times=None))
    data = DiagnosticOrchestrator().collect(_request())
    assert faults.count("DescribeServices") == 1
    assert {gap.source for gap in data.gaps if gap.kind is GapKind.ACCESS_DENIED} >= {"status", "events", "logs"}


def test_other_log_drivers_are_a_gap(world: EcsWorld) -> None:
    """A container logging with another driver is reported, not guessed."""
    world.build(log_driver="fluentd")
    result = _diagnose()
    assert any(g.kind is GapKind.UNAVAILABLE and "fluentd" in g.reason for g in result.data.gaps)


def test_the_command_line_diagnoses_the_service(world: EcsWorld, capsys: pytest.CaptureFixture[str]) -> None:
    """scdiag diagnose --provider aws prints the root cause."""
    world.build()
    world.stop(world.task_ids[0], stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason=OOM_REASON)
    assert main(["diagnose", "--provider", "aws", "--cluster", "prod", "--service", "web", "--region", REGION, "--format", "json"]) == 0
    assert '"pattern_id": "container-oom-kill"' in capsys.readouterr().out


def test_no_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Without credentials nothing is collected: exit 3 with the reason."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["diagnose", "--provider", "aws", "--cluster", "prod", "--service", "web", "--region", REGION]) == 3
    assert "no AWS credentials found" in capsys.readouterr().err



def test_live_and_captured_describe_tasks_normalise_identically(world: EcsWorld, tmp_path: Any) -> None:
    """The DescribeTasks response saved as the CLI prints it reads back to the same instances."""
    import json

    import scdiag
    from scdiag_aws import normalize

    world.build()
    world.stop(world.task_ids[0], stop_code="EssentialContainerExited", reason="Essential container in task exited", exit_code=137, container_reason=OOM_REASON)
    response = world.client("ecs").describe_tasks(cluster="prod", tasks=world.task_ids)
    response.pop("ResponseMetadata")
    capture = tmp_path / "describe-tasks.json"
    capture.write_text(json.dumps(response, indent=4, default=lambda value: value.isoformat()))
    captured = scdiag.analyze_captures([capture]).data
    assert captured is not None and captured.status is not None
    live = normalize.task_instances(response["tasks"])
    assert [i.id for i in captured.status.instances] == [i.id for i in live]
    import attrs

    assert [attrs.evolve(i, location=None) for i in captured.status.instances] == live


def test_a_malformed_region_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A region that is not a region name stops before any call."""
    assert main(["diagnose", "--provider", "aws", "--cluster", "prod", "--service", "web", "--region", "europe"]) == 3
    assert "'europe' is not an AWS region name" in capsys.readouterr().err


def test_a_deployment_the_circuit_breaker_rolled_back_is_failed_live(world: EcsWorld) -> None:
    """Live, over moto's server: the rollback is PRIMARY and healthy; the attempt is FAILED with its own cause."""
    world.build()
    service = world.service_model()
    attempted = service.deployments[0]
    attempted.update({"status": "ACTIVE", "rolloutState": "FAILED", "rolloutStateReason": "ECS deployment circuit breaker: tasks failed to start.", "runningCount": 0, "desiredCount": 0})
    rollback = dict(attempted, id="ecs-svc/5500112233445566778", status="PRIMARY", rolloutState="COMPLETED", rolloutStateReason="ECS deployment ecs-svc/5500112233445566778 completed.", runningCount=2, desiredCount=2)
    service.deployments.insert(0, rollback)
    reason = f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.{REGION}.amazonaws.com/web:2.15.0: 123456789012.dkr.ecr.{REGION}.amazonaws.com/web:2.15.0: not found"
    world.stop(world.task_ids[0], stop_code="TaskFailedToStart", reason=reason)
    world.events(
        f"(service web) rolling back to deployment {rollback['id']}.",
        f"(service web) (deployment {attempted['id']}) deployment failed: tasks failed to start.",
    )
    result = _diagnose()
    assert result.status.value == "failed"
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome.value) == (attempted["id"], rollback["id"], "rolled_back")
