"""Cloud Logging entries and Cloud Run objects to scdiag models.

``gcloud logging read --format=json`` prints LogEntry resources, which the live
provider reads too. Cloud Run objects come in two shapes: ``gcloud run
services|revisions describe --format=json`` prints the Knative-shaped v1
objects, and the Admin API v2 (which the live provider reads, and which
``curl``, Terraform state and the client libraries show) prints
``projects/P/locations/R/services/S`` resources. Both end as the same facts:
v2's ``CONDITION_FAILED`` and ``HEALTH_CHECK_CONTAINER_ERROR`` become v1's
``False`` and ``HealthCheckContainerError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from scdiag._units import cpu_vcpus, memory_mib
from scdiag.captures.shapes import as_dict as _dict, as_list as _list, conditions
from scdiag.captures.logtext import detect_level, parse_timestamp
from scdiag.models import Condition, ContainerSpec, ContainerStatus, HealthCheckSpec, Instance, LogEntry, LogLevel, MetricPoint, Rollout, RolloutOutcome, ServiceStatus, SourceLocation, Termination

__all__ = ["SYSTEM_LOG", "is_v2_object", "v2_job_status", "log_entry", "metric_points", "revision_rollout", "service_status", "v2_revision_rollout", "v2_service_status"]

SYSTEM_LOG = "run.googleapis.com%2Fvarlog%2Fsystem"
_SEVERITY = {
    "DEBUG": LogLevel.DEBUG,
    "INFO": LogLevel.INFO,
    "NOTICE": LogLevel.INFO,
    "WARNING": LogLevel.WARNING,
    "ERROR": LogLevel.ERROR,
    "CRITICAL": LogLevel.CRITICAL,
    "ALERT": LogLevel.CRITICAL,
    "EMERGENCY": LogLevel.CRITICAL,
}




def _payload(entry: Mapping[str, Any]) -> str:
    if isinstance(entry.get("textPayload"), str):
        return str(entry["textPayload"])
    json_payload = _dict(entry.get("jsonPayload"))
    if json_payload:
        for key in ("message", "msg", "textPayload", "error"):
            if isinstance(json_payload.get(key), str):
                return str(json_payload[key])
        return str(json_payload)
    proto = _dict(entry.get("protoPayload"))
    if proto:
        status = _dict(proto.get("status"))
        message = status.get("message") or proto.get("methodName") or ""
        return str(message)
    return ""


def log_line(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    """What a LogEntry's line is before it is built: (message, source, stream).

    The source is ``cloud-run-system`` for the platform's own lines (the
    system log, audit logs), ``cloud-run`` for the container's.
    """
    message = _payload(entry).rstrip("\n")
    labels = _dict(_dict(entry.get("resource")).get("labels"))
    log_name = str(entry.get("logName", ""))
    system = log_name.endswith(SYSTEM_LOG) or "cloudaudit" in log_name
    stream = f"{'system' if system else 'container'}/{labels.get('revision_name') or labels.get('service_name', '')}"
    return message, "cloud-run-system" if system else "cloud-run", stream


def log_entry(entry: Mapping[str, Any], location: SourceLocation | None = None) -> tuple[LogEntry, bool]:
    """One LogEntry as a log line; the flag says whether it is a platform (system) line."""
    message, source, stream = log_line(entry)
    revision = _dict(_dict(entry.get("resource")).get("labels")).get("revision_name")
    level = _SEVERITY.get(str(entry.get("severity", "")).upper(), detect_level(message))
    return (
        LogEntry(
            message=message,
            timestamp=parse_timestamp(entry.get("timestamp") or entry.get("receiveTimestamp")),
            level=level,
            stream=stream,
            location=location,
            instance=_dict(entry.get("labels")).get("instanceId"),
            attributes={"source": source, "revision": str(revision or "")},
        ),
        source == "cloud-run-system",
    )


def plain_log_entry(entry: Mapping[str, Any]) -> bool:
    """Whether :func:`log_entry` surely takes the entry as it is: its one field of a strict type (the instance) is text or absent."""
    labels = entry.get("labels")
    return labels is None or (isinstance(labels, dict) and isinstance(labels.get("instanceId", ""), str))


# Conditions whose False means the revision or service cannot serve; Ready=True means it serves.
_SERVING_CONDITIONS = frozenset({"Ready", "RoutesReady", "ConfigurationsReady"})


def _conditions(status: Mapping[str, Any]) -> tuple[Condition, ...]:
    result = []
    for condition in conditions(_list(status.get("conditions"))):
        if condition.type in _SERVING_CONDITIONS and condition.status == "False":
            condition = attrs.evolve(condition, failing=True)
        elif condition.type == "Ready" and condition.status == "True":
            condition = attrs.evolve(condition, failing=False)
        result.append(condition)
    return tuple(result)


def _memory_mib(value: Any) -> float | None:
    return memory_mib(value)


def _containers(spec: Mapping[str, Any]) -> tuple[ContainerSpec, ...]:
    result = []
    for container in map(_dict, _list(spec.get("containers"))):
        limits = _dict(_dict(container.get("resources")).get("limits"))
        probes = []
        for kind, key in (("startup", "startupProbe"), ("liveness", "livenessProbe")):
            probe = _dict(container.get(key))
            if probe:
                http = _dict(probe.get("httpGet"))
                tcp = _dict(probe.get("tcpSocket"))
                probes.append(HealthCheckSpec(kind=kind, path=http.get("path"), port=http.get("port", tcp.get("port")), timeout_seconds=probe.get("timeoutSeconds"), failure_threshold=probe.get("failureThreshold")))
        result.append(
            ContainerSpec(
                name=str(container.get("name") or "container"),
                image=container.get("image"),
                ports=tuple(int(p["containerPort"]) for p in map(_dict, _list(container.get("ports"))) if isinstance(p.get("containerPort"), int)),
                memory_limit_mib=_memory_mib(limits.get("memory")),
                cpu_limit=cpu_vcpus(limits.get("cpu")),
                health_checks=tuple(probes),
                env_names=tuple(str(e.get("name")) for e in map(_dict, _list(container.get("env"))) if e.get("name")),
            )
        )
    return tuple(result)


def revision_rollout(revision: Mapping[str, Any], current: bool = True) -> Rollout:
    """A Revision object as a rollout with its conditions."""
    metadata = _dict(revision.get("metadata"))
    status = _dict(revision.get("status"))
    conditions = _conditions(status)
    ready = next((c for c in conditions if c.type == "Ready"), None)
    state = "COMPLETED" if ready is not None and ready.status == "True" else "FAILED" if ready is not None and ready.status == "False" else "IN_PROGRESS"
    return Rollout(
        id=str(metadata.get("name", "")),
        current=current,
        status="Revision",
        rollout_state=state,
        reason=ready.reason if ready is not None and ready.status != "True" else None,
        created_at=parse_timestamp(metadata.get("creationTimestamp")),
        conditions=conditions,
    )


def service_status(service: Mapping[str, Any]) -> ServiceStatus:
    """A Service object: its Ready condition and the revision it last created."""
    metadata = _dict(service.get("metadata"))
    status = _dict(service.get("status"))
    template = _dict(_dict(service.get("spec")).get("template"))
    latest = status.get("latestCreatedRevisionName")
    ready_revision = status.get("latestReadyRevisionName")
    # Traffic names the revisions that serve: a failed new revision leaves it on the previous one.
    traffic = {str(t.get("revisionName")): t.get("percent") for t in map(_dict, _list(status.get("traffic"))) if t.get("revisionName")}

    def serving(name: object) -> bool | None:
        return None if not traffic else bool(traffic.get(str(name)))

    ready = next((c for c in _conditions(status) if c.type == "Ready"), None)
    failed_latest = ready is not None and ready.status == "False" and bool(latest) and f"'{latest}'" in (ready.message or "")
    rollouts = []
    if latest:
        outcome = RolloutOutcome.SUCCEEDED if latest == ready_revision else RolloutOutcome.FAILED if failed_latest else None
        rollouts.append(Rollout(id=str(latest), current=True, status="Revision", rollout_state="COMPLETED" if latest == ready_revision else None, serving=serving(latest), outcome=outcome))
    if ready_revision and ready_revision != latest:
        rollouts.append(Rollout(id=str(ready_revision), current=False, status="Revision", rollout_state="COMPLETED", serving=serving(ready_revision)))
    return ServiceStatus(
        name=str(metadata.get("name", "")),
        conditions=_conditions(status),
        rollouts=tuple(rollouts),
        containers=_containers(_dict(template.get("spec"))),
        attributes={"url": str(status.get("url", ""))},
    )


# -- Admin API v2 ---------------------------------------------------------------

_V2_STATUS = {"CONDITION_SUCCEEDED": "True", "CONDITION_FAILED": "False"}
_V2_REASON_KEYS = ("reason", "revisionReason", "executionReason")


def is_v2_object(value: Mapping[str, Any]) -> bool:
    """True for an Admin API v2 Service, Revision, Job, Execution or Task (its name is a resource path)."""
    name = str(value.get("name", ""))
    return name.startswith("projects/") and ("/services/" in name or "/jobs/" in name)


def _short(name: object) -> str:
    """``projects/p/locations/r/services/web/revisions/web-0001`` -> ``web-0001``."""
    return str(name or "").rsplit("/", 1)[-1]


def _camel(enum_name: str) -> str:
    # v2 spells v1's reasons as enum names: HEALTH_CHECK_CONTAINER_ERROR is HealthCheckContainerError.
    return "".join(part.capitalize() for part in enum_name.split("_"))


def _v2_condition(value: Mapping[str, Any]) -> Condition | None:
    kind = value.get("type")
    if not isinstance(kind, str) or not kind:
        return None
    state = str(value.get("state", ""))
    status = _V2_STATUS.get(state, "Unknown")
    reason = next((str(value[key]) for key in _V2_REASON_KEYS if isinstance(value.get(key), str) and not str(value[key]).endswith("UNDEFINED")), None)
    failing = True if status == "False" and kind in _SERVING_CONDITIONS else False if kind == "Ready" and status == "True" else None
    return Condition(
        type=kind,
        status=status,
        reason=_camel(reason) if reason else None,
        message=value.get("message") or None if isinstance(value.get("message"), str) else None,
        last_transition=parse_timestamp(value.get("lastTransitionTime")),
        failing=failing,
    )


def _v2_conditions(resource: Mapping[str, Any]) -> tuple[Condition, ...]:
    # A service's Ready condition is its terminalCondition; a revision lists Ready among its conditions.
    items = [_dict(resource.get("terminalCondition")), *map(_dict, _list(resource.get("conditions")))]
    seen: set[str] = set()
    result = []
    for condition in filter(None, map(_v2_condition, items)):
        if condition.type not in seen:
            seen.add(condition.type)
            result.append(condition)
    return tuple(result)


def _v2_probe(kind: str, probe: Mapping[str, Any]) -> HealthCheckSpec:
    http = _dict(probe.get("httpGet"))
    tcp = _dict(probe.get("tcpSocket"))
    grpc = _dict(probe.get("grpc"))
    port = http.get("port", tcp.get("port", grpc.get("port")))
    return HealthCheckSpec(
        kind=kind,
        path=http.get("path") if isinstance(http.get("path"), str) else None,
        port=port if isinstance(port, (int, str)) else None,
        protocol="http" if http else "grpc" if grpc else "tcp" if tcp else None,
        interval_seconds=_number(probe.get("periodSeconds")),
        timeout_seconds=_number(probe.get("timeoutSeconds")),
        failure_threshold=probe.get("failureThreshold") if isinstance(probe.get("failureThreshold"), int) else None,
        initial_delay_seconds=_number(probe.get("initialDelaySeconds")),
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _v2_containers(template: Mapping[str, Any]) -> tuple[ContainerSpec, ...]:
    result = []
    for container in map(_dict, _list(template.get("containers"))):
        limits = _dict(_dict(container.get("resources")).get("limits"))
        probes = tuple(_v2_probe(kind, _dict(container.get(key))) for kind, key in (("startup", "startupProbe"), ("liveness", "livenessProbe")) if _dict(container.get(key)))
        result.append(
            ContainerSpec(
                name=str(container.get("name") or "container"),
                image=container.get("image") if isinstance(container.get("image"), str) else None,
                ports=tuple(int(p["containerPort"]) for p in map(_dict, _list(container.get("ports"))) if isinstance(p.get("containerPort"), int)),
                memory_limit_mib=memory_mib(limits.get("memory")),
                cpu_limit=cpu_vcpus(limits.get("cpu")),
                health_checks=probes,
                env_names=tuple(str(e["name"]) for e in map(_dict, _list(container.get("env"))) if isinstance(e.get("name"), str)),
            )
        )
    return tuple(result)


def _v2_outcome(conditions: Iterable[Condition]) -> tuple[str, RolloutOutcome | None, Condition | None]:
    ready = next((c for c in conditions if c.type == "Ready"), None)
    if ready is None or ready.status == "Unknown":
        return "IN_PROGRESS", RolloutOutcome.IN_PROGRESS if ready is not None else None, ready
    if ready.status == "True":
        return "COMPLETED", RolloutOutcome.SUCCEEDED, ready
    return "FAILED", RolloutOutcome.FAILED, ready


def v2_revision_rollout(revision: Mapping[str, Any], *, current: bool, serving: bool | None = None) -> Rollout:
    """An Admin API v2 Revision as a rollout: its conditions, outcome and whether it serves."""
    conditions = _v2_conditions(revision)
    state, outcome, ready = _v2_outcome(conditions)
    return Rollout(
        id=_short(revision.get("name")),
        current=current,
        status="Revision",
        rollout_state=state,
        reason=(ready.message or ready.reason) if ready is not None and ready.status != "True" else None,
        created_at=parse_timestamp(revision.get("createTime")),
        conditions=conditions,
        serving=serving,
        outcome=outcome,
    )


def v2_service_status(service: Mapping[str, Any], revisions: Iterable[Mapping[str, Any]] = ()) -> ServiceStatus:
    """An Admin API v2 Service and the revisions read with it.

    The attempted rollout is the latest created revision; the one serving is
    named by ``trafficStatuses`` (else the latest ready one). A revision that
    never became ready while traffic stays on an older one is FAILED, and the
    older one is named as serving.
    """
    latest = _short(service.get("latestCreatedRevision"))
    ready_name = _short(service.get("latestReadyRevision"))
    traffic = {_short(t.get("revision")) or (ready_name if "LATEST" in str(t.get("type", "")) else ""): t.get("percent") for t in map(_dict, _list(service.get("trafficStatuses")))}
    traffic.pop("", None)

    def serving(name: str) -> bool | None:
        if traffic:
            return bool(traffic.get(name))
        return None if not ready_name else name == ready_name

    by_name = {_short(r.get("name")): r for r in revisions}
    conditions = _v2_conditions(service)
    rollouts = []
    if latest:
        revision = by_name.get(latest)
        if revision is not None:
            attempt = v2_revision_rollout(revision, current=True, serving=serving(latest))
        else:
            # Without the revision itself, the service's Ready condition speaks for its latest one.
            done = latest == ready_name
            ready = next((c for c in conditions if c.type == "Ready"), None)
            failed = not done and ready is not None and ready.status == "False"
            outcome = RolloutOutcome.SUCCEEDED if done else RolloutOutcome.FAILED if failed else None
            attempt = Rollout(
                id=latest,
                current=True,
                status="Revision",
                rollout_state="COMPLETED" if done else "FAILED" if failed else None,
                reason=ready.message if failed and ready is not None else None,
                serving=serving(latest),
                outcome=outcome,
            )
        rollouts.append(attempt)
    for name in dict.fromkeys([ready_name, *traffic]):
        if name and name != latest:
            revision = by_name.get(name)
            rollouts.append(
                v2_revision_rollout(revision, current=False, serving=serving(name))
                if revision is not None
                else Rollout(id=name, current=False, status="Revision", rollout_state="COMPLETED", serving=serving(name))
            )
    template = _dict(by_name.get(latest)) or _dict(service.get("template"))
    return ServiceStatus(
        name=_short(service.get("name")),
        state=next((c.status for c in conditions if c.type == "Ready"), None),
        conditions=conditions,
        rollouts=tuple(rollouts),
        containers=_v2_containers(template),
        attributes={"url": str(service.get("uri", ""))},
    )


_METRIC_NAMES = {
    "run.googleapis.com/container/memory/utilizations": ("MemoryUtilization", "Percent", 100.0),
    "run.googleapis.com/container/cpu/utilizations": ("CPUUtilization", "Percent", 100.0),
    "run.googleapis.com/container/instance_count": ("InstanceCount", "Count", 1.0),
}


def metric_points(series_list: Iterable[Mapping[str, Any]]) -> list[MetricPoint]:
    """Cloud Monitoring v3 ``timeSeries`` as points; utilisations become percentages."""
    points = []
    for series in series_list:
        metric = _dict(series.get("metric"))
        known = _METRIC_NAMES.get(str(metric.get("type", "")))
        if known is None:
            continue
        name, unit, scale = known
        labels = _dict(_dict(series.get("resource")).get("labels"))
        tags = {"revision": str(labels["revision_name"])} if labels.get("revision_name") else {}
        for point in map(_dict, _list(series.get("points"))):
            value = _dict(point.get("value"))
            raw: Any = value.get("doubleValue", value.get("int64Value"))
            when = parse_timestamp(_dict(point.get("interval")).get("endTime"))
            try:
                number = float(raw)
            except (TypeError, ValueError):
                continue
            if isinstance(when, datetime):
                points.append(MetricPoint(name=name, value=number * scale, timestamp=when, unit=unit, statistic="Maximum", tags=tags))
    return points


# -- Admin API v2: jobs -----------------------------------------------------------


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _execution_rollout(execution: Mapping[str, Any], *, current: bool) -> Rollout:
    conditions = _v2_conditions(execution)
    completed = next((c for c in conditions if c.type == "Completed"), None)
    failed = _count(execution.get("failedCount")) or 0
    if completed is not None and completed.status == "True":
        outcome, state = RolloutOutcome.SUCCEEDED, "COMPLETED"
    elif (completed is not None and completed.status == "False") or (failed and execution.get("completionTime")):
        outcome, state = RolloutOutcome.FAILED, "FAILED"
    else:
        outcome, state = RolloutOutcome.IN_PROGRESS, "IN_PROGRESS"
    failing = tuple(attrs.evolve(c, failing=True) if c.status == "False" and c.type in ("Completed", "ResourcesAvailable", "Started") else c for c in conditions)
    return Rollout(
        id=_short(execution.get("name")),
        current=current,
        status="Execution",
        rollout_state=state,
        reason=(completed.message or completed.reason) if completed is not None and completed.status == "False" else None,
        desired=_count(execution.get("taskCount")),
        running=_count(execution.get("runningCount")),
        failed=failed,
        created_at=parse_timestamp(execution.get("createTime")),
        updated_at=parse_timestamp(execution.get("completionTime")),
        conditions=failing,
        outcome=outcome,
    )


def _task_instance(task: Mapping[str, Any]) -> Instance:
    result = _dict(task.get("lastAttemptResult"))
    exit_code = _count(result.get("exitCode"))
    message = _dict(result.get("status")).get("message")
    done = task.get("completionTime") is not None or exit_code is not None
    failed = (exit_code is not None and exit_code != 0) or bool(_dict(result.get("status")).get("code"))
    termination = Termination(exit_code=exit_code, signal=_count(result.get("termSignal")), message=str(message) if message else None, finished_at=parse_timestamp(task.get("completionTime")), failed=failed) if done else None
    container = ContainerStatus(
        name=str(next((c.get("name") for c in map(_dict, _list(task.get("containers"))) if c.get("name")), "container")),
        state="terminated" if done else "running" if task.get("startTime") else "waiting",
        restart_count=_count(task.get("retried")) or 0,
        termination=termination,
        failing=failed or None,
    )
    return Instance(
        id=_short(task.get("name")),
        kind="task",
        rollout_id=_short(task.get("execution")) or None,
        phase="FAILED" if failed else "SUCCEEDED" if done else "RUNNING",
        message=str(message) if message else None,
        containers=(container,),
        created_at=parse_timestamp(task.get("createTime")),
        started_at=parse_timestamp(task.get("startTime")),
        stopped_at=parse_timestamp(task.get("completionTime")),
        failing=failed,
    )


def v2_job_status(job: Mapping[str, Any], executions: Iterable[Mapping[str, Any]] = (), tasks: Iterable[Mapping[str, Any]] = ()) -> ServiceStatus:
    """An Admin API v2 Job, its executions (the latest created is the attempt) and the tasks of that one."""
    latest = _short(_dict(job.get("latestCreatedExecution")).get("name"))
    executions = list(executions)
    if not latest and executions:
        latest = _short(max(executions, key=lambda e: str(e.get("createTime", ""))).get("name"))
    rollouts = tuple(_execution_rollout(e, current=_short(e.get("name")) == latest) for e in executions)
    template = _dict(_dict(job.get("template")).get("template"))
    return ServiceStatus(
        name=_short(job.get("name")),
        state=next((c.status for c in _v2_conditions(job) if c.type == "Ready"), None),
        conditions=_v2_conditions(job),
        rollouts=rollouts,
        instances=tuple(_task_instance(t) for t in tasks),
        containers=_v2_containers(template),
        attributes={"kind": "job"},
    )
