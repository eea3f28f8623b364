"""AWS API responses (= AWS CLI JSON output) to scdiag models.

Pure functions over the response dicts. boto3 returns the same shapes (with
datetime objects where the CLI prints ISO strings), so the live provider and
the capture readers share every line here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from scdiag import regex
from scdiag._units import cpu_vcpus, memory_mib

from scdiag.captures.shapes import as_dict as _dict, as_list as _list
from scdiag.captures.logtext import detect_level, parse_timestamp
from scdiag.models import (
    Condition,
    ContainerSpec,
    ContainerStatus,
    DiagnosticEvent,
    EventLevel,
    HealthCheckSpec,
    Instance,
    LoadBalancerTarget,
    LogEntry,
    MetricPoint,
    Rollout,
    RolloutOutcome,
    ServiceEndpoint,
    ServiceStatus,
    SourceLocation,
    Termination,
)

__all__ = [
    "container_instance_conditions",
    "stack_events",
    "container_specs",
    "log_entries",
    "metric_points_from_data",
    "metric_points_from_statistics",
    "service_events",
    "service_status",
    "short_id",
    "target_health",
    "task_instances",
]

_NORMAL_STOPS = frozenset({"UserInitiated", "ServiceSchedulerInitiated", "ScalingActivityInitiated"})
_HEALTH_CODES = regex.deferred(r"Health checks failed with these codes: \[(\d{3})")
_WARNING_WORDS = ("unable", "unhealthy", "failed", "error", "insufficient", "throttled")




def short_id(arn: str | None) -> str:
    """The last part of an ARN: ``arn:...:task/cluster/abc`` -> ``abc``."""
    return (arn or "").rsplit("/", 1)[-1]


_OUTCOMES = {"COMPLETED": RolloutOutcome.SUCCEEDED, "FAILED": RolloutOutcome.FAILED, "IN_PROGRESS": RolloutOutcome.IN_PROGRESS}
_DEPLOYMENT_FAILED = regex.deferred(r"\(deployment (ecs-svc/\d+)\) deployment failed")
_DEPLOYMENT_ENDED = regex.deferred(r"\(deployment (ecs-svc/\d+)\) deployment (completed|failed)")
_ROLLING_BACK = regex.deferred(r"(?i)rolling back to deployment(?:Id)? (ecs-svc/\d+)")


def _rollout(deployment: Mapping[str, Any]) -> Rollout:
    return Rollout(
        id=str(deployment.get("id", "")),
        current=deployment.get("status") == "PRIMARY",
        outcome=_OUTCOMES.get(str(deployment.get("rolloutState", ""))),
        status=deployment.get("status"),
        rollout_state=deployment.get("rolloutState"),
        reason=deployment.get("rolloutStateReason"),
        desired=deployment.get("desiredCount"),
        running=deployment.get("runningCount"),
        pending=deployment.get("pendingCount"),
        failed=deployment.get("failedTasks"),
        created_at=parse_timestamp(deployment.get("createdAt")),
        updated_at=parse_timestamp(deployment.get("updatedAt")),
        attributes={"task_definition": str(deployment.get("taskDefinition", ""))},
    )


def _attempted(rollouts: list[Rollout], service: Mapping[str, Any]) -> list[Rollout]:
    """Which deployment the user attempted, and which one serves now.

    ECS's PRIMARY deployment is the one it converges to. After the deployment
    circuit breaker rolls back, PRIMARY is the rollback (the previous task
    definition) and the deployment the user pushed is FAILED, or already gone
    from the list and named only by the service's events. That one is the
    attempt; the deployment running tasks serves.
    """
    messages = [str(_dict(e).get("message", "")) for e in _list(service.get("events"))]
    rolled_back = any(_ROLLING_BACK.search(m) for m in messages) or any(
        "rolling back" in (r.reason or "").lower() for r in rollouts if r.status == "PRIMARY"
    )
    primary = next((r for r in rollouts if r.status == "PRIMARY"), None)
    attempted: Rollout | None = primary
    if rolled_back:
        failed = sorted((r for r in rollouts if r.rollout_state == "FAILED" and r is not primary), key=lambda r: r.created_at.timestamp() if r.created_at else 0.0)
        if failed:
            attempted = failed[-1]
        else:
            # Events are newest first: the newest failure is the deployment that was rolled back.
            named = next((m for m in messages if _DEPLOYMENT_FAILED.search(m)), None)
            match = _DEPLOYMENT_FAILED.search(named) if named else None
            if match is not None and match.group(1) not in {r.id for r in rollouts}:
                attempted = Rollout(id=match.group(1), current=True, status="FAILED", rollout_state="FAILED", reason=named, running=0)
                rollouts = [*rollouts, attempted]
            elif match is not None:
                attempted = next(r for r in rollouts if r.id == match.group(1))
    if not rollouts and not rolled_back:
        ended = _ended_in_events(service)
        if ended is not None:
            attempted = ended
            rollouts = [ended]
    running = [r for r in rollouts if (r.running or 0) > 0 and r.rollout_state != "FAILED"]
    serving = max(running, key=lambda r: r.running or 0) if running else None
    result = []
    for rollout in rollouts:
        changes: dict[str, Any] = {"current": rollout is attempted, "serving": rollout is serving}
        if rollout is attempted and rolled_back and rollout is not primary:
            changes["outcome"] = RolloutOutcome.ROLLED_BACK
        result.append(attrs.evolve(rollout, **changes))
    return result


def _ended_in_events(service: Mapping[str, Any]) -> Rollout | None:
    """The newest deployment the events say completed or failed, when the deployments themselves were not captured.

    A copy of the console's Events tab has only the events; ECS words the end of
    every deployment there.
    """
    events = [_dict(e) for e in _list(service.get("events"))]
    stamps = [parse_timestamp(e.get("createdAt")) for e in events]
    if all(stamps):
        # Newest first, as the API and the console list them; a copy may not keep that order.
        events = [e for _, e in sorted(zip(stamps, events), key=lambda pair: pair[0].timestamp() if pair[0] else 0.0, reverse=True)]
    for event in events:
        ended = _DEPLOYMENT_ENDED.search(str(event.get("message", "")))
        if ended is not None:
            completed = ended.group(2) == "completed"
            return Rollout(
                id=ended.group(1),
                current=True,
                serving=True if completed else None,
                rollout_state="COMPLETED" if completed else "FAILED",
                outcome=RolloutOutcome.SUCCEEDED if completed else RolloutOutcome.FAILED,
                reason=str(event.get("message", "")),
                updated_at=parse_timestamp(event.get("createdAt")),
            )
    return None


def service_status(service: Mapping[str, Any]) -> ServiceStatus:
    """One service of ``DescribeServices`` (deployments, counts, load balancers)."""
    deployments = [_dict(d) for d in _list(service.get("deployments"))]
    endpoints = tuple(
        ServiceEndpoint(name=short_id(lb.get("targetGroupArn")) or str(lb.get("loadBalancerName", "")), kind="target-group", target_port=lb.get("containerPort"))
        for lb in map(_dict, _list(service.get("loadBalancers")))
    )
    return ServiceStatus(
        name=str(service.get("serviceName", "")),
        state=service.get("status"),
        desired_count=service.get("desiredCount"),
        running_count=service.get("runningCount"),
        pending_count=service.get("pendingCount"),
        rollouts=tuple(_attempted([_rollout(d) for d in deployments], service)),
        endpoints=endpoints,
        attributes={"cluster": short_id(service.get("clusterArn")), "launch_type": str(service.get("launchType", ""))},
    )


def service_events(service: Mapping[str, Any], location: SourceLocation | None = None) -> list[DiagnosticEvent]:
    """The service's events (newest first in the API; order does not matter here)."""
    events = []
    for event in map(_dict, _list(service.get("events"))):
        message = str(event.get("message", ""))
        warning = any(word in message.lower() for word in _WARNING_WORDS)
        events.append(
            DiagnosticEvent(
                message=message,
                timestamp=parse_timestamp(event.get("createdAt")),
                source="ecs-service",
                level=EventLevel.WARNING if warning else EventLevel.NORMAL,
                resource=f"service/{service.get('serviceName', '')}",
                location=location,
                attributes={"event_id": str(event.get("id", ""))},
            )
        )
    return events


