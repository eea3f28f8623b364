"""Kubernetes API objects (as JSON: ``kubectl get -o json`` = the API's response) to scdiag models.

Pure functions over dicts. The live provider turns the client's objects into
the same dicts (``ApiClient.sanitize_for_serialization``), so a capture and
a live call normalise identically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from scdiag import regex
from scdiag._units import cpu_vcpus, memory_mib
from scdiag.captures.collector import merge_status
from scdiag.captures.shapes import as_dict as _dict, as_list as _list, conditions as _conditions
from scdiag.captures.logtext import parse_timestamp
from scdiag.models import (
    Condition,
    ContainerSpec,
    ContainerStatus,
    DiagnosticEvent,
    EventLevel,
    HealthCheckSpec,
    Instance,
    Rollout,
    RolloutOutcome,
    ServiceEndpoint,
    ServiceStatus,
    SourceLocation,
    Termination,
)

__all__ = [
    "WORKLOAD_KINDS",
    "Locator",
    "container_specs",
    "event_from_object",
    "parse_cpu",
    "parse_memory_mib",
    "pod_instance",
    "status_from_objects",
]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
_RS_IN_MESSAGE = regex.deferred(r'ReplicaSet "([^"]+)"')
_REVISION = "deployment.kubernetes.io/revision"
_REVISION_HISTORY = "deployment.kubernetes.io/revision-history"


def _time(value: Any) -> datetime | None:
    return parse_timestamp(value) if value else None


def parse_memory_mib(value: Any) -> float | None:
    """``"512Mi"`` -> 512.0; ``"1G"`` -> 953.67; ``None`` when it is not a quantity."""
    return memory_mib(value)


def parse_cpu(value: Any) -> float | None:
    """``"500m"`` -> 0.5 vCPU; ``"2"`` -> 2.0."""
    return cpu_vcpus(value)


# Waiting reasons that mean the container cannot start, as opposed to ContainerCreating or PodInitializing.
_FAILED_WAITING = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError",
    "RunContainerError", "InvalidImageName", "ErrImageNeverPull", "PreStartHookError", "PreCreateHookError", "ImageInspectError",
})
_CLEAN_END = frozenset({"", "Completed"})
_FAILED_POD_REASONS = frozenset({"Evicted"})
# Conditions of a workload that say its rollout failed: (type, status).
_FAILING_CONDITIONS = frozenset({("Progressing", "False"), ("ReplicaFailure", "True")})


def _failed_end(term: Mapping[str, Any]) -> bool:
    return term.get("exitCode") not in (None, 0) or str(term.get("reason") or "") not in _CLEAN_END


def _termination(state: Mapping[str, Any]) -> Termination | None:
    term = _dict(state.get("terminated"))
    if not term:
        return None
    return Termination(
        failed=_failed_end(term),
        exit_code=term.get("exitCode"),
        signal=term.get("signal"),
        reason=term.get("reason"),
        message=term.get("message"),
        started_at=_time(term.get("startedAt")),
        finished_at=_time(term.get("finishedAt")),
    )


def _container_status(status: Mapping[str, Any], init: bool) -> ContainerStatus:
    state = _dict(status.get("state"))
    waiting = _dict(state.get("waiting"))
    terminated = _termination(state)
    if waiting:
        name, reason, message = "waiting", waiting.get("reason"), waiting.get("message")
    elif terminated is not None:
        name, reason, message = "terminated", terminated.reason, terminated.message
    elif state.get("running") is not None:
        name, reason, message = "running", None, None
    else:
        name, reason, message = "unknown", None, None
    last = _dict(_dict(status.get("lastState")).get("terminated"))
    restarts = int(status.get("restartCount") or 0)
    failing = (
        (name == "waiting" and reason in _FAILED_WAITING)
        or (name == "terminated" and _failed_end(_dict(state.get("terminated"))))
        or (bool(last) and restarts > 0 and _failed_end(last))
    )
    return ContainerStatus(
        name=str(status.get("name", "")),
        failing=failing,
        state=name,
        reason=reason,
        message=message,
        image=status.get("image"),
        ready=status.get("ready"),
        restart_count=restarts,
        termination=terminated,
        last_termination=_termination(_dict(status.get("lastState"))),
        init=init,
    )


def _owner(metadata: Mapping[str, Any], kind: str) -> str | None:
    for owner in map(_dict, _list(metadata.get("ownerReferences"))):
        if owner.get("kind") == kind:
            return str(owner.get("name"))
    return None


Locator = Callable[[Mapping[str, Any]], SourceLocation | None]
"""Where an object was read from (capture file and line); ``None`` when live."""


def pod_instance(pod: Mapping[str, Any], location: SourceLocation | None = None) -> Instance:
    """One pod as an instance, with its containers' states."""
    metadata = _dict(pod.get("metadata"))
    status = _dict(pod.get("status"))
    spec = _dict(pod.get("spec"))
    containers = tuple(_container_status(_dict(s), True) for s in _list(status.get("initContainerStatuses")))
    containers += tuple(_container_status(_dict(s), False) for s in _list(status.get("containerStatuses")))
    pod_conditions = _conditions(_list(status.get("conditions")))
    unschedulable = any(c.type == "PodScheduled" and c.status == "False" for c in pod_conditions)
    failing = status.get("phase") == "Failed" or status.get("reason") in _FAILED_POD_REASONS or unschedulable or any(c.failing for c in containers)
    app_containers = [c for c in containers if not c.init]
    not_ready = any(c.type == "Ready" and c.status == "False" for c in pod_conditions) or (
        bool(app_containers) and all(c.ready is False for c in app_containers) and status.get("phase") == "Running"
    )
    return Instance(
        failing=failing,
        ready=False if not_ready else None,
        id=str(metadata.get("name", "")),
        kind="pod",
        rollout_id=_owner(metadata, "ReplicaSet") or _owner(metadata, "StatefulSet") or _owner(metadata, "DaemonSet"),
        phase=status.get("phase"),
        reason=status.get("reason"),
        message=status.get("message"),
        conditions=pod_conditions,
        containers=containers,
        node=spec.get("nodeName"),
        created_at=_time(metadata.get("creationTimestamp")),
        started_at=_time(status.get("startTime")),
        terminating=metadata.get("deletionTimestamp") is not None,
        location=location,
        attributes={"namespace": str(metadata.get("namespace", ""))},
    )


