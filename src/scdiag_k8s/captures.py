"""The reader of ``kubectl get ... -o json`` (and ``-o yaml``, which the core hands over as JSON).

``kubectl logs`` output is plain text and is read by the core's generic log
reader; ``kubectl describe`` and the ``get`` tables have readers of their own
(:mod:`scdiag_k8s.describe`, :mod:`scdiag_k8s.tables`). All of them build
API-shaped objects and hand them to :mod:`scdiag_k8s.normalize`, the same
code the live provider uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from scdiag import regex
from scdiag.captures.jsontext import LineFinder, locate_status, read_json_capture, read_element, unexpected_shape
from scdiag.captures.repair import SHAPE_ERRORS
from scdiag.models import DiagnosticEvent, ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_k8s.normalize import WORKLOAD_KINDS, event_from_object, status_from_objects

__all__ = ["KubectlJsonReader"]

_KINDS = {
    "Pod", "Event", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Service", "Endpoints",
    "EndpointSlice", "PersistentVolumeClaim", "Node", "ResourceQuota",
}
_KIND_IN_HEAD = regex.compile(r'"kind"\s*:\s*"(\w+)"')
_API_VERSION = regex.compile(r'"apiVersion"\s*:\s*"[^"]*"')


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



def _sound_status(pending: list[tuple[dict[str, Any], int, str, SourceLocation]], sink: CaptureSink) -> ServiceStatus | None:
    """The status of the objects (each with its line, kind and location); what an object cannot give costs only that.

    Most captures are sound: all objects are normalised together at once. When
    that fails on a shape, each object is normalised alone first, and only the
    sound ones (or what is sound of them) go on to the status; ``pending`` is
    then narrowed to those.
    """
    locations = {id(item): location for item, _line, _what, location in pending}
    try:
        hints = [_service_hint(item) for item, _line, _what, _location in pending]
        status = status_from_objects([item for item, _line, _what, _location in pending], lambda obj: locations.get(id(obj)))
    except SHAPE_ERRORS:
        pass
    else:
        for service in hints:
            sink.hint(provider="kubernetes", service=service)
        return status
    sound: list[tuple[dict[str, Any], int, str, SourceLocation]] = []
    for item, line, what, location in pending:
        checked = read_element(sink, line, what, item, lambda obj: (status_from_objects([obj]), _service_hint(obj)))
        if checked is not None:
            (_status, service), kept = checked
            sound.append((kept, line, what, location))
            sink.hint(provider="kubernetes", service=service)
    pending[:] = sound
    kept_locations = {id(item): location for item, _line, _what, location in sound}
    return status_from_objects([item for item, _line, _what, _location in sound], lambda obj: kept_locations.get(id(obj)))


def _event_builder(sink: CaptureSink, line: int, what: str, item: dict[str, Any], location: SourceLocation) -> Callable[[], DiagnosticEvent | None]:
    def build() -> DiagnosticEvent | None:
        event = read_element(sink, line, what, item, lambda obj: event_from_object(obj, location))
        return event[0] if event is not None else None

    return build

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
            if isinstance(value, list):
                items: list[Any] = value  # several YAML documents, or objects printed one after another
            else:
                items = value["items"] if isinstance(value, dict) and isinstance(value.get("items"), list) else [value]
            pending: list[tuple[dict[str, Any], int, str, SourceLocation]] = []
            count = 0
            finder = LineFinder(text)
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
                what = str(item.get("kind"))
                if item.get("kind") == "Event":
                    # Built only when kept: of 50,000 ordinary events, the sink keeps the ones an indicator can match and the last.
                    message = item.get("message") or item.get("note") or ""
                    sink.add_event_lazy(str(message), str(item.get("reason") or ""), "kubernetes-event", _event_builder(sink, line or index + 1, what, item, location))
                    count += 1
                    continue
                pending.append((item, line or index + 1, what, location))
            status = _sound_status(pending, sink)
            count += len(pending)
            if count:
                sink.hint(provider="kubernetes")
            if status is not None:
                sink.add_status(locate_status(status, text, source.name))
            return count
