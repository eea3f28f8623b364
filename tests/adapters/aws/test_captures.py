"""AWS CLI captures normalise into the shared models."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from scdiag_aws import normalize

from tests.adapters.conftest import SCENARIOS

OOM = SCENARIOS / "ecs-oom"
ELB = SCENARIOS / "ecs-elb-404"


def test_describe_tasks_gives_stop_code_reason_and_exit_code(read) -> None:  # type: ignore[no-untyped-def]
    """The stopped task's stop code, stopped reason and container exit are kept, with the file line."""
    data = read(OOM / "describe-tasks.json")
    assert data.inputs[0].reader == "aws-ecs-describe-tasks"
    (task,) = data.status.instances
    assert (task.reason, task.message) == ("EssentialContainerExited", "Essential container in task exited")
    (container,) = task.containers
    assert container.termination is not None and container.termination.exit_code == 137
    assert container.reason == "OutOfMemoryError: Container killed due to memory usage"
    assert task.location is not None and task.location.line == 4


def test_describe_services_gives_rollouts_and_events(read) -> None:  # type: ignore[no-untyped-def]
    """PRIMARY is the current rollout; service events become ecs-service events."""
    data = read(OOM / "describe-services.json")
    current = data.status.current_rollout()
    assert current is not None and current.id == "ecs-svc/4711802958221030812" and current.rollout_state == "IN_PROGRESS"
    assert {e.source for group in data.events for e in group.events} == {"ecs-service"}
    assert data.service_name == "web" and data.provider == "aws"


def test_task_definition_gives_ports_and_memory(read) -> None:  # type: ignore[no-untyped-def]
    """Container port and the task's memory (the container has none of its own)."""
    (spec,) = read(OOM / "task-definition.json").status.containers
    assert (spec.ports, spec.memory_limit_mib, spec.log_driver) == ((8080,), 512.0, "awslogs")


def test_target_health_keeps_state_and_reason(read) -> None:  # type: ignore[no-untyped-def]
    """describe-target-health targets with their reason codes."""
    targets = read(ELB / "target-health.json").status.targets
    assert [(t.state, t.reason) for t in targets] == [("unhealthy", "Target.ResponseCodeMismatch"), ("draining", "Target.DeregistrationInProgress")]


def test_filter_log_events_become_log_lines_with_their_task(read) -> None:  # type: ignore[no-untyped-def]
    """The stream name ends with the task id, which links lines to the task."""
    (log,) = read(OOM / "logs.json").logs
    assert log.total_lines > 10
    assert all(e.instance == "8d3e2a1f0b6c4e2f9a7d3c1b5e8f2a4d" for e in log.entries)


def test_metric_data_becomes_points(read) -> None:  # type: ignore[no-untyped-def]
    """get-metric-data values with their timestamps."""
    (metrics,) = read(OOM / "metrics.json").metrics
    assert max(p.value for p in metrics.points) == 99.6


def test_the_normaliser_reads_sdk_responses_and_cli_output_alike() -> None:
    """boto3 gives datetimes where the CLI prints strings; the models come out the same."""
    payload = json.loads((OOM / "describe-tasks.json").read_text())
    sdk = json.loads(json.dumps(payload), object_hook=lambda d: {k: datetime.fromisoformat(v.replace("Z", "+00:00")) if k.endswith("At") and isinstance(v, str) else v for k, v in d.items()})
    assert normalize.task_instances(sdk["tasks"]) == normalize.task_instances(payload["tasks"])


def test_deploy_errors_are_read_as_aws_output(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Terraform's ECS error is taken by the AWS reader, not the generic one."""
    data = read(SCENARIOS / "ecs-task-definition-invalid" / "deploy-output.txt")
    assert data.inputs[0].reader == "aws-deploy-error-text" and data.provider == "aws"


def test_log_events_around_unreadable_ones_keep_their_order(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A non-object element costs itself and an unreadable timestamp costs that field, in a batch of plain events."""
    events: list[object] = [{"logStreamName": "ecs/web/t1", "timestamp": 1763647200000 + i, "message": f"GET /health {i}"} for i in range(600)]
    events[597] = "not an event"
    events[598] = {"logStreamName": "ecs/web/t1", "timestamp": "yesterday", "message": "GET /health bad"}
    events[599] = {"logStreamName": "ecs/web/t1", "timestamp": 1763647200599, "message": "java.lang.OutOfMemoryError: Java heap space"}
    capture = tmp_path / "logs.json"
    capture.write_text(json.dumps({"events": events, "searchedLogStreams": []}, indent=4), encoding="utf-8")
    data = read(capture)
    (log,) = data.logs
    assert log.total_lines == 599
    line = capture.read_text(encoding="utf-8").splitlines().index('        "not an event",') + 1
    assert data.inputs[0].problems == (f"{capture}:{line}: skipped: not a log event object",)
    assert [(e.message, e.timestamp is None) for e in log.entries[-3:]] == [("GET /health 596", False), ("GET /health bad", True), ("java.lang.OutOfMemoryError: Java heap space", False)]