def _probe(kind: str, probe: Mapping[str, Any]) -> HealthCheckSpec:
    http = _dict(probe.get("httpGet"))
    tcp = _dict(probe.get("tcpSocket"))
    grpc = _dict(probe.get("grpc"))
    command = _dict(probe.get("exec")).get("command")
    return HealthCheckSpec(
        kind=kind,
        path=http.get("path"),
        port=http.get("port", tcp.get("port", grpc.get("port"))),
        protocol="HTTP" if http else "TCP" if tcp else "GRPC" if grpc else "EXEC" if command else None,
        command=" ".join(map(str, command)) if isinstance(command, list) else None,
        interval_seconds=probe.get("periodSeconds"),
        timeout_seconds=probe.get("timeoutSeconds"),
        failure_threshold=probe.get("failureThreshold"),
        initial_delay_seconds=probe.get("initialDelaySeconds"),
    )


def container_specs(pod_spec: Mapping[str, Any]) -> tuple[ContainerSpec, ...]:
    """The containers of a pod spec (or a pod template's spec) as configured."""
    specs = []
    for init, key in ((True, "initContainers"), (False, "containers")):
        for container in map(_dict, _list(pod_spec.get(key))):
            resources = _dict(container.get("resources"))
            limits = _dict(resources.get("limits"))
            requests = _dict(resources.get("requests"))
            probes = tuple(
                _probe(kind, _dict(container[field]))
                for kind, field in (("liveness", "livenessProbe"), ("readiness", "readinessProbe"), ("startup", "startupProbe"))
                if isinstance(container.get(field), dict)
            )
            specs.append(
                ContainerSpec(
                    name=str(container.get("name", "")),
                    image=container.get("image"),
                    ports=tuple(int(p["containerPort"]) for p in map(_dict, _list(container.get("ports"))) if isinstance(p.get("containerPort"), int)),
                    memory_limit_mib=parse_memory_mib(limits.get("memory")),
                    memory_request_mib=parse_memory_mib(requests.get("memory")),
                    cpu_limit=parse_cpu(limits.get("cpu")),
                    health_checks=probes,
                    env_names=tuple(str(e.get("name")) for e in map(_dict, _list(container.get("env"))) if e.get("name")),
                    init=init,
                )
            )
    return tuple(specs)


