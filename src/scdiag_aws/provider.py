"""Live diagnosis of an ECS service (Fargate or EC2) through boto3.

Every call goes through :func:`scdiag.cloudcall.cloud_call`, page by page.
Responses go through :mod:`scdiag_aws.normalize`, the same code the AWS CLI
capture readers use, so a live call and a saved ``aws ecs describe-tasks``
give identical data.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

import attrs

from scdiag import regex
from scdiag.deadline import SourceOutcome, run_with_deadline
from scdiag.cache import file_fingerprint
from scdiag.cloudcall import CloudOperation, cloud_call
from scdiag.config import DiagnosticsConfig
from scdiag.deadline import Deadline
from scdiag.errors import AccessDeniedError, CloudError, NotFoundError, TransientCloudError
from scdiag.models import (
    DiagnosticRequest,
    EventData,
    GapKind,
    HealthCheckSpec,
    LogData,
    MetricData,
    ServiceEndpoint,
    ServiceStatus,
    utcnow,
)
from scdiag.ports import CollectionScope

from scdiag_aws import _errors, normalize
from scdiag_aws._client import AwsClients

__all__ = ["ECSProvider"]

_MAX_TASKS = 20
"""Stopped tasks described, newest first: enough to see the pattern of a crash loop."""
_LOG_TASKS = 3
"""Failed tasks whose logs are read."""
_REGION = regex.deferred(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@attrs.define
class _Snapshot:
    service: dict[str, Any]
    task_definition: dict[str, Any]
    tasks: list[dict[str, Any]]


class ECSProvider:
    """Implements :class:`scdiag.ports.DiagnosticProvider` for Amazon ECS.

    Args:
        config: the diagnostics configuration.
        clients: a factory of boto3 clients (tests pass one pointed at moto);
            built from the standard credential chain otherwise.
    """

    name: ClassVar[str] = "aws"

    def __init__(self, config: DiagnosticsConfig, clients: Callable[[str], Any] | None = None) -> None:
        self._config = config
        self._clients = clients
        self._clients_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshot_for: tuple[CollectionScope, _Snapshot | Exception] | None = None

    # -- plumbing -------------------------------------------------------------

    def cache_identity(self, request: DiagnosticRequest) -> Mapping[str, str]:
        """The profile, region, endpoint and key id the standard credential chain would use."""
        environ = os.environ
        return {
            "profile": environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "",
            "region": request.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or ",".join(self._config.providers.aws.regions),
            "endpoint": environ.get("AWS_ENDPOINT_URL", ""),
            "access-key-id": environ.get("AWS_ACCESS_KEY_ID", ""),
            "web-identity": environ.get("AWS_ROLE_ARN", ""),
            "config-file": file_fingerprint(environ.get("AWS_CONFIG_FILE") or os.path.expanduser("~/.aws/config")),
        }

    def _client(self, request: DiagnosticRequest, service: str, remaining: float | None = None) -> Any:
        with self._clients_lock:
            if self._clients is None:
                regions = self._config.providers.aws.regions
                self._clients = AwsClients(region=request.region or (regions[0] if regions else None))
            if isinstance(self._clients, AwsClients):
                return self._clients(service, remaining)
            return self._clients(service)

    def _call(self, scope: CollectionScope, service: str, method: str, permission: str, **params: Any) -> Any:
        # Timeouts from what is left of the deadline: an unanswered call ends with it.
        client = self._client(scope.request, service, scope.deadline.remaining())
        op = CloudOperation(provider="aws", service=service.upper() if service != "cloudwatch" else "CloudWatch", method=method, region=scope.request.region, target=scope.request.service_name)
        function = getattr(client, method)
        return cloud_call(op, lambda: function(**params), classify=lambda e: _errors.classify(e, operation=method, permission=permission), deadline=scope.deadline)

    def _cluster(self, request: DiagnosticRequest) -> str:
        return request.context.options.get("cluster") or "default"

    # -- the port -------------------------------------------------------------

    def validate_credentials(self, request: DiagnosticRequest) -> None:
        """STS GetCallerIdentity: no credentials, expired SSO, wrong region all surface here."""
        if request.region and not _REGION.match(request.region):
            raise CloudError(f"{request.region!r} is not an AWS region name (like eu-west-1)", provider="aws", operation="GetCallerIdentity")
        if "ecs" not in self._config.providers.aws.services:
            raise CloudError("providers.aws.services does not include ecs, the only kind this provider reads", provider="aws", operation="config")
        now = utcnow()
        # The check lives inside the request's own deadline (--timeout), never longer than 20 s.
        budget = (request.timeout or self._config.collection.timeout).total_seconds()
        scope = CollectionScope(request=request, window_start=now, window_end=now, deadline=Deadline.after(min(20.0, budget)))
        try:
            self._call(scope, "sts", "get_caller_identity", "sts:GetCallerIdentity")
        except TransientCloudError as error:
            raise CloudError(f"cannot reach AWS STS in region {request.region or 'from the environment'}: {error} (a wrong --region, or no network?)", provider="aws", operation="GetCallerIdentity") from error

    def _snapshot(self, scope: CollectionScope) -> _Snapshot:
        """The service, task definition and tasks, fetched once per collection however many collectors ask.

        When DescribeServices fails every collector fails with that one error,
        without asking again; when a later call fails, its gap is recorded
        once and the collectors go on with what came through.
        """
        with self._snapshot_lock:
            if self._snapshot_for is None or self._snapshot_for[0] is not scope:
                try:
                    fetched: _Snapshot | Exception = self._fetch(scope)
                except Exception as error:  # kept to raise again for the other collectors
                    fetched = error
                self._snapshot_for = (scope, fetched)
            outcome = self._snapshot_for[1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _partial(self, scope: CollectionScope, source: str, error: Exception, kept: str) -> None:
        kind = GapKind.ACCESS_DENIED if isinstance(error, AccessDeniedError) else GapKind.FAILED
        scope.gaps.record(source, kind, f"{error}; {kept} still came through", "aws")

    def _fetch(self, scope: CollectionScope) -> _Snapshot:
        """Two round trips: the service beside its task lists, then its task definition beside its tasks."""
        cluster = self._cluster(scope.request)
        first = run_with_deadline(
            {
                "service": lambda: self._service(scope, cluster),
                "STOPPED": lambda: self._task_arns(scope, cluster, "STOPPED"),
                "RUNNING": lambda: self._task_arns(scope, cluster, "RUNNING"),
            },
            scope.deadline,
        )
        service = _value(first["service"], "DescribeServices")
        primary = next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
        definition_arn = (primary or {}).get("taskDefinition") or service.get("taskDefinition")
        second: dict[str, Callable[[], Any]] = {}
        if definition_arn:
            second["definition"] = lambda: self._call(scope, "ecs", "describe_task_definition", "ecs:DescribeTaskDefinition", taskDefinition=definition_arn).get("taskDefinition", {})
        try:
            arns = _value(first["STOPPED"], "ListTasks") + _value(first["RUNNING"], "ListTasks")
        except CloudError as error:
            self._partial(scope, "status:tasks", error, "the service, its deployments and events")
            arns = None
        if arns:
            second["tasks"] = lambda: self._described_tasks(scope, cluster, arns)
        outcomes = run_with_deadline(second, scope.deadline) if second else {}
        task_definition: dict[str, Any] = {}
        if "definition" in outcomes:
            try:
                task_definition = _value(outcomes["definition"], "DescribeTaskDefinition")
            except CloudError as error:
                self._partial(scope, "status:task-definition", error, "the service, its deployments, events and tasks")
        tasks: list[dict[str, Any]] = []
        if "tasks" in outcomes:
            try:
                tasks = _value(outcomes["tasks"], "DescribeTasks")
            except CloudError as error:
                self._partial(scope, "status:tasks", error, "the service, its deployments and events")
        return _Snapshot(service=service, task_definition=task_definition, tasks=tasks)

    def _service(self, scope: CollectionScope, cluster: str) -> dict[str, Any]:
        response = self._call(scope, "ecs", "describe_services", "ecs:DescribeServices", cluster=cluster, services=[scope.request.service_name], include=["TAGS"])
        services = response.get("services") or []
        if not services:
            reasons = "; ".join(f.get("reason", "") for f in response.get("failures", []))
            raise NotFoundError(f"service {scope.request.service_name!r} not found in cluster {cluster!r} ({reasons or 'no such service'})", provider="aws", operation="DescribeServices")
        service: dict[str, Any] = services[0]
        return service

    def _task_arns(self, scope: CollectionScope, cluster: str, desired: str) -> list[str]:
        arns: list[str] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"cluster": cluster, "serviceName": scope.request.service_name, "desiredStatus": desired}
            if token:
                params["nextToken"] = token
            page = self._call(scope, "ecs", "list_tasks", "ecs:ListTasks", **params)
            arns.extend(page.get("taskArns", []))
            token = page.get("nextToken")
            if not token:
                return arns

    def _described_tasks(self, scope: CollectionScope, cluster: str, arns: list[str]) -> list[dict[str, Any]]:
        """The service's newest stopped tasks and its running ones."""
        tasks: list[dict[str, Any]] = []
        for start in range(0, min(len(arns), 100), 100):
            described = self._call(scope, "ecs", "describe_tasks", "ecs:DescribeTasks", cluster=cluster, tasks=arns[start : start + 100])
            tasks.extend(described.get("tasks", []))
        group = f"service:{scope.request.service_name}"
        tasks = [t for t in tasks if t.get("group") in (None, group)]
        stopped = sorted((t for t in tasks if t.get("lastStatus") == "STOPPED"), key=_stopped_at, reverse=True)[:_MAX_TASKS]
        running = [t for t in tasks if t.get("lastStatus") != "STOPPED"]
        return stopped + running

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """Deployments, tasks (stop codes, exit codes), container specs and target health."""
        snapshot = self._snapshot(scope)
        status = normalize.service_status(snapshot.service)
        endpoints = []
        targets = []
        for balancer in snapshot.service.get("loadBalancers", []):
            arn = balancer.get("targetGroupArn")
            if not arn:
                continue
            name = normalize.short_id(arn)
            # Both need only the group's ARN: one round trip, not two.
            outcomes = run_with_deadline(
                {
                    "groups": functools.partial(self._call, scope, "elbv2", "describe_target_groups", "elasticloadbalancing:DescribeTargetGroups", TargetGroupArns=[arn]),
                    "health": functools.partial(self._call, scope, "elbv2", "describe_target_health", "elasticloadbalancing:DescribeTargetHealth", TargetGroupArn=arn),
                },
                scope.deadline,
            )
            try:
                groups = _value(outcomes["groups"], "DescribeTargetGroups").get("TargetGroups", [])
                health = _value(outcomes["health"], "DescribeTargetHealth")
            except (AccessDeniedError, NotFoundError) as error:
                scope.gaps.record(f"target-group:{name}", GapKind.ACCESS_DENIED if isinstance(error, AccessDeniedError) else GapKind.FAILED, str(error), "aws")
                endpoints.append(ServiceEndpoint(name=name, kind="target-group", target_port=balancer.get("containerPort")))
                continue
            group = groups[0] if groups else {}
            port: Any = group.get("HealthCheckPort")
            check = HealthCheckSpec(
                kind="load-balancer",
                path=group.get("HealthCheckPath"),
                port=int(port) if str(port or "").isdigit() else port,
                protocol=group.get("HealthCheckProtocol"),
                matcher=(group.get("Matcher") or {}).get("HttpCode"),
                interval_seconds=group.get("HealthCheckIntervalSeconds"),
                timeout_seconds=group.get("HealthCheckTimeoutSeconds"),
                failure_threshold=group.get("UnhealthyThresholdCount"),
            )
            endpoints.append(ServiceEndpoint(name=name, kind="target-group", target_port=balancer.get("containerPort"), health_check=check))
            targets.extend(normalize.target_health(health.get("TargetHealthDescriptions", []), target_group=name))
        return attrs.evolve(
            status,
            instances=tuple(normalize.task_instances(snapshot.tasks)),
            containers=normalize.container_specs(snapshot.task_definition) if snapshot.task_definition else (),
            endpoints=tuple(endpoints) or status.endpoints,
            targets=tuple(targets),
        )

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """The service's events within the window."""
        snapshot = self._snapshot(scope)
        events = [e for e in normalize.service_events(snapshot.service) if e.timestamp is None or scope.window_start <= e.timestamp <= scope.window_end]
        return [EventData(source="ecs-service", events=tuple(events))]

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """CloudWatch Logs of the newest failed tasks, found from the task definition's awslogs options.

        Streams are read concurrently: their calls do not depend on each other.
        """
        snapshot = self._snapshot(scope)
        failed = [t for t in snapshot.tasks if t.get("lastStatus") == "STOPPED"][:_LOG_TASKS] or snapshot.tasks[:1]
        reads: dict[str, Callable[[], LogData | None]] = {}
        for container in snapshot.task_definition.get("containerDefinitions", []):
            configuration = container.get("logConfiguration") or {}
            if configuration.get("logDriver") != "awslogs":
                scope.gaps.record(f"logs:{container.get('name')}", GapKind.UNAVAILABLE, f"container {container.get('name')} logs with {configuration.get('logDriver') or 'no log driver'}, not awslogs: scdiag cannot read it", "aws")
                continue
            options = configuration.get("options") or {}
            group = options.get("awslogs-group")
            prefix = options.get("awslogs-stream-prefix")
            if not group or not prefix:
                scope.gaps.record(f"logs:{container.get('name')}", GapKind.UNAVAILABLE, "awslogs without a stream prefix: the task's stream cannot be named", "aws")
                continue
            for task in failed:
                stream = f"{prefix}/{container.get('name')}/{normalize.short_id(task.get('taskArn'))}"
                reads[stream] = functools.partial(self._read_stream, scope, group, stream)
        outcomes = run_with_deadline(reads, scope.deadline)
        logs = []
        for stream, outcome in outcomes.items():
            if outcome.timed_out:
                scope.gaps.record(f"logs:{stream}", GapKind.TIMED_OUT, "no answer before the collection deadline", "aws")
            elif isinstance(outcome.error, AccessDeniedError):
                scope.gaps.record(f"logs:{stream}", GapKind.ACCESS_DENIED, f"{outcome.error} (needs logs:GetLogEvents)", "aws")
            elif outcome.error is not None:
                scope.gaps.record(f"logs:{stream}", GapKind.FAILED, str(outcome.error), "aws")
            elif outcome.value is not None:
                logs.append(outcome.value)
        return logs

    def _read_stream(self, scope: CollectionScope, group: str, stream: str) -> LogData | None:
        try:
            response = self._call(scope, "logs", "get_log_events", "logs:GetLogEvents", logGroupName=group, logStreamName=stream, limit=scope.log_lines_limit, startFromHead=False)
        except NotFoundError:
            return None  # the task never started, so it wrote no stream
        entries = normalize.log_entries(response.get("events", []), group=group, stream=stream)
        return LogData(source="cloudwatch-logs", entries=tuple(entries), total_lines=len(entries), attributes={"stream": stream})

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """CPUUtilization and MemoryUtilization of the service (AWS/ECS), in one request."""
        cluster = self._cluster(scope.request)
        dimensions = [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": scope.request.service_name}]
        period = max(60, int(scope.metric_resolution.total_seconds()))
        queries = [
            {"Id": name.lower(), "Label": name, "MetricStat": {"Metric": {"Namespace": "AWS/ECS", "MetricName": name, "Dimensions": dimensions}, "Period": period, "Stat": "Maximum"}}
            for name in ("CPUUtilization", "MemoryUtilization")
        ]
        points = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": scope.window_start, "EndTime": scope.window_end}
            if token:
                params["NextToken"] = token
            response = self._call(scope, "cloudwatch", "get_metric_data", "cloudwatch:GetMetricData", **params)
            points.extend(normalize.metric_points_from_data(response))
            token = response.get("NextToken")
            if not token:
                break
        return [MetricData(source="cloudwatch-metrics", points=tuple(points))]


def _value(outcome: SourceOutcome, operation: str) -> Any:
    """What a concurrent call returned; its error (or the deadline) raised as the call's own."""
    if outcome.timed_out:
        raise TransientCloudError(f"{operation}: no answer before the collection deadline", provider="aws", operation=operation)
    if outcome.error is not None:
        if isinstance(outcome.error, CloudError):
            raise outcome.error
        raise CloudError(f"{operation}: {type(outcome.error).__name__}: {outcome.error}", provider="aws", operation=operation) from outcome.error
    return outcome.value


def _stopped_at(task: dict[str, Any]) -> float:
    value = task.get("stoppedAt") or task.get("createdAt")
    return value.timestamp() if isinstance(value, datetime) else 0.0