def _container(container: Mapping[str, Any]) -> ContainerStatus:
    exit_code = container.get("exitCode")
    last_status = str(container.get("lastStatus", "")).upper()
    termination = None
    if last_status == "STOPPED" or exit_code is not None:
        failed = exit_code not in (None, 0) or bool(container.get("reason"))
        termination = Termination(exit_code=exit_code, reason=container.get("reason"), failed=failed)
    unhealthy = str(container.get("healthStatus") or "").upper() == "UNHEALTHY"
    return ContainerStatus(
        name=str(container.get("name", "")),
        failing=unhealthy or bool(termination and termination.failed),
        state="stopped" if last_status == "STOPPED" else "running" if last_status == "RUNNING" else "unknown",
        reason=container.get("reason"),
        image=container.get("image"),
        termination=termination,
        health_status=container.get("healthStatus"),
    )


def task_instances(tasks: Iterable[Mapping[str, Any]], location: SourceLocation | None = None) -> list[Instance]:
    """Tasks of ``DescribeTasks`` as instances (stop code, stopped reason, containers)."""
    instances = []
    for task in tasks:
        containers = tuple(_container(_dict(c)) for c in _list(task.get("containers")))
        stopped = "STOPPED" in (str(task.get("lastStatus") or "").upper(), str(task.get("desiredStatus") or "").upper())
        # A task ECS stopped on purpose (a scale-in, a replaced deployment, a user) did not fail.
        failing = str(task.get("stopCode") or "") not in _NORMAL_STOPS if stopped else any(c.failing for c in containers)
        instances.append(
            Instance(
                id=short_id(task.get("taskArn")),
                failing=failing,
                kind="task",
                rollout_id=task.get("startedBy") if str(task.get("startedBy", "")).startswith("ecs-svc/") else None,
                phase=task.get("lastStatus"),
                desired_phase=task.get("desiredStatus"),
                reason=task.get("stopCode"),
                message=task.get("stoppedReason"),
                health_status=task.get("healthStatus"),
                containers=containers,
                created_at=parse_timestamp(task.get("createdAt")),
                started_at=parse_timestamp(task.get("startedAt")),
                stopped_at=parse_timestamp(task.get("stoppedAt")),
                location=location,
                attributes={"task_definition": str(task.get("taskDefinitionArn", ""))},
            )
        )
    return instances


