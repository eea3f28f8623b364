"""Azure Container Apps data (Log Analytics rows, ARM objects, metrics) to scdiag models.

Rows come from ``az monitor log-analytics query`` (or the Logs query API):
the classic custom-log tables ``ContainerAppSystemLogs_CL`` /
``ContainerAppConsoleLogs_CL`` (``Log_s``, ``Reason_s``...) and the newer
``ContainerAppSystemLogs`` / ``ContainerAppConsoleLogs`` tables; the live
provider hands over the same rows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from scdiag.captures.shapes import as_dict as _dict, as_list as _list
from scdiag.captures.logtext import detect_level, parse_timestamp
from scdiag._units import cpu_vcpus, memory_mib
from scdiag.models import (
    Condition,
    ContainerSpec,
    ContainerStatus,
    DiagnosticEvent,
    EventLevel,
    HealthCheckSpec,
    Instance,
    LogEntry,
    MetricPoint,
    Rollout,
    RolloutOutcome,
    ServiceEndpoint,
    ServiceStatus,
    SourceLocation,
)

__all__ = ["RowLayout", "app_status", "job_status", "is_system_row", "metric_points", "replica_instance", "revision_rollout", "row_event", "row_log", "row_words", "system_row_words", "workspace_of"]




@functools.lru_cache(maxsize=None)
def _keys(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each name as Log Analytics may spell it: plain, with its string suffix, with its number suffix."""
    return tuple(key for name in names for key in (name, f"{name}_s", f"{name}_d"))