def event_from_object(event: Mapping[str, Any], location: SourceLocation | None = None) -> DiagnosticEvent:
    """A core/v1 or events.k8s.io/v1 Event."""
    metadata = _dict(event.get("metadata"))
    involved = _dict(event.get("involvedObject") or event.get("regarding"))
    series = _dict(event.get("series"))
    count = event.get("count") or series.get("count") or event.get("deprecatedCount") or 1
    last = event.get("lastTimestamp") or series.get("lastObservedTime") or event.get("eventTime") or event.get("deprecatedLastTimestamp")
    first = event.get("firstTimestamp") or event.get("deprecatedFirstTimestamp") or event.get("eventTime")
    kind = involved.get("kind")
    name = involved.get("name")
    level = EventLevel.WARNING if event.get("type") == "Warning" else EventLevel.NORMAL
    attributes = {"namespace": str(involved.get("namespace") or metadata.get("namespace") or "")}
    if event.get("reason") == "TriggeredScaleUp":
        # The cluster autoscaler is adding a node for the pending pod: capacity is on its way.
        attributes["capacity"] = "adding"
    return DiagnosticEvent(
        message=str(event.get("message") or event.get("note") or ""),
        timestamp=_time(last) or _time(first) or _time(metadata.get("creationTimestamp")),
        source="kubernetes-event",
        level=level,
        reason=event.get("reason"),
        resource=f"{kind}/{name}" if kind and name else None,
        instance=str(name) if kind == "Pod" else None,
        count=int(count),
        first_seen=_time(first),
        location=location,
        attributes=attributes,
    )


def _workload_status(obj: Mapping[str, Any]) -> ServiceStatus:
    kind = str(obj.get("kind"))
    metadata = _dict(obj.get("metadata"))
    spec = _dict(obj.get("spec"))
    status = _dict(obj.get("status"))
    conditions = tuple(
        attrs.evolve(c, failing=True) if (c.type, c.status) in _FAILING_CONDITIONS else c for c in _conditions(_list(status.get("conditions")))
    )
    desired = spec.get("replicas", 1) if kind != "DaemonSet" else status.get("desiredNumberScheduled")
    if kind == "DaemonSet":
        updated, ready = status.get("updatedNumberScheduled"), status.get("numberReady")
        available = status.get("numberAvailable")
    else:
        updated, ready = status.get("updatedReplicas"), status.get("readyReplicas")
        available = status.get("availableReplicas")
    progressing = next((c for c in conditions if c.type == "Progressing"), None)
    rs_name = None
    if progressing is not None and progressing.message:
        found = _RS_IN_MESSAGE.search(progressing.message)
        rs_name = found.group(1) if found else None
    if progressing is not None and progressing.status == "False":
        state = "FAILED"
    elif (updated or 0) >= (desired or 0) and (available or 0) >= (desired or 0) and not status.get("unavailableReplicas"):
        state = "COMPLETED"
    else:
        state = "IN_PROGRESS"
    generation_seen = status.get("observedGeneration") in (None, metadata.get("generation"))
    if not generation_seen:
        state = "IN_PROGRESS"
    ready_count = min(x for x in (updated, available, ready) if x is not None) if any(x is not None for x in (updated, available, ready)) else 0
    rollout = Rollout(
        id=rs_name or f"{metadata.get('name')}@{metadata.get('generation', '')}",
        current=True,
        status=kind,
        rollout_state=state,
        reason=progressing.reason if progressing is not None else None,
        desired=desired,
        running=updated if updated is not None else 0,
        ready=ready_count,
        pending=status.get("unavailableReplicas"),
        updated_at=progressing.last_transition if progressing is not None else None,
        conditions=conditions,
    )
    template_spec = _dict(_dict(spec.get("template")).get("spec"))
    return ServiceStatus(
        name=str(metadata.get("name", "")),
        state=state,
        desired_count=desired,
        running_count=ready,
        rollouts=(rollout,),
        containers=container_specs(template_spec),
        attributes={"kind": kind, "namespace": str(metadata.get("namespace", ""))},
    )