def container_specs(task_definition: Mapping[str, Any]) -> tuple[ContainerSpec, ...]:
    """Containers of a task definition as configured (memory falls back to the task's)."""
    task_memory = task_definition.get("memory")
    specs = []
    for container in map(_dict, _list(task_definition.get("containerDefinitions"))):
        memory = container.get("memory") or container.get("memoryReservation") or task_memory
        check = _dict(container.get("healthCheck"))
        command = check.get("command")
        checks = (
            (
                HealthCheckSpec(
                    kind="container",
                    command=" ".join(map(str, command)) if isinstance(command, list) else None,
                    interval_seconds=check.get("interval"),
                    timeout_seconds=check.get("timeout"),
                    failure_threshold=check.get("retries"),
                    initial_delay_seconds=check.get("startPeriod"),
                ),
            )
            if check
            else ()
        )
        cpu = container.get("cpu") or task_definition.get("cpu")
        specs.append(
            ContainerSpec(
                name=str(container.get("name", "")),
                image=container.get("image"),
                ports=tuple(int(p["containerPort"]) for p in map(_dict, _list(container.get("portMappings"))) if str(p.get("containerPort", "")).isdigit()),
                # Task definitions give memory in MiB and CPU in units of 1/1024 vCPU, as numbers or strings of digits.
                memory_limit_mib=memory_mib(memory, bare="MiB"),
                cpu_limit=cpu_vcpus(cpu, bare="units") or None,
                essential=bool(container.get("essential", True)),
                health_checks=checks,
                env_names=tuple(str(e.get("name")) for e in map(_dict, _list(container.get("environment")))),
                log_driver=_dict(container.get("logConfiguration")).get("logDriver"),
            )
        )
    return tuple(specs)


def log_entries(events: Iterable[Mapping[str, Any]], *, group: str = "", stream: str = "", source_name: str | None = None, first_line: int | None = None) -> list[LogEntry]:
    """CloudWatch Logs events (``FilterLogEvents``/``GetLogEvents``) as log lines."""
    entries = []
    for index, event in enumerate(events):
        message = str(event.get("message", "")).rstrip("\n")
        stream_name = str(event.get("logStreamName") or stream)
        task = stream_name.rsplit("/", 1)[-1] if "/" in stream_name else None
        location = SourceLocation(source_name, (first_line + index) if first_line else None) if source_name else SourceLocation(f"cloudwatch:{group}/{stream_name}")
        entries.append(
            LogEntry(
                message=message,
                timestamp=parse_timestamp(event.get("timestamp")),
                level=detect_level(message),
                stream=stream_name or group,
                location=location,
                instance=task,
            )
        )
    return entries


