"""Cloud Logging entries and Cloud Run (Knative-shaped) objects to scdiag models.

``gcloud logging read --format=json`` prints LogEntry resources and
``gcloud run services|revisions describe --format=json`` prints the Cloud Run
admin API's objects: the same shapes the live provider reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from scdiag._units import cpu_vcpus, memory_mib
from scdiag.captures.shapes import as_dict as _dict, as_list as _list, conditions
from scdiag.captures.logtext import detect_level, parse_timestamp
from scdiag.models import Condition, ContainerSpec, HealthCheckSpec, LogEntry, LogLevel, Rollout, RolloutOutcome, ServiceStatus, SourceLocation

__all__ = ["SYSTEM_LOG", "log_entry", "revision_rollout", "service_status"]

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


def log_entry(entry: Mapping[str, Any], location: SourceLocation | None = None) -> tuple[LogEntry, bool]:
    """One LogEntry as a log line; the flag says whether it is a platform (system) line."""
    message = _payload(entry).rstrip("\n")
    labels = _dict(_dict(entry.get("resource")).get("labels"))
    log_name = str(entry.get("logName", ""))
    system = log_name.endswith(SYSTEM_LOG) or "cloudaudit" in log_name
    level = _SEVERITY.get(str(entry.get("severity", "")).upper(), detect_level(message))
    revision = labels.get("revision_name")
    return (
        LogEntry(
            message=message,
            timestamp=parse_timestamp(entry.get("timestamp") or entry.get("receiveTimestamp")),
            level=level,
            stream=f"{'system' if system else 'container'}/{revision or labels.get('service_name', '')}",
            location=location,
            instance=_dict(entry.get("labels")).get("instanceId"),
            attributes={"source": "cloud-run-system" if system else "cloud-run", "revision": str(revision or "")},
        ),
        system,
    )


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