def _replica_sets(items: list[Mapping[str, Any]]) -> tuple[Rollout, ...]:
    def revision(rs: Mapping[str, Any]) -> int:
        annotations = _dict(_dict(rs.get("metadata")).get("annotations"))
        try:
            return int(annotations.get(_REVISION, 0))
        except (TypeError, ValueError):
            return 0

    def history(rs: Mapping[str, Any]) -> str:
        return str(_dict(_dict(rs.get("metadata")).get("annotations")).get(_REVISION_HISTORY, ""))

    newest = max((revision(rs) for rs in items), default=0)
    # `kubectl rollout undo`, `helm rollback` and Argo CD re-use the previous ReplicaSet: it gets the
    # newest revision and keeps its old numbers in revision-history. The user's attempt is then the
    # ReplicaSet with the highest revision below it, and the restored one serves.
    restored = next((rs for rs in items if revision(rs) == newest and history(rs)), None)
    earlier = [rs for rs in items if revision(rs) < newest]
    attempted = max(earlier, key=revision) if restored is not None and earlier else None
    rollouts = []
    for rs in items:
        metadata = _dict(rs.get("metadata"))
        spec = _dict(rs.get("spec"))
        status = _dict(rs.get("status"))
        is_attempt = rs is attempted if attempted is not None else revision(rs) == newest
        rollouts.append(
            Rollout(
                id=str(metadata.get("name", "")),
                current=is_attempt,
                serving=rs is restored if restored is not None and attempted is not None else None,
                outcome=RolloutOutcome.ROLLED_BACK if attempted is not None and rs is attempted else None,
                reason=f"rolled back: ReplicaSet {_dict(restored.get('metadata')).get('name')} (revision {history(restored)}) was restored" if restored is not None and rs is attempted else None,
                status="ReplicaSet",
                desired=spec.get("replicas"),
                running=status.get("availableReplicas", 0),
                ready=status.get("readyReplicas", 0),
                created_at=_time(metadata.get("creationTimestamp")),
                conditions=_conditions(_list(status.get("conditions"))),
                attributes={"revision": str(revision(rs))},
            )
        )
    return tuple(rollouts)


def _service_endpoints(services: list[Mapping[str, Any]], endpoints: list[Mapping[str, Any]]) -> tuple[ServiceEndpoint, ...]:
    addresses: dict[str, tuple[int, int]] = {}
    for item in endpoints:
        name = str(_dict(item.get("metadata")).get("name", ""))
        if item.get("kind") == "EndpointSlice":
            name = str(_dict(_dict(item.get("metadata")).get("labels")).get("kubernetes.io/service-name", name))
            ready = sum(1 for e in map(_dict, _list(item.get("endpoints"))) if _dict(e.get("conditions")).get("ready") is not False)
            not_ready = sum(1 for e in map(_dict, _list(item.get("endpoints"))) if _dict(e.get("conditions")).get("ready") is False)
        else:
            subsets = list(map(_dict, _list(item.get("subsets"))))
            ready = sum(len(_list(s.get("addresses"))) for s in subsets)
            not_ready = sum(len(_list(s.get("notReadyAddresses"))) for s in subsets)
        previous = addresses.get(name, (0, 0))
        addresses[name] = (previous[0] + ready, previous[1] + not_ready)
    result = []
    service_names = {str(_dict(s.get("metadata")).get("name", "")) for s in services}
    for name, (ready, not_ready) in addresses.items():
        if name not in service_names:
            # Endpoints read without their Service: merged with it by name later.
            result.append(ServiceEndpoint(name=name, kind="selector", ready_addresses=ready, not_ready_addresses=not_ready))
    for service in services:
        metadata = _dict(service.get("metadata"))
        spec = _dict(service.get("spec"))
        name = str(metadata.get("name", ""))
        ports = list(map(_dict, _list(spec.get("ports"))))
        target = ports[0].get("targetPort", ports[0].get("port")) if ports else None
        counts = addresses.get(name)
        result.append(
            ServiceEndpoint(
                name=name,
                kind="selector",
                target_port=target,
                ready_addresses=counts[0] if counts else None,
                not_ready_addresses=counts[1] if counts else None,
                selector={str(k): str(v) for k, v in _dict(spec.get("selector")).items()},
            )
        )
    return tuple(result)


