"""The reader of ``kubectl get ... -o json`` (and ``-o yaml``, which the core hands over as JSON).

``kubectl logs`` output is plain text and is read by the core's generic log
reader; ``kubectl describe`` and the ``get`` tables have readers of their own
(:mod:`scdiag_k8s.describe`, :mod:`scdiag_k8s.tables`). All of them build
API-shaped objects and hand them to :mod:`scdiag_k8s.normalize`, the same
code the live provider uses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from scdiag import regex
from scdiag.captures.jsontext import (
    ArrayStream,
    LineFinder,
    SinkBatches,
    locate_in_element,
    locate_status,
    read_element,
    read_json_capture,
    report_array_stream,
    unexpected_shape,
)
from scdiag.captures.repair import SHAPE_ERRORS
from scdiag.models import Condition, ContainerSpec, DiagnosticEvent, Instance, ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_k8s.normalize import WORKLOAD_KINDS, container_specs, event_from_object, pod_instance, status_from_objects

__all__ = ["KubectlJsonReader"]

_KINDS = {
    "Pod", "Event", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Service", "Endpoints",
    "EndpointSlice", "PersistentVolumeClaim", "Node", "ResourceQuota",
}
_KIND_IN_HEAD = regex.deferred(r'"kind"\s*:\s*"(\w+)"')
_API_VERSION = regex.deferred(r'"apiVersion"\s*:\s*"[^"]*"')
# One JSON object whose items array starts in the head: a List, read item by item.
_LIST_HEAD = regex.deferred(r'^\s*\{[^\[\]]*?"items"\s*:\s*\[')
_LIST_KIND = regex.deferred(r'^\s*\{[^\[\]]*?"kind"\s*:\s*"(\w*List)"')


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



def _sound_status(
    pending: list[tuple[dict[str, Any], int, str, SourceLocation]],
    sink: CaptureSink,
    instances: Sequence[Instance] = (),
    pod_specs: tuple[ContainerSpec, ...] = (),
) -> ServiceStatus | None:
    """The status of the objects (each with its line, kind and location); what an object cannot give costs only that.

    Most captures are sound: all objects are normalised together at once. When
    that fails on a shape, each object is normalised alone first, and only the
    sound ones (or what is sound of them) go on to the status; ``pending`` is
    then narrowed to those.
    """
    locations = {id(item): location for item, _line, _what, location in pending}
    try:
        hints = [_service_hint(item) for item, _line, _what, _location in pending]
        status = status_from_objects([item for item, _line, _what, _location in pending], lambda obj: locations.get(id(obj)), instances=instances, pod_specs=pod_specs)
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
    return status_from_objects([item for item, _line, _what, _location in sound], lambda obj: kept_locations.get(id(obj)), instances=instances, pod_specs=pod_specs)


def _add_event(batches: SinkBatches, sink: CaptureSink, item: dict[str, Any], line: int, location: SourceLocation) -> None:
    """An Event object, by its words: built only when kept (of 50,000 ordinary events, those an indicator can match and the last)."""

    def build() -> DiagnosticEvent | None:
        event = read_element(sink, line, "Event", item, lambda obj: event_from_object(obj, location))
        return event[0] if event is not None else None

    message = item.get("message") or item.get("note") or ""
    batches.event(str(message), str(item.get("reason") or ""), "kubernetes-event", build)


def _status_of(
    pending: list[tuple[dict[str, Any], int, str, SourceLocation]],
    sink: CaptureSink,
    count: int,
    instances: Sequence[Instance] = (),
    pod_specs: tuple[ContainerSpec, ...] = (),
) -> tuple[ServiceStatus | None, int]:
    """The status of what was read besides events, and the count of items read with it."""
    status = _sound_status(pending, sink, instances, pod_specs)
    count += len(pending)
    if count:
        sink.hint(provider="kubernetes")
    return status, count

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
            if _LIST_HEAD.match(source.head):
                return self._read_items(source, sink)
            value, text = read_json_capture(source, sink)
            if isinstance(value, list):
                items: list[Any] = value  # several YAML documents, or objects printed one after another
            else:
                items = value["items"] if isinstance(value, dict) and isinstance(value.get("items"), list) else [value]
            pending: list[tuple[dict[str, Any], int, str, SourceLocation]] = []
            count = 0
            batches = SinkBatches(sink)
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
                if what == "Event":
                    _add_event(batches, sink, item, line or index + 1, location)
                    count += 1
                    continue
                pending.append((item, line or index + 1, what, location))
            batches.flush()
            status, count = _status_of(pending, sink, count)
            if status is not None:
                sink.add_status(locate_status(status, text, source.name))
            return count

    def _read_items(self, source: CaptureSource, sink: CaptureSink) -> int:
        """A JSON List read item by item: memory stays at about one item, whatever the list's length.

        Pods are normalised as they come and only their instances are kept;
        events go to the sink as they come; the few other objects (workloads,
        ReplicaSets, Services...) are kept for the status, with their text to
        locate their conditions in.
        """
        list_kind = _LIST_KIND.search(source.head)
        default_kind = list_kind.group(1)[:-4] if list_kind and list_kind.group(1) != "List" else None
        pending: list[tuple[dict[str, Any], int, str, SourceLocation]] = []
        texts: list[tuple[str, int]] = []
        instances: list[Instance] = []
        pod_specs: tuple[ContainerSpec, ...] = ()
        count = 0
        batches = SinkBatches(sink)
        with source.open() as stream:
            array = ArrayStream(stream, key="items", keep_text=True)
            for index, (start, item) in enumerate(array):
                if isinstance(item, dict) and "kind" not in item and default_kind:
                    item = {**item, "kind": default_kind}
                if not isinstance(item, dict) or "kind" not in item:
                    sink.skipped_line(start, "item without a kind")
                    continue
                text = array.element_text
                metadata = item.get("metadata")
                name = metadata.get("name") if isinstance(metadata, dict) else None
                found = text.find(f'"name": "{name}"') if name else -1
                line = start + text.count("\n", 0, found) if found >= 0 else None
                location = SourceLocation(source.name, line)
                what = str(item.get("kind"))
                if what == "Event":
                    _add_event(batches, sink, item, line or index + 1, location)
                    count += 1
                    continue
                if what == "Pod":
                    read = read_element(sink, line or index + 1, what, item, lambda obj: (pod_instance(obj, location), () if pod_specs else _specs(obj), _service_hint(obj)))
                    if read is not None:
                        (instance, specs, service), _kept = read
                        instances.append(locate_in_element(instance, text, start, source.name))
                        pod_specs = pod_specs or specs
                        sink.hint(provider="kubernetes", service=service)
                        count += 1
                    continue
                pending.append((item, line or index + 1, what, location))
                texts.append((text, start))
            batches.flush()
            report_array_stream(array, source, sink, "items")
        status, count = _status_of(pending, sink, count, instances, pod_specs)
        if status is not None:
            sink.add_status(_locate_in_objects(status, texts, source.name))
        return count


def _specs(pod: Mapping[str, Any]) -> tuple[ContainerSpec, ...]:
    spec = pod.get("spec")
    return container_specs(spec) if isinstance(spec, Mapping) else ()


def _locate_in_objects(status: ServiceStatus, texts: list[tuple[str, int]], source: str) -> ServiceStatus:
    """The status's own conditions and its rollouts' pointed at their lines, found in the objects' texts (each with its first line)."""

    def where(condition: Condition) -> Condition:
        if condition.location:
            return condition
        for value in (condition.message, condition.reason, condition.type):
            if not value:
                continue
            needle = json.dumps(value)[1:61]
            for text, first in texts:
                found = text.find(needle)
                if found >= 0:
                    return attrs.evolve(condition, location=SourceLocation(source, first + text.count("\n", 0, found)))
        return attrs.evolve(condition, location=SourceLocation(source))

    return attrs.evolve(
        status,
        conditions=tuple(where(c) for c in status.conditions),
        rollouts=tuple(attrs.evolve(r, conditions=tuple(where(c) for c in r.conditions)) for r in status.rollouts),
        instances=tuple(i if all(c.location for c in i.conditions) else attrs.evolve(i, conditions=tuple(c if c.location else attrs.evolve(c, location=SourceLocation(source)) for c in i.conditions)) for i in status.instances),
    )