def _first(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = row.get(key)
        if value is not None and value != "":
            return value
    return None


def _field(row: Mapping[str, Any], *names: str) -> Any:
    return _first(row, _keys(names))


# The spellings of the fields every row is asked for, spelled out once: a query export has millions of rows.
_SYSTEM_MARKS = _keys(("Reason", "EventSource"))
_STREAM = _keys(("Stream",))
_MESSAGE = _keys(("Log", "Msg", "Message"))
_REASON = _keys(("Reason",))


def is_system_row(row: Mapping[str, Any]) -> bool:
    """System-log rows carry a Reason or an EventSource; console rows a Stream."""
    return _first(row, _SYSTEM_MARKS) is not None and _first(row, _STREAM) is None


def row_words(row: Mapping[str, Any]) -> tuple[str, str]:
    """A system-log row's message and reason, as the event built from it will carry them."""
    return str(_first(row, _MESSAGE) or ""), str(_first(row, _REASON) or "")


def system_row_words(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """:func:`row_words` of a system-log row; ``None`` for a console row."""
    return row_words(row) if is_system_row(row) else None


class RowLayout:
    """Which spellings of the fields every row is asked for one set of columns has, found once for it.

    A query export's rows share their columns: asking each row only for the
    spellings its columns have gives what :func:`system_row_words` and the
    app and revision lookups give, without trying every other spelling on
    each of millions of rows.
    """

    __slots__ = ("_app", "_marks", "_message", "_reason", "_revision", "_stream", "units")

    def __init__(self, columns: Sequence[str]) -> None:
        self.units = any(" [" in column for column in columns)
        """Whether the columns carry their unit (``TimeGenerated [UTC]``): a row is then read by the names without it."""
        present = {column.split(" [", 1)[0] for column in columns}

        def spelled(keys: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(key for key in keys if key in present)

        self._app = spelled(("ContainerAppName_s", "ContainerAppName"))
        self._revision = spelled(("RevisionName_s", "RevisionName"))
        self._marks = spelled(_SYSTEM_MARKS)
        self._stream = spelled(_STREAM)
        self._message = spelled(_MESSAGE)
        self._reason = spelled(_REASON)

    def read(self, row: Mapping[str, Any]) -> tuple[tuple[str | None, str | None], tuple[str, str] | None]:
        """The app and revision a row names (its first non-empty text of each), and its
        :func:`system_row_words` (``None`` as well when a field cannot be read so); each
        spelling the columns lack is never asked for."""
        # The loops are written out: a call per field is most of the time of a row.
        app = revision = None
        for key in self._app:
            value = row.get(key)
            if isinstance(value, str) and value:
                app = value
                break
        for key in self._revision:
            value = row.get(key)
            if isinstance(value, str) and value:
                revision = value
                break
        try:
            for key in self._marks:
                value = row.get(key)
                if value is not None and value != "":
                    break
            else:
                return (app, revision), None
            for key in self._stream:
                value = row.get(key)
                if value is not None and value != "":
                    return (app, revision), None
            message = reason = ""
            for key in self._message:
                value = row.get(key)
                if value is not None and value != "":
                    message = str(value or "")
                    break
            for key in self._reason:
                value = row.get(key)
                if value is not None and value != "":
                    reason = str(value or "")
                    break
        except (TypeError, ValueError, AttributeError):
            return (app, revision), None  # a field no comparison or text makes sense of: read as a console row would be
        return (app, revision), (message, reason)


def row_event(row: Mapping[str, Any], location: SourceLocation | None = None) -> DiagnosticEvent:
    """A system-log row as a platform event."""
    kind = str(_field(row, "Type") or "")
    message = str(_field(row, "Log", "Msg", "Message") or "")
    return DiagnosticEvent(
        message=message,
        timestamp=parse_timestamp(_field(row, "TimeGenerated", "TimeStamp", "time")),
        source="azure-system",
        level=EventLevel.WARNING if kind.lower() == "warning" else EventLevel.NORMAL,
        reason=_field(row, "Reason"),
        resource=f"revision/{_field(row, 'RevisionName') or ''}",
        instance=_field(row, "ReplicaName"),
        location=location,
        attributes={"event_source": str(_field(row, "EventSource") or ""), "app": str(_field(row, "ContainerAppName") or "")},
    )


def row_line(row: Mapping[str, Any]) -> tuple[str, str]:
    """A console-log row's message and stream, as the log line built from it will carry them."""
    message = str(_field(row, "Log", "Msg") or "").rstrip("\n")
    container = _field(row, "ContainerName") or _field(row, "ContainerAppName") or ""
    return message, f"{_field(row, 'RevisionName') or ''}/{container}".strip("/")


def row_log(row: Mapping[str, Any], location: SourceLocation | None = None) -> LogEntry:
    """A console-log row as a log line."""
    message, stream = row_line(row)
    return LogEntry(
        message=message,
        timestamp=parse_timestamp(_field(row, "TimeGenerated", "TimeStamp", "time")),
        level=detect_level(message),
        stream=stream,
        location=location,
        instance=_field(row, "ReplicaName"),
        attributes={"source": "azure-console", "stream": str(_field(row, "Stream") or "")},
    )


def _memory_mib(value: Any) -> float | None:
    return memory_mib(value)


def _containers(template: Mapping[str, Any]) -> tuple[ContainerSpec, ...]:
    specs = []
    for container in map(_dict, _list(template.get("containers"))):
        resources = _dict(container.get("resources"))
        probes = tuple(
            HealthCheckSpec(
                kind=str(p.get("type", "")).lower() or "liveness",
                path=_dict(p.get("httpGet")).get("path"),
                port=_dict(p.get("httpGet")).get("port", _dict(p.get("tcpSocket")).get("port")),
                failure_threshold=p.get("failureThreshold"),
            )
            for p in map(_dict, _list(container.get("probes")))
        )
        specs.append(
            ContainerSpec(
                name=str(container.get("name", "")),
                image=container.get("image"),
                memory_limit_mib=_memory_mib(resources.get("memory")),
                cpu_limit=cpu_vcpus(resources.get("cpu")),
                health_checks=probes,
                env_names=tuple(str(e.get("name")) for e in map(_dict, _list(container.get("env"))) if e.get("name")),
            )
        )
    return tuple(specs)


def revision_rollout(revision: Mapping[str, Any], current: bool) -> Rollout:
    """A revision of ``az containerapp revision show/list``."""
    properties = _dict(revision.get("properties"))
    running = str(properties.get("runningState") or properties.get("runningStatus") or "")
    provisioning = str(properties.get("provisioningState") or "")
    health = str(properties.get("healthState") or "")
    failed = provisioning == "Failed" or running in ("Failed", "ActivationFailed", "Degraded") or health == "Unhealthy"
    healthy = provisioning == "Provisioned" and running in ("Running", "RunningAtMaxScale") and health in ("Healthy", "")
    details = properties.get("runningStateDetails") or properties.get("provisioningError")
    conditions = []
    if failed:
        conditions.append(Condition("Ready", "False", running or provisioning, str(details) if details else f"revision is {running or provisioning}", failing=True))
    elif healthy:
        conditions.append(Condition("Ready", "True", running, None, failing=False))
    return Rollout(
        id=str(revision.get("name", "")),
        current=current,
        status="Revision",
        rollout_state="FAILED" if failed else "COMPLETED" if healthy else "IN_PROGRESS",
        reason=str(details) if details else (running if failed else None),
        running=properties.get("replicas"),
        created_at=parse_timestamp(properties.get("createdTime")),
        conditions=tuple(conditions),
        serving=bool(properties.get("trafficWeight")) if isinstance(properties.get("trafficWeight"), (int, float)) else None,
        outcome=RolloutOutcome.FAILED if failed else RolloutOutcome.SUCCEEDED if healthy else None,
    )


def app_status(app: Mapping[str, Any]) -> ServiceStatus:
    """``az containerapp show``: ingress, template, latest revisions."""
    properties = _dict(app.get("properties"))
    configuration = _dict(properties.get("configuration"))
    ingress = _dict(configuration.get("ingress"))
    endpoints = (ServiceEndpoint(name="ingress", kind="ingress", target_port=ingress.get("targetPort")),) if ingress else ()
    latest = properties.get("latestRevisionName")
    ready = properties.get("latestReadyRevisionName")
    # Traffic with latestRevision: true goes to the latest *ready* revision; a failed new one gets none.
    weights: dict[str, float] = {}
    for entry in map(_dict, _list(ingress.get("traffic"))):
        name = ready if entry.get("latestRevision") else entry.get("revisionName")
        if name:
            weights[str(name)] = weights.get(str(name), 0.0) + float(entry.get("weight") or 0)
    rollouts = []
    if latest:
        rollouts.append(
            Rollout(
                id=str(latest),
                current=True,
                status="Revision",
                rollout_state="COMPLETED" if latest == ready else None,
                serving=bool(weights.get(str(latest))) if weights else None,
            )
        )
    if ready and ready != latest:
        rollouts.append(Rollout(id=str(ready), current=False, status="Revision", rollout_state="COMPLETED", serving=bool(weights.get(str(ready))) if weights else None))
    conditions = []
    if properties.get("provisioningState") == "Failed":
        conditions.append(Condition("Provisioned", "False", "Failed", "the container app's provisioning failed", failing=True))
    return ServiceStatus(
        name=str(app.get("name", "")),
        state=str(properties.get("runningStatus") or properties.get("provisioningState") or "") or None,
        rollouts=tuple(rollouts),
        containers=_containers(_dict(properties.get("template"))),
        endpoints=endpoints,
        conditions=tuple(conditions),
    )


def metric_points(response: Mapping[str, Any]) -> list[MetricPoint]:
    """``az monitor metrics list``: every series, Maximum preferred over Average."""
    points = []
    for metric in map(_dict, _list(response.get("value"))):
        name = str(_dict(metric.get("name")).get("value", ""))
        unit = str(metric.get("unit", ""))
        for series in map(_dict, _list(metric.get("timeseries"))):
            for datum in map(_dict, _list(series.get("data"))):
                value = datum.get("maximum", datum.get("average"))
                when = parse_timestamp(datum.get("timeStamp"))
                if when is not None and isinstance(value, (int, float)):
                    points.append(MetricPoint(name=name, value=float(value), timestamp=when, unit=unit))
    return points


def _container_status(container: Mapping[str, Any], init: bool) -> ContainerStatus:
    state = str(container.get("runningState") or "").lower()
    details = container.get("runningStateDetails")
    restarts = container.get("restartCount")
    restart_count = restarts if isinstance(restarts, int) and not isinstance(restarts, bool) else 0
    ready = container.get("ready")
    failing = None
    if state in ("waiting", "terminated") and (details or restart_count):
        failing = True
    elif state == "running":
        failing = restart_count > 0 or None
    return ContainerStatus(
        name=str(container.get("name") or ""),
        state=state if state in ("waiting", "running", "terminated") else "unknown",
        reason=str(details) if details and state != "running" else None,
        message=str(details) if details else None,
        ready=ready if isinstance(ready, bool) else None,
        restart_count=restart_count,
        init=init,
        failing=failing,
    )


def replica_instance(replica: Mapping[str, Any], revision: str | None = None) -> Instance:
    """A replica of ``az containerapp replica list`` (ARM ``.../revisions/R/replicas``) and its containers."""
    properties = _dict(replica.get("properties"))
    containers = tuple(_container_status(c, False) for c in map(_dict, _list(properties.get("containers"))))
    containers += tuple(_container_status(c, True) for c in map(_dict, _list(properties.get("initContainers"))))
    running = str(properties.get("runningState") or "")
    if revision is None:
        # ARM ids name the revision: .../revisions/web--rev7/replicas/web--rev7-5d8f...
        parts = str(replica.get("id", "")).split("/")
        revision = parts[parts.index("revisions") + 1] if "revisions" in parts[:-1] else None
    failing = True if any(c.failing for c in containers) or running == "NotRunning" else False if running == "Running" else None
    return Instance(
        id=str(replica.get("name", "")),
        kind="replica",
        rollout_id=revision,
        phase=running or None,
        message=str(properties.get("runningStateDetails") or "") or None,
        containers=containers,
        created_at=parse_timestamp(properties.get("createdTime")),
        failing=failing,
        ready=all(c.ready for c in containers if c.ready is not None) if any(c.ready is not None for c in containers) else None,
    )


def workspace_of(environment: Mapping[str, Any]) -> str | None:
    """The Log Analytics workspace (customer) id a managed environment sends its logs to."""
    logs = _dict(_dict(environment.get("properties")).get("appLogsConfiguration"))
    workspace = _dict(logs.get("logAnalyticsConfiguration")).get("customerId")
    return str(workspace) if workspace else None


_EXECUTION_OUTCOME = {
    "succeeded": RolloutOutcome.SUCCEEDED,
    "failed": RolloutOutcome.FAILED,
    "degraded": RolloutOutcome.FAILED,
    "stopped": RolloutOutcome.FAILED,
    "running": RolloutOutcome.IN_PROGRESS,
    "processing": RolloutOutcome.IN_PROGRESS,
}


def _execution_rollout(execution: Mapping[str, Any], current: bool) -> Rollout:
    properties = _dict(execution.get("properties"))
    status = str(properties.get("status") or "")
    outcome = _EXECUTION_OUTCOME.get(status.lower())
    failed = outcome is RolloutOutcome.FAILED
    conditions = (Condition("Completed", "False", status, f"job execution {status}", failing=True),) if failed else ()
    if outcome is RolloutOutcome.SUCCEEDED:
        conditions = (Condition("Completed", "True", status, None, failing=False),)
    return Rollout(
        id=str(execution.get("name", "")),
        current=current,
        status="Execution",
        rollout_state="FAILED" if failed else "COMPLETED" if outcome is RolloutOutcome.SUCCEEDED else "IN_PROGRESS" if outcome else None,
        reason=status if failed else None,
        created_at=parse_timestamp(properties.get("startTime")),
        updated_at=parse_timestamp(properties.get("endTime")),
        conditions=conditions,
        outcome=outcome,
    )


def job_status(job: Mapping[str, Any], executions: Sequence[Mapping[str, Any]]) -> ServiceStatus:
    """A Container Apps job (``az containerapp job show``) and its executions (``job execution list``).

    The newest execution is the attempt; its status is the platform's outcome.
    """
    properties = _dict(job.get("properties"))
    newest = max((str(_dict(e.get("properties")).get("startTime", "")) for e in executions), default="")
    rollouts = tuple(_execution_rollout(e, str(_dict(e.get("properties")).get("startTime", "")) == newest) for e in executions)
    conditions = []
    if properties.get("provisioningState") == "Failed":
        conditions.append(Condition("Provisioned", "False", "Failed", "the job's provisioning failed", failing=True))
    return ServiceStatus(
        name=str(job.get("name", "")),
        state=str(properties.get("provisioningState") or "") or None,
        rollouts=rollouts,
        containers=_containers(_dict(properties.get("template"))),
        conditions=tuple(conditions),
        attributes={"kind": "job"},
    )