def _node_conditions(nodes: list[Mapping[str, Any]]) -> tuple[Condition, ...]:
    result = []
    for node in nodes:
        name = _dict(node.get("metadata")).get("name")
        for condition in _conditions(_list(_dict(node.get("status")).get("conditions"))):
            abnormal = (condition.type == "Ready" and condition.status != "True") or (
                condition.type != "Ready" and condition.status == "True"
            )
            if abnormal:
                result.append(Condition(f"Node/{name} {condition.type}", condition.status, condition.reason, condition.message, condition.last_transition))
    return tuple(result)


def _pvc_conditions(claims: list[Mapping[str, Any]]) -> tuple[Condition, ...]:
    result = []
    for claim in claims:
        name = _dict(claim.get("metadata")).get("name")
        phase = _dict(claim.get("status")).get("phase")
        if phase and phase != "Bound":
            result.append(Condition(f"PersistentVolumeClaim/{name}", "False", phase, f"PersistentVolumeClaim {name} is {phase}"))
    return tuple(result)


def _quota_conditions(quotas: list[Mapping[str, Any]]) -> tuple[Condition, ...]:
    result = []
    for quota in quotas:
        name = _dict(quota.get("metadata")).get("name")
        status = _dict(quota.get("status"))
        hard, used = _dict(status.get("hard")), _dict(status.get("used"))
        for resource, limit in hard.items():
            if str(used.get(resource)) == str(limit):
                result.append(Condition(f"ResourceQuota/{name}", "False", "QuotaExhausted", f"exceeded quota: {name}, used: {resource}={used.get(resource)}, limited: {resource}={limit}"))
    return tuple(result)


def _rollouts_of_pods(pods: Iterable[Instance]) -> tuple[Rollout, ...]:
    """Without ReplicaSets, the owner of the newest pod is taken as the current rollout."""
    instances = sorted(pods, key=lambda i: i.created_at.timestamp() if i.created_at else 0.0)
    owners = list(dict.fromkeys(i.rollout_id for i in instances if i.rollout_id))
    if len(owners) < 2:
        return ()
    return tuple(Rollout(id=owner, current=owner == owners[-1], status="ReplicaSet") for owner in reversed(owners))


def status_from_objects(
    objects: Iterable[Mapping[str, Any]],
    locate: Locator | None = None,
    *,
    instances: Sequence[Instance] = (),
    pod_specs: tuple[ContainerSpec, ...] = (),
) -> ServiceStatus | None:
    """A status fragment from any mix of API objects (events excluded).

    ``instances`` are pods already normalised one by one (a large list read
    item by item), with ``pod_specs`` their first pod's containers; they join
    the pods among ``objects``.
    """
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(str(obj.get("kind")), []).append(obj)
    fragments: list[ServiceStatus] = []
    for kind in WORKLOAD_KINDS:
        fragments.extend(_workload_status(obj) for obj in by_kind.get(kind, []))
    pods = by_kind.get("Pod", [])
    replica_sets = by_kind.get("ReplicaSet", [])
    services = by_kind.get("Service", [])
    endpoints = by_kind.get("Endpoints", []) + by_kind.get("EndpointSlice", [])
    conditions = _node_conditions(by_kind.get("Node", [])) + _pvc_conditions(by_kind.get("PersistentVolumeClaim", []))
    conditions += _quota_conditions(by_kind.get("ResourceQuota", []))
    if pods or instances or replica_sets or services or endpoints or conditions:
        specs = pod_specs or (container_specs(_dict(pods[0].get("spec"))) if pods else ())
        every = tuple(instances) + tuple(pod_instance(p, locate(p) if locate else None) for p in pods)
        rollouts = _replica_sets(replica_sets) if replica_sets else _rollouts_of_pods(every)
        fragments.append(
            ServiceStatus(
                name="",
                rollouts=rollouts,
                instances=every,
                containers=specs,
                endpoints=_service_endpoints(services, endpoints),
                conditions=conditions,
            )
        )
    return merge_status(fragments)
