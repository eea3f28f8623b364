"""Live diagnosis of a Kubernetes rollout through the official client.

Every API call goes through :func:`scdiag.cloudcall.cloud_call` with an
explicit timeout bounded by the collection deadline. Responses are read raw
(``_preload_content=False``): they are the same JSON ``kubectl get -o json``
prints, so :mod:`scdiag_k8s.normalize` turns a live cluster and a capture
into identical data.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from scdiag.captures.logtext import detect_level, split_timestamp
from scdiag.cache import file_fingerprint
from scdiag.cloudcall import CloudOperation, cloud_call
from scdiag.config import DiagnosticsConfig
from scdiag.deadline import Deadline
from scdiag.errors import AccessDeniedError, CloudError, NotFoundError
from scdiag.models import (
    DiagnosticRequest,
    EventData,
    GapKind,
    LogData,
    LogEntry,
    MetricData,
    MetricPoint,
    ServiceStatus,
    SourceLocation,
    utcnow,
)
from scdiag.ports import CollectionScope

from scdiag_k8s import _errors
from scdiag_k8s.normalize import event_from_object, parse_cpu, parse_memory_mib, pod_instance, status_from_objects

__all__ = ["KubernetesProvider"]

_LOG_BYTES = 512 * 1024
"""At most this much of one container's log is fetched."""
_CALL_TIMEOUT = 15.0
_WAITING_FAILURES = {"CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "ErrImagePull", "ImagePullBackOff"}


@attrs.define
class _Snapshot:
    """What every collector needs, fetched once per diagnosis."""

    workload: dict[str, Any] | None
    pods: list[dict[str, Any]]
    replica_sets: list[dict[str, Any]]
    uids: set[str]


def _raw_get(client: Any, path: str, query: Mapping[str, Any], accept: str, timeout: float) -> bytes:
    """GET through the client's own auth and TLS settings; the body unparsed.

    Raw bytes, not the generated models: the JSON is exactly what kubectl
    prints, so live data and captures go through one normaliser.
    """
    from kubernetes.client.exceptions import ApiException

    method, url, headers, body, post = client.param_serialize(
        "GET",
        path,
        query_params=[(k, v) for k, v in query.items() if v is not None],
        header_params={"Accept": accept},
        auth_settings=["BearerToken"],
    )
    response = client.call_api(method, url, header_params=headers, body=body, post_params=post, _request_timeout=(min(5.0, timeout), timeout))
    response.read()
    if not 200 <= response.status <= 299:
        raise ApiException(http_resp=response)
    data: bytes = response.data
    return data


def _selector(match_labels: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


def _items(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [i for i in response.get("items", []) if isinstance(i, dict)]


def _kind(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    # List responses (PodList...) leave `kind` off their items; kubectl adds it back, so do we.
    return [{**item, "kind": kind} for item in items]


class KubernetesProvider:
    """Implements :class:`scdiag.ports.DiagnosticProvider` for any Kubernetes cluster.

    Args:
        config: the diagnostics configuration (``providers.kubernetes``).
        api_client: a ready ``kubernetes.client.ApiClient`` (tests pass one
            pointed at a loopback server); built from the kubeconfig otherwise.
    """

    name: ClassVar[str] = "kubernetes"

    def __init__(self, config: DiagnosticsConfig, api_client: Any = None) -> None:
        self._config = config
        self._api_client = api_client
        self._client_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshot_for: tuple[CollectionScope, _Snapshot] | None = None

    # -- plumbing -------------------------------------------------------------

    def cache_identity(self, request: DiagnosticRequest) -> Mapping[str, str]:
        """The kubeconfig (path, size, modification time) and the context: a switched context is another cluster."""
        options = request.context.options
        path = options.get("kubeconfig") or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or os.path.expanduser("~/.kube/config")
        context = options.get("context") or (self._config.providers.kubernetes.contexts or ("",))[0]
        return {"kubeconfig": file_fingerprint(path), "context": context, "in-cluster": os.environ.get("KUBERNETES_SERVICE_HOST", "")}

    def _client(self, request: DiagnosticRequest) -> Any:
        with self._client_lock:
            if self._api_client is None:
                from scdiag_k8s._client import build_api_client

                options = request.context.options
                context = options.get("context") or (self._config.providers.kubernetes.contexts or (None,))[0]
                self._api_client = build_api_client(kubeconfig=options.get("kubeconfig"), context=context)
            return self._api_client

    def _call(self, scope: CollectionScope, method: str, fn: Callable[[float], Any], permission: str) -> Any:
        """One API call: timeout within the deadline, retries and a span from cloud_call."""
        op = CloudOperation(provider="kubernetes", service="Kubernetes", method=method, target=scope.request.service_name)

        def attempt() -> Any:
            timeout = max(0.5, min(_CALL_TIMEOUT, scope.deadline.remaining()))
            return fn(timeout)

        return cloud_call(op, attempt, classify=lambda e: _errors.classify(e, operation=method, permission=permission), deadline=scope.deadline)

    def _get_json(self, scope: CollectionScope, method: str, path: str, permission: str, query: Mapping[str, Any] | None = None) -> dict[str, Any]:
        client = self._client(scope.request)

        def fetch(timeout: float) -> dict[str, Any]:
            data: dict[str, Any] = json.loads(_raw_get(client, path, query or {}, "application/json", timeout) or b"{}")
            return data

        result: dict[str, Any] = self._call(scope, method, fetch, permission)
        return result

    def _list(self, scope: CollectionScope, method: str, path: str, permission: str, query: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a list, page by page (one cloud_call per page)."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._get_json(scope, method, path, permission, {**(query or {}), "limit": 500, "continue": token})
            items.extend(_items(page))
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    def _namespace(self, request: DiagnosticRequest) -> str:
        return request.context.options.get("namespace") or "default"

    # -- the port -------------------------------------------------------------

    def validate_credentials(self, request: DiagnosticRequest) -> None:
        """List one pod of the namespace: cheap, and it proves the RBAC read."""
        now = utcnow()
        scope = CollectionScope(request=request, window_start=now, window_end=now, deadline=Deadline.after(30))
        namespace = self._namespace(request)
        self._get_json(scope, "list_namespaced_pod", f"/api/v1/namespaces/{namespace}/pods", f"list pods in namespace {namespace}", {"limit": 1})

    def _snapshot(self, scope: CollectionScope) -> _Snapshot:
        # The four collectors run at once; the first fetches, the others wait and share.
        with self._snapshot_lock:
            if self._snapshot_for is None or self._snapshot_for[0] is not scope:
                self._snapshot_for = (scope, self._fetch_snapshot(scope))
            return self._snapshot_for[1]

    def _find_workload(self, scope: CollectionScope) -> dict[str, Any] | None:
        namespace = self._namespace(scope.request)
        name = scope.request.service_name
        for kind, plural in (("Deployment", "deployments"), ("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets")):
            try:
                obj = self._get_json(scope, f"read_namespaced_{kind.lower()}", f"/apis/apps/v1/namespaces/{namespace}/{plural}/{name}", f"get {plural} in namespace {namespace}")
            except NotFoundError:
                continue
            return {**obj, "kind": kind}
        return None

    def _fetch_snapshot(self, scope: CollectionScope) -> _Snapshot:
        namespace = self._namespace(scope.request)
        workload = self._find_workload(scope)
        if workload is not None:
            labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            selector = _selector(labels)
        else:
            selector = self._config.providers.kubernetes.label_selector.format(service=scope.request.service_name)
        pods = _kind(self._list(scope, "list_namespaced_pod", f"/api/v1/namespaces/{namespace}/pods", f"list pods in namespace {namespace}", {"labelSelector": selector}), "Pod")
        replica_sets: list[dict[str, Any]] = []
        if workload is not None and workload["kind"] == "Deployment":
            uid = (workload.get("metadata") or {}).get("uid")
            every = _kind(self._list(scope, "list_namespaced_replica_set", f"/apis/apps/v1/namespaces/{namespace}/replicasets", f"list replicasets in namespace {namespace}", {"labelSelector": selector}), "ReplicaSet")
            replica_sets = [rs for rs in every if not uid or any(o.get("uid") == uid for o in (rs.get("metadata") or {}).get("ownerReferences", []))]
        uids = {str(uid) for o in [*(p for p in [workload] if p), *replica_sets, *pods] if (uid := (o.get("metadata") or {}).get("uid"))}
        return _Snapshot(workload, pods, replica_sets, uids)

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """Workload, ReplicaSets, pods, the Services that select them, PVCs, quotas and nodes."""
        snapshot = self._snapshot(scope)
        if snapshot.workload is None and not snapshot.pods:
            raise NotFoundError(
                f"no Deployment, StatefulSet or DaemonSet named {scope.request.service_name!r} and no pod matching "
                f"{self._config.providers.kubernetes.label_selector.format(service=scope.request.service_name)} in namespace {self._namespace(scope.request)}",
                provider="kubernetes",
                operation="get_service_status",
            )
        namespace = self._namespace(scope.request)
        objects: list[dict[str, Any]] = [*(w for w in [snapshot.workload] if w), *snapshot.replica_sets, *snapshot.pods]
        pod_labels = [((p.get("metadata") or {}).get("labels") or {}) for p in snapshot.pods]
        template_labels = (((snapshot.workload or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
        extra = [
            ("Service", "services", "list_namespaced_service", f"list services in namespace {namespace}"),
            ("Endpoints", "endpoints", "list_namespaced_endpoints", f"list endpoints in namespace {namespace}"),
            ("PersistentVolumeClaim", "persistentvolumeclaims", "list_namespaced_persistent_volume_claim", f"list persistentvolumeclaims in namespace {namespace}"),
            ("ResourceQuota", "resourcequotas", "list_namespaced_resource_quota", f"list resourcequotas in namespace {namespace}"),
        ]
        fetched: dict[str, list[dict[str, Any]]] = {}
        for kind, plural, method, permission in extra:
            try:
                fetched[kind] = _kind(self._list(scope, method, f"/api/v1/namespaces/{namespace}/{plural}", permission), kind)
            except AccessDeniedError as error:
                scope.gaps.record(plural, GapKind.ACCESS_DENIED, f"{error} (needs {permission})", "kubernetes")
                fetched[kind] = []
        services = [s for s in fetched["Service"] if _selects(s, pod_labels, template_labels)]
        names = {(s.get("metadata") or {}).get("name") for s in services}
        endpoints = [e for e in fetched["Endpoints"] if (e.get("metadata") or {}).get("name") in names]
        claims_used = {
            (v.get("persistentVolumeClaim") or {}).get("claimName")
            for p in snapshot.pods
            for v in (p.get("spec") or {}).get("volumes", []) or []
        }
        claims = [c for c in fetched["PersistentVolumeClaim"] if (c.get("metadata") or {}).get("name") in claims_used]
        nodes = []
        for node_name in sorted({str(n) for p in snapshot.pods if (n := (p.get("spec") or {}).get("nodeName"))}):
            try:
                nodes.append({**self._get_json(scope, "read_node", f"/api/v1/nodes/{node_name}", "get nodes (cluster-wide)"), "kind": "Node"})
            except (AccessDeniedError, NotFoundError) as error:
                scope.gaps.record(f"node/{node_name}", GapKind.ACCESS_DENIED if isinstance(error, AccessDeniedError) else GapKind.UNAVAILABLE, str(error), "kubernetes")
        objects += services + endpoints + claims + fetched["ResourceQuota"] + nodes
        status = status_from_objects(objects, lambda obj: SourceLocation(f"kubernetes:{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"))
        if status is None:
            return ServiceStatus(name=scope.request.service_name)
        return attrs.evolve(status, name=status.name or scope.request.service_name)

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """Events about the workload, its ReplicaSets and pods (by uid), within the lookback."""
        snapshot = self._snapshot(scope)
        namespace = self._namespace(scope.request)
        items = self._list(scope, "list_namespaced_event", f"/api/v1/namespaces/{namespace}/events", f"list events in namespace {namespace}")
        since = scope.window_end - scope.event_lookback if scope.request.start_time is None else scope.window_start
        # Pods of a ReplicaSet are named after it: events about pods already deleted (a rollout that was
        # undone, its pods gone) still belong to the workload.
        prefixes = tuple(f"{(rs.get('metadata') or {}).get('name')}-" for rs in snapshot.replica_sets)
        events = []
        for item in items:
            involved = item.get("involvedObject") or item.get("regarding") or {}
            deleted_pod = involved.get("kind") == "Pod" and bool(prefixes) and str(involved.get("name", "")).startswith(prefixes)
            if snapshot.uids and involved.get("uid") not in snapshot.uids and not deleted_pod:
                continue
            event = event_from_object({**item, "kind": "Event"}, SourceLocation(f"kubernetes:Event/{(item.get('metadata') or {}).get('name')}"))
            if event.timestamp is not None and event.timestamp < since:
                continue
            events.append(event)
        return [EventData(source="kubernetes-event", events=tuple(events))]

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """Logs of each failing container of the current rollout, current and previous run."""
        snapshot = self._snapshot(scope)
        namespace = self._namespace(scope.request)
        status = status_from_objects([*(w for w in [snapshot.workload] if w), *snapshot.replica_sets, *snapshot.pods])
        current = status.current_rollout() if status else None
        logs = []
        for pod in snapshot.pods:
            instance = pod_instance(pod)
            if instance.terminating or (current is not None and instance.rollout_id not in (None, current.id)):
                continue
            for container in instance.containers:
                failing = container.restart_count > 0 or container.reason in _WAITING_FAILURES or container.state == "terminated"
                if not failing:
                    continue
                runs = [True] if container.restart_count > 0 or container.last_termination else []
                runs.append(False)
                for previous in runs:
                    log = self._read_log(scope, namespace, instance.id, container.name, previous)
                    if log is not None:
                        logs.append(log)
        return logs

    def _read_log(self, scope: CollectionScope, namespace: str, pod: str, container: str, previous: bool) -> LogData | None:
        permission = f"get pods/log in namespace {namespace}"
        client = self._client(scope.request)
        tail = scope.log_lines_limit

        def fetch(timeout: float) -> str:
            query = {"container": container, "previous": "true" if previous else "false", "tailLines": tail, "limitBytes": _LOG_BYTES, "timestamps": "true"}
            return _raw_get(client, f"/api/v1/namespaces/{namespace}/pods/{pod}/log", query, "*/*", timeout).decode("utf-8", errors="replace")

        try:
            text: str = self._call(scope, "read_namespaced_pod_log", fetch, permission)
        except AccessDeniedError as error:
            scope.gaps.record(f"logs:{pod}/{container}", GapKind.ACCESS_DENIED, f"{error} (needs {permission})", "kubernetes")
            return None
        except CloudError as error:
            if previous and error.status == 400:
                return None  # no previous run to read
            scope.gaps.record(f"logs:{pod}/{container}", GapKind.FAILED, str(error), "kubernetes")
            return None
        stream = f"pod/{pod}/{container}" + (" (previous)" if previous else "")
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            stamp, message = split_timestamp(line)
            entries.append(
                LogEntry(message=message, timestamp=stamp, level=detect_level(message), stream=stream, location=SourceLocation(f"kubernetes:logs/{pod}/{container}", number), previous=previous, instance=pod)
            )
        return LogData(source="kubernetes-logs", entries=tuple(entries), total_lines=len(entries), attributes={"stream": stream})

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """Pod metrics from metrics.k8s.io; a cluster without it is a data gap, not an error."""
        snapshot = self._snapshot(scope)
        namespace = self._namespace(scope.request)
        names = {(p.get("metadata") or {}).get("name") for p in snapshot.pods}
        try:
            response = self._get_json(scope, "list_pod_metrics", f"/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods", f"list pods.metrics.k8s.io in namespace {namespace}")
        except NotFoundError:
            scope.gaps.record("metrics", GapKind.UNAVAILABLE, "the cluster has no metrics.k8s.io API (metrics-server is not installed)", "kubernetes")
            return []
        from scdiag.captures.logtext import parse_timestamp

        points = []
        for item in _items(response):
            pod = (item.get("metadata") or {}).get("name")
            when = parse_timestamp(item.get("timestamp"))
            if pod not in names or when is None:
                continue
            for container in item.get("containers", []):
                usage = container.get("usage") or {}
                tags = {"pod": str(pod), "container": str(container.get("name"))}
                memory = parse_memory_mib(usage.get("memory"))
                cpu = parse_cpu(usage.get("cpu"))
                if memory is not None:
                    points.append(MetricPoint(name="memory_working_set_mib", value=memory, timestamp=when, unit="MiB", tags=tags))
                if cpu is not None:
                    points.append(MetricPoint(name="cpu_usage_cores", value=cpu, timestamp=when, unit="cores", tags=tags))
        return [MetricData(source="metrics.k8s.io", points=tuple(points))]


def _selects(service: Mapping[str, Any], pod_labels: list[Mapping[str, Any]], template_labels: Mapping[str, Any]) -> bool:
    """Whether a Service is meant for the workload: it selects its pods, or shares a label key/value with them."""
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return False
    candidates = [*pod_labels, template_labels]
    if any(all(labels.get(k) == v for k, v in selector.items()) for labels in candidates if labels):
        return True
    # A selector that matches nothing but names the workload's app is the classic label mismatch.
    values = {str(v) for labels in candidates for v in labels.values()}
    return any(str(v) in values for v in selector.values())