def target_health(descriptions: Iterable[Mapping[str, Any]], target_group: str | None = None) -> list[LoadBalancerTarget]:
    """``DescribeTargetHealth`` descriptions."""
    targets = []
    for description in descriptions:
        target = _dict(description.get("Target"))
        health = _dict(description.get("TargetHealth"))
        codes = _HEALTH_CODES.search(str(health.get("Description") or ""))
        targets.append(
            LoadBalancerTarget(
                target_id=str(target.get("Id", "")),
                state=str(health.get("State", "unknown")),
                target_group=target_group,
                port=target.get("Port"),
                reason=health.get("Reason"),
                description=health.get("Description"),
                http_status=int(codes.group(1)) if codes and health.get("Reason") == "Target.ResponseCodeMismatch" else None,
            )
        )
    return targets


def metric_points_from_data(response: Mapping[str, Any]) -> list[MetricPoint]:
    """``GetMetricData`` results: one series per query, named by its label or id."""
    points = []
    for result in map(_dict, _list(response.get("MetricDataResults"))):
        name = str(result.get("Label") or result.get("Id") or "")
        for stamp, value in zip(_list(result.get("Timestamps")), _list(result.get("Values"))):
            when = parse_timestamp(stamp)
            if when is not None and isinstance(value, (int, float)):
                points.append(MetricPoint(name=name, value=float(value), timestamp=when, unit="Percent" if "Utilization" in name else ""))
    return points


def metric_points_from_statistics(response: Mapping[str, Any]) -> list[MetricPoint]:
    """``GetMetricStatistics`` datapoints (Maximum preferred, else Average)."""
    name = str(response.get("Label", ""))
    points = []
    for datapoint in map(_dict, _list(response.get("Datapoints"))):
        statistic = "Maximum" if "Maximum" in datapoint else "Average"
        value = datapoint.get(statistic)
        when = parse_timestamp(datapoint.get("Timestamp"))
        if when is not None and isinstance(value, (int, float)):
            points.append(MetricPoint(name=name, value=float(value), timestamp=when, unit=str(datapoint.get("Unit", "")), statistic=statistic))
    return points


def container_instance_conditions(instances: Iterable[Mapping[str, Any]]) -> tuple[Condition, ...]:
    """Container instances whose agent is disconnected or that are not active."""
    conditions = []
    for instance in instances:
        name = short_id(instance.get("containerInstanceArn"))
        if instance.get("agentConnected") is False:
            conditions.append(Condition(f"ContainerInstance/{name} AgentConnected", "False", "AgentDisconnected", f"ECS agent on {instance.get('ec2InstanceId', name)} is disconnected"))
        if instance.get("status") not in (None, "ACTIVE"):
            conditions.append(Condition(f"ContainerInstance/{name} Active", "False", str(instance.get("status")), f"container instance {name} is {instance.get('status')}"))
    return tuple(conditions)


_STACK_FAILED = ("CREATE_FAILED", "UPDATE_FAILED")
_STACK_ROLLED_BACK = ("UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS")


def stack_events(events: Iterable[Mapping[str, Any]]) -> tuple[list[DiagnosticEvent], ServiceStatus | None]:
    """``aws cloudformation describe-stack-events``: events, and the stack update as the attempted rollout.

    A resource that failed to create or update is the deploy's failure; when
    the stack then rolled back, the attempt was rolled back. Events come
    newest first, as the API returns them.
    """
    result = []
    failure: Mapping[str, Any] | None = None
    rolled_back = False
    for event in map(_dict, events):
        status = str(event.get("ResourceStatus") or "")
        reason = str(event.get("ResourceStatusReason") or "")
        resource = f"{event.get('ResourceType', '')}/{event.get('LogicalResourceId', '')}"
        result.append(
            DiagnosticEvent(
                message=reason or status,
                timestamp=parse_timestamp(event.get("Timestamp")),
                source="cloudformation",
                level=EventLevel.WARNING if "FAILED" in status or "ROLLBACK" in status else EventLevel.NORMAL,
                reason=status or None,
                resource=resource,
                attributes={"stack": str(event.get("StackName") or "")},
            )
        )
        if status in _STACK_FAILED and reason and "cancelled" not in reason.lower():
            failure = event  # the last one seen is the oldest: the first failure of the update
        if event.get("ResourceType") == "AWS::CloudFormation::Stack" and status in _STACK_ROLLED_BACK:
            rolled_back = True
    if failure is None:
        return result, None
    stack = str(failure.get("StackName") or "stack")
    attempt = Rollout(
        id=f"{stack} update",
        current=True,
        status="stack",
        rollout_state="FAILED",
        reason=str(failure.get("ResourceStatusReason")),
        created_at=parse_timestamp(failure.get("Timestamp")),
        outcome=RolloutOutcome.ROLLED_BACK if rolled_back else RolloutOutcome.FAILED,
    )
    return result, ServiceStatus(name="", rollouts=(attempt,))
