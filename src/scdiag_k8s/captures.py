"""Readers of kubectl output: ``get ... -o json`` and ``describe pod``.

``kubectl logs`` output is plain text and is read by the core's generic log
reader. Both readers here build API-shaped objects and hand them to
:mod:`scdiag_k8s.normalize`, the same code the live provider uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from scdiag.captures.jsontext import LineFinder, locate_status, read_json_capture, skip_malformed, unexpected_shape
from scdiag.models import DiagnosticEvent, EventLevel, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_k8s.normalize import WORKLOAD_KINDS, event_from_object, status_from_objects

__all__ = ["KubectlDescribePodReader", "KubectlJsonReader"]

_KINDS = {
    "Pod", "Event", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Service", "Endpoints",
    "EndpointSlice", "PersistentVolumeClaim", "Node", "ResourceQuota",
}
_KIND_IN_HEAD = re.compile(r'"kind"\s*:\s*"(\w+)"')
_API_VERSION = re.compile(r'"apiVersion"\s*:\s*"[^"]*"')


def _service_hint(obj: Mapping[str, Any]) -> str | None:
    metadata = obj.get("metadata") or {}
    kind = obj.get("kind")
    if kind in WORKLOAD_KINDS:
        return str(metadata.get("name"))
    labels = metadata.get("labels") or {}
    for key in ("app.kubernetes.io/name", "app", "k8s-app"):
        if key in labels:
            return str(labels[key])
    return None


class KubectlJsonReader:
    """``kubectl get pods|events|deployments|... -o json``: a List or a single object."""

    name: ClassVar[str] = "kubectl-get-json"
    provider: ClassVar[str | None] = "kubernetes"

    def sniff(self, source: CaptureSource) -> float:
        """Sure when the head has an apiVersion and a Kubernetes kind."""
        kinds = set(_KIND_IN_HEAD.findall(source.head))
        # Cloud Run's admin API speaks Knative: same apiVersion/kind shape, not a cluster object.
        if not _API_VERSION.search(source.head) or "serving.knative.dev" in source.head:
            return 0.0
        if kinds & _KINDS or any(k.endswith("List") and k[:-4] in _KINDS for k in kinds):
            return 0.9
        return 0.3 if "List" in kinds else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Events become events; everything else becomes the service status."""
        with unexpected_shape(source, self.name):
            value, text = read_json_capture(source, sink)
            items: list[Any] = value["items"] if isinstance(value, dict) and isinstance(value.get("items"), list) else [value]
            objects = []
            count = 0
            finder = LineFinder(text)
            locations: dict[int, SourceLocation] = {}
            for index, item in enumerate(items):
                if not isinstance(item, dict) or "kind" not in item:
                    if isinstance(value, dict) and isinstance(item, dict) and value.get("kind", "").endswith("List"):
                        item = {**item, "kind": value["kind"][:-4]}
                    else:
                        sink.skipped_line(index + 1, "item without a kind")
                        continue
                name = (item.get("metadata") or {}).get("name") if isinstance(item.get("metadata"), dict) else None
                line = finder.line_of(f'"name": "{name}"') if name else None
                location = SourceLocation(source.name, line)
                with skip_malformed(sink, line or index + 1, str(item.get("kind"))):
                    if item.get("kind") == "Event":
                        sink.add_event(event_from_object(item, location))
                    else:
                        status_from_objects([item])  # normalises, or raises on a wrong shape: only sound objects go on
                        locations[id(item)] = location
                        objects.append(item)
                        sink.hint(provider="kubernetes", service=_service_hint(item))
                    count += 1
            if count:
                sink.hint(provider="kubernetes")
            status = status_from_objects(objects, lambda obj: locations.get(id(obj)))
            if status is not None:
                sink.add_status(locate_status(status, text, source.name))
            return count


_TOP = re.compile(r"^([A-Z][A-Za-z ]+):\s*(.*)$")
_KEY = re.compile(r"^(\s+)([A-Za-z][A-Za-z ]*):\s*(.*)$")
_EVENT_ROW = re.compile(r"^\s+(Normal|Warning)\s+(\S+)\s+(.+?)\s{2,}(\S.*?)\s{2,}(.*)$")
_COUNT = re.compile(r"\(x(\d+) over")


def _describe_time(text: str) -> str | None:
    try:
        return parsedate_to_datetime(text.strip()).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _state(block: Mapping[str, str]) -> dict[str, Any]:
    kind = block.get("", "").strip().lower()
    if kind == "waiting":
        return {"waiting": {"reason": block.get("Reason"), "message": block.get("Message")}}
    if kind == "terminated":
        code = block.get("Exit Code")
        signal = block.get("Signal")
        return {
            "terminated": {
                "reason": block.get("Reason"),
                "message": block.get("Message"),
                "exitCode": int(code) if code and code.lstrip("-").isdigit() else None,
                "signal": int(signal) if signal and signal.isdigit() else None,
                "startedAt": _describe_time(block.get("Started", "")),
                "finishedAt": _describe_time(block.get("Finished", "")),
            }
        }
    if kind == "running":
        return {"running": {"startedAt": _describe_time(block.get("Started", ""))}}
    return {}


