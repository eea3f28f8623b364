"""A small Kubernetes API server on 127.0.0.1 for the provider tests (stdlib only).

It serves what the provider reads (workloads, ReplicaSets, pods and their
logs, events, Services, Endpoints, PVCs, quotas, nodes, metrics), with label
selectors and limit/continue pagination, assigns uids like a real API server,
answers 404 with a Status object, and injects faults (status, headers, delay)
a bounded number of times. Every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import attrs

from tests.adapters.loopback import Fault

NAMESPACED = {
    "pods": "Pod",
    "events": "Event",
    "services": "Service",
    "endpoints": "Endpoints",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "resourcequotas": "ResourceQuota",
}
APPS = {"deployments": "Deployment", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "replicasets": "ReplicaSet"}
PLURAL = {kind: plural for plural, kind in {**NAMESPACED, **APPS}.items()}


@attrs.define
class FakeKubeAPI:
    """The server's state, faults and request log."""

    objects: dict[tuple[str, str], list[dict[str, Any]]] = attrs.field(factory=dict)
    logs: dict[tuple[str, str, bool], str] = attrs.field(factory=dict)
    metrics: list[dict[str, Any]] | None = None
    faults: list[Fault] = attrs.field(factory=list)
    requests: list[str] = attrs.field(factory=list)
    page_size: int | None = None
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, obj: dict[str, Any], namespace: str = "shop") -> None:
        """Store an object, giving it a uid like the API server does."""
        kind = obj["kind"]
        metadata = obj.setdefault("metadata", {})
        metadata.setdefault("namespace", namespace)
        metadata.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{metadata.get('name')}")))
        self.objects.setdefault((kind, metadata["namespace"] if kind != "Node" else ""), []).append(obj)

    def load_directory(self, directory: Path, *, pod: str, container: str = "web") -> None:
        """A corpus scenario's kubectl captures become the cluster; its logs become the pod's."""
        for path in sorted(directory.glob("*.json")):
            value = json.loads(path.read_text())
            for item in value.get("items", [value]) if isinstance(value, dict) else []:
                if isinstance(item, dict) and item.get("kind"):
                    self.add(item)
        for event in self.objects.get(("Event", "shop"), []):
            involved = event.get("involvedObject", {})
            involved["uid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{involved.get('kind')}/{involved.get('name')}"))
        for path in sorted(directory.glob("*.log")):
            previous = "previous" in path.name
            # The capture was taken with --timestamps; the server adds them itself, so strip them here.
            lines = [line.split(" ", 1)[1] if re.match(r"^\d{4}-\d\d-\d\dT", line) else line for line in path.read_text().splitlines()]
            self.logs[(pod, container, previous)] = "\n".join(f"2026-11-20T14:00:{i % 60:02d}.000000000Z {line}" for i, line in enumerate(lines)) + "\n"

    # -- serving ----------------------------------------------------------------

    def start(self) -> FakeKubeAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                api._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        with self._lock:
            self.requests.append(handler.path)
        fault = self._fault(parsed.path)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status:
                self._send(handler, fault.status, self._status(fault.status, "injected"), fault.headers)
                return
        status, body = self._route(parsed.path, query)
        self._send(handler, status, body)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a deadline): nothing to answer

    @staticmethod
    def _status(code: int, message: str) -> dict[str, Any]:
        reason = {404: "NotFound", 403: "Forbidden", 429: "TooManyRequests", 400: "BadRequest"}.get(code, "InternalError")
        return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason, "code": code}

    def _route(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/version":
            return 200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0"}
        match = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods/([^/]+)/log", path)
        if match:
            key = (match.group(2), query.get("container", ""), query.get("previous") == "true")
            if key not in self.logs:
                return 400, self._status(400, f'previous terminated container "{key[1]}" in pod "{key[0]}" not found')
            lines = self.logs[key].splitlines(keepends=True)
            tail = int(query.get("tailLines", len(lines)))
            return 200, "".join(lines[-tail:])
        match = re.fullmatch(r"/api/v1/nodes/([^/]+)", path)
        if match:
            return self._get("Node", "", match.group(1))
        match = re.fullmatch(r"/apis/metrics\.k8s\.io/v1beta1/namespaces/([^/]+)/pods", path)
        if match:
            if self.metrics is None:
                return 404, self._status(404, "the server could not find the requested resource")
            return 200, {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "items": self.metrics}
        match = re.fullmatch(r"/api/v1/namespaces/([^/]+)/([a-z]+)", path) or re.fullmatch(r"/apis/apps/v1/namespaces/([^/]+)/([a-z]+)", path)
        if match and (match.group(2) in NAMESPACED or match.group(2) in APPS):
            kind = {**NAMESPACED, **APPS}[match.group(2)]
            return self._list(kind, match.group(1), query)
        match = re.fullmatch(r"/apis/apps/v1/namespaces/([^/]+)/([a-z]+)/([^/]+)", path) or re.fullmatch(r"/api/v1/namespaces/([^/]+)/([a-z]+)/([^/]+)", path)
        if match:
            kind = {**NAMESPACED, **APPS}.get(match.group(2))
            if kind:
                return self._get(kind, match.group(1), match.group(3))
        return 404, self._status(404, f"the server could not find the requested resource ({path})")

    def _get(self, kind: str, namespace: str, name: str) -> tuple[int, Any]:
        for obj in self.objects.get((kind, namespace), []):
            if obj["metadata"].get("name") == name:
                return 200, obj
        return 404, self._status(404, f'{PLURAL.get(kind, kind.lower())} "{name}" not found')

    def _list(self, kind: str, namespace: str, query: dict[str, str]) -> tuple[int, Any]:
        items = [o for o in self.objects.get((kind, namespace), []) if _selected(o, query.get("labelSelector", ""))]
        start = int(query.get("continue") or 0)
        limit = min(int(query.get("limit") or len(items) or 1), self.page_size or 1 << 30)
        page = items[start : start + limit]
        more = start + limit < len(items)
        metadata = {"resourceVersion": "1"} | ({"continue": str(start + limit)} if more else {})
        stripped = [{k: v for k, v in o.items() if k != "kind"} for o in page]  # List items carry no kind
        return 200, {"kind": f"{kind}List", "apiVersion": "v1", "metadata": metadata, "items": stripped}


def _selected(obj: dict[str, Any], selector: str) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for term in filter(None, selector.split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


def kubeconfig(path: Path, url: str) -> Path:
    """A kubeconfig with one context, ``fake``, pointing at the server."""
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": url}}],
                "users": [{"name": "fake", "user": {"token": "test-token"}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": "shop"}}],
                "current-context": "fake",
            }
        )
    )
    return path


def uids(objects: Iterable[dict[str, Any]]) -> set[str]:
    """The uids of some objects."""
    return {o["metadata"]["uid"] for o in objects}