class KubectlDescribePodReader:
    """``kubectl describe pod`` text: states, last states, limits, conditions, events."""

    name: ClassVar[str] = "kubectl-describe-pod"
    provider: ClassVar[str | None] = "kubernetes"

    def sniff(self, source: CaptureSource) -> float:
        """Sure when it starts like a pod description."""
        head = source.head.lstrip()
        if head.startswith("Name:") and re.search(r"^Namespace:", head, re.M) and re.search(r"^(Containers|Status):", head, re.M):
            return 0.9
        return 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """One or more pod descriptions (separated by blank lines before ``Name:``)."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                lines = stream.read().split("\n")
            pods: list[tuple[int, list[str]]] = []
            for number, line in enumerate(lines, 1):
                if line.startswith("Name:") or not pods:
                    pods.append((number, []))
                pods[-1][1].append(line)
            count = 0
            for first, block in pods:
                if not block or not block[0].startswith("Name:"):
                    continue
                pod, events = self._parse(block, first, source.name)
                status = status_from_objects([pod], lambda _obj: SourceLocation(source.name, first))
                if status is not None:
                    sink.add_status(status)
                for event in events:
                    sink.add_event(event)
                sink.hint(provider="kubernetes", service=_service_hint(pod))
                count += 1
            return count

    def _parse(self, lines: list[str], first: int, name: str) -> tuple[dict[str, Any], list[DiagnosticEvent]]:
        top: dict[str, str] = {}
        labels: dict[str, str] = {}
        containers: list[dict[str, Any]] = []
        conditions: list[dict[str, str]] = []
        events: list[DiagnosticEvent] = []
        section = ""
        container: dict[str, Any] | None = None
        sub: dict[str, str] | None = None
        sub_indent = 0
        for offset, line in enumerate(lines):
            if not line.strip():
                continue
            top_match = _TOP.match(line)
            if top_match and not line.startswith(" "):
                section = top_match.group(1)
                top[section] = top_match.group(2).strip()
                if section == "Labels" and "=" in top[section]:
                    key, _, value = top[section].partition("=")
                    labels[key] = value
                container, sub = None, None
                continue
            if section == "Labels" and "=" in line:
                key, _, value = line.strip().partition("=")
                labels[key] = value
            elif section in ("Containers", "Init Containers"):
                indent = len(line) - len(line.lstrip())
                if indent == 2 and line.strip().endswith(":"):
                    container = {"name": line.strip()[:-1], "init": section == "Init Containers", "fields": {}, "limits": {}}
                    containers.append(container)
                    sub = None
                    continue
                if container is None:
                    continue
                key_match = _KEY.match(line)
                if key_match is None:
                    continue
                key, value = key_match.group(2), key_match.group(3).strip()
                if indent == 4:
                    if key in ("State", "Last State"):
                        sub = {"": value}
                        container["fields"][key] = sub
                        sub_indent = 6
                    elif key in ("Limits", "Requests"):
                        sub = {}
                        container["limits" if key == "Limits" else "requests"] = sub
                        sub_indent = 6
                    else:
                        container["fields"][key] = value
                        sub = None
                elif sub is not None and indent >= sub_indent:
                    sub[key] = value
            elif section == "Conditions":
                parts = line.split()
                if len(parts) >= 2 and parts[0] != "Type":
                    conditions.append({"type": parts[0], "status": parts[1]})
            elif section == "Events":
                row = _EVENT_ROW.match(line)
                if row:
                    count = _COUNT.search(row.group(3))
                    events.append(
                        DiagnosticEvent(
                            message=row.group(5).strip(),
                            source="kubernetes-event",
                            level=EventLevel.WARNING if row.group(1) == "Warning" else EventLevel.NORMAL,
                            reason=row.group(2),
                            resource=f"Pod/{top.get('Name', '')}",
                            instance=top.get("Name"),
                            count=int(count.group(1)) if count else 1,
                            location=SourceLocation(name, first + offset),
                        )
                    )
        controlled = top.get("Controlled By", "")
        owner_kind, _, owner_name = controlled.partition("/")
        statuses: list[tuple[dict[str, Any], bool]] = []
        specs: list[tuple[dict[str, Any], bool]] = []
        for item in containers:
            fields = item["fields"]
            state = fields.get("State") if isinstance(fields.get("State"), dict) else {}
            last = fields.get("Last State") if isinstance(fields.get("Last State"), dict) else {}
            ready = fields.get("Ready")
            restarts = fields.get("Restart Count", "0")
            statuses.append((
                {
                    "name": item["name"],
                    "image": fields.get("Image"),
                    "state": _state(state),
                    "lastState": _state(last),
                    "ready": ready == "True" if ready in ("True", "False") else None,
                    "restartCount": int(restarts) if str(restarts).isdigit() else 0,
                },
                item["init"],
            ))
            port = str(fields.get("Port", "")).split("/")[0]
            specs.append((
                {
                    "name": item["name"],
                    "image": fields.get("Image"),
                    "ports": [{"containerPort": int(port)}] if port.isdigit() else [],
                    "resources": {"limits": item["limits"], "requests": item.get("requests", {})},
                },
                item["init"],
            ))
        status_line = top.get("Status", "")
        pod = {
            "kind": "Pod",
            "metadata": {
                "name": top.get("Name"),
                "namespace": top.get("Namespace"),
                "labels": labels,
                "ownerReferences": [{"kind": owner_kind, "name": owner_name}] if owner_name else [],
                "creationTimestamp": _describe_time(top.get("Start Time", "")),
                "deletionTimestamp": "terminating" if status_line.startswith("Terminating") else None,
            },
            "spec": {
                "nodeName": top.get("Node", "").split("/")[0] or None,
                "initContainers": [s for s, init in specs if init],
                "containers": [s for s, init in specs if not init],
            },
            "status": {
                "phase": status_line.split()[0] if status_line else None,
                "reason": top.get("Reason"),
                "message": top.get("Message"),
                "startTime": _describe_time(top.get("Start Time", "")),
                "conditions": conditions,
                "initContainerStatuses": [s for s, init in statuses if init],
                "containerStatuses": [s for s, init in statuses if not init],
            },
        }
        return pod, events
