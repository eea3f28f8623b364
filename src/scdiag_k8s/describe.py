"""``kubectl describe`` text of every kind, whole or in pieces, as API-shaped objects.

A description is a column of ``Key: value`` lines, indented blocks under some
keys, and an ``Events:`` table. People paste all of it, one section of it
(the Events table alone, one container's ``State`` / ``Last State`` block),
several descriptions one after the other, or a description wrapped at the
terminal's width. Each description becomes the API object it describes (a
pod, a deployment, a PVC, a node...) and goes through
:mod:`scdiag_k8s.normalize`, the code the JSON reader and the live provider
use; events become events of the object they were listed under.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

import attrs

from scdiag import regex
from scdiag.captures.jsontext import unexpected_shape
from scdiag.models import DiagnosticEvent, EventLevel, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_k8s.normalize import status_from_objects

__all__ = ["KubectlDescribeReader"]

_KEY = regex.deferred(r"^(\s+)([A-Za-z][A-Za-z0-9 ./-]*):(?:\s+(.*))?$")
_TOP_KEY_ALIGNED = regex.deferred(r"^[A-Z][A-Za-z -]*[A-Za-z]:(?:\s{2,}\S.*|\s*)$")
_EVENT_HEADER = regex.deferred(r"^\s*Type\s+Reason\s+Age\s+From\s+Message\s*$")
_EVENT_ROW = regex.deferred(r"^\s*(Normal|Warning)\s+(\S+)\s+(.+?)\s{2,}(\S.*?)\s{2,}(.*)$")
_EVENT_ROW_LOOSE = regex.deferred(r"^\s*(Normal|Warning)\s+(\S+)\s+(\S+(?: \(x\d+ over \S+\))?)\s+(\S+)\s+(.*)$")
_COUNT = regex.deferred(r"\(x(\d+) over")
_STATE_LINE = regex.deferred(r"^\s*(?:Last )?State:\s+(Waiting|Terminated|Running)\b")
_REPLICAS = regex.deferred(r"(\d+) (desired|updated|total|available|unavailable|current|ready)")
_NEW_RS = regex.deferred(r"^(\S+)")
_ELISIONS = frozenset({"...", "…", "[...]", "[…]"})
_WRAP_WIDTH = 70
"""A line at least this long may have been wrapped by the terminal; the next line may continue it."""
_NAME_INDENT = 3
"""Container names sit at indent 2 (pods) or 3 (pod templates); their fields deeper."""
_DASHES = regex.deferred(r"^\s*-{2,}(?:\s+-{2,})*\s*$")


@attrs.define
class _Description:
    """One object's description: its top-level fields and the indented lines under each."""

    first_line: int
    top: dict[str, str] = attrs.field(factory=dict)
    sections: dict[str, list[tuple[int, str]]] = attrs.field(factory=dict)
    order: list[str] = attrs.field(factory=list)

    def add_top(self, key: str, value: str, line: int) -> None:
        # A key seen twice (two containers' blocks pasted as one) keeps its first value.
        self.top.setdefault(key, value)
        if key not in self.sections:
            self.sections[key] = []
            self.order.append(key)
        self.sections[key].append((line, value))

    def lines(self, key: str) -> list[tuple[int, str]]:
        return self.sections.get(key, [])[1:]


def _time(text: str | None) -> str | None:
    if not text:
        return None
    from email.utils import parsedate_to_datetime  # imported here: the email package costs ~7 ms, and most runs read no describe output

    try:
        return parsedate_to_datetime(text.strip()).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _top_key(line: str) -> tuple[str, str] | None:
    """``Key: value`` at the margin (a key of capital, letters, spaces and dashes): (key, value)."""
    # String tests, not an expression: this runs on most lines of a description.
    colon = line.find(":")
    if colon < 2 or not "A" <= line[0] <= "Z":
        return None
    key, rest = line[:colon], line[colon + 1 :]
    if (rest and not rest[0].isspace()) or not key[-1].isalpha() or not key.isascii():
        return None
    if not key.replace(" ", "").replace("-", "").isalpha():
        return None
    return key, rest.strip()


def _continues_event(line: str) -> bool:
    """Whether a line after a long event row is that row's wrapped rest rather than a row or a key of its own."""
    head = line.lstrip()
    if head.startswith(("Normal", "Warning")) and _EVENT_ROW_LOOSE.match(line):
        return False
    return not ("A" <= line[0] <= "Z" and ":" in line and _TOP_KEY_ALIGNED.match(line))


def _parse(lines: Iterable[str], first_line: int) -> Iterator[_Description]:
    """Descriptions in the text, each as soon as it is complete: a new one starts at each top-level ``Name:``."""
    current: _Description | None = None
    section = ""
    previous_length = 0
    for offset, raw in enumerate(lines):
        line = raw.rstrip()
        number = first_line + offset
        if not line.strip() or line.strip() in _ELISIONS:
            previous_length = 0
            continue
        # After a long event row, a line may be its hard-wrapped rest, unless it is a key of the description.
        wrapped = section == "Events" and previous_length >= _WRAP_WIDTH and _continues_event(line)
        previous_length = len(line)
        top = None if wrapped else _top_key(line)
        if top is not None:
            key, value = top
            if current is None or (key == "Name" and "Name" in current.top):
                if current is not None:
                    yield current
                current = _Description(number)
            current.add_top(key, value, number)
            section = key
            continue
        if current is None:
            # A fragment without its header: an Events table or a container's State block alone.
            current = _Description(number)
            section = "Events" if _EVENT_HEADER.match(line) else "Containers"
            current.add_top(section, "", number)
        if section:
            current.sections[section].append((number, line))
    if current is not None:
        yield current


def _kind(description: _Description) -> str:
    top = description.top
    if "Pods Statuses" in top or "Completions" in top:
        return "Job"
    if "StorageClass" in top and ("Access Modes" in top or "VolumeMode" in top or "Capacity" in top):
        return "PersistentVolumeClaim"
    if "Taints" in top and ("Roles" in top or "System Info" in top or "Unschedulable" in top):
        return "Node"
    if "NewReplicaSet" in top or "StrategyType" in top:
        return "Deployment"
    if "Desired Number of Nodes Scheduled" in top:
        return "DaemonSet"
    if "Pods Status" in top:
        controlled = top.get("Controlled By", "")
        return "ReplicaSet" if controlled.startswith("Deployment/") or "current" in top.get("Replicas", "") else "StatefulSet"
    return "Pod"


def _labels(description: _Description) -> dict[str, str]:
    labels: dict[str, str] = {}
    for _line, value in description.sections.get("Labels", []):
        value = value.strip()
        if "=" in value:
            key, _, item = value.partition("=")
            labels[key] = item
    return labels


def _events(description: _Description, kind: str, name: str | None, source: str) -> Iterator[DiagnosticEvent]:
    last: DiagnosticEvent | None = None
    for number, line in description.lines("Events"):
        head = line.lstrip()[:4]
        if (head == "Type" and _EVENT_HEADER.match(line)) or (head.startswith("--") and _DASHES.match(line)) or line.strip() == "<none>":
            continue
        row = _EVENT_ROW.match(line) or _EVENT_ROW_LOOSE.match(line)
        if row is None:
            if last is not None:
                # A message wrapped at the terminal's width continues on the next line, indented
                # (kubectl's own wrapping) or from the left edge (a terminal's hard wrap).
                joiner = " " if line.startswith(" ") else ""
                last = attrs.evolve(last, message=f"{last.message}{joiner}{line.strip() if joiner else line}")
            continue
        if last is not None:
            yield last
        count = _COUNT.search(row.group(3))
        last = DiagnosticEvent(
            message=row.group(5).strip(),
            source="kubernetes-event",
            level=EventLevel.WARNING if row.group(1) == "Warning" else EventLevel.NORMAL,
            reason=row.group(2),
            resource=f"{kind}/{name}" if name else None,
            instance=name if kind == "Pod" else None,
            count=int(count.group(1)) if count else 1,
            location=SourceLocation(source, number),
            attributes={"namespace": description.top.get("Namespace", "")},
        )
    if last is not None:
        yield last


def _state(block: Mapping[str, str]) -> dict[str, Any]:
    kind = block.get("", "").strip().lower()
    if kind == "waiting":
        return {"waiting": {"reason": block.get("Reason"), "message": block.get("Message")}}
    if kind == "terminated":
        code, signal = block.get("Exit Code"), block.get("Signal")
        return {
            "terminated": {
                "reason": block.get("Reason"),
                "message": block.get("Message"),
                "exitCode": int(code) if code and code.lstrip("-").isdigit() else None,
                "signal": int(signal) if signal and signal.isdigit() else None,
                "startedAt": _time(block.get("Started")),
                "finishedAt": _time(block.get("Finished")),
            }
        }
    if kind == "running":
        return {"running": {"startedAt": _time(block.get("Started"))}}
    return {}


def _containers(lines: list[tuple[int, str]], init: bool) -> list[dict[str, Any]]:
    """Containers of a ``Containers:`` block; a block without a container name is one unnamed container."""
    containers: list[dict[str, Any]] = []
    container: dict[str, Any] | None = None
    sub: dict[str, str] | None = None
    sub_indent = 0
    for _number, line in lines:
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if stripped.endswith(":") and ":" not in stripped[:-1] and indent <= _NAME_INDENT:
            container = {"name": stripped[:-1], "init": init, "fields": {}, "limits": {}, "requests": {}}
            containers.append(container)
            sub = None
            continue
        key_match = _KEY.match(line) if ":" in line else None
        if key_match is None:
            continue
        if container is None:
            container = {"name": "", "init": init, "fields": {}, "limits": {}, "requests": {}}
            containers.append(container)
        key, value = key_match.group(2), (key_match.group(3) or "").strip()
        if sub is not None and indent >= sub_indent:
            sub[key] = value
            continue
        sub = None
        if key in ("State", "Last State"):
            sub = {"": value}
            container["fields"][key] = sub
            sub_indent = indent + 1
        elif key in ("Limits", "Requests"):
            sub = container["limits" if key == "Limits" else "requests"]
            sub_indent = indent + 1
        else:
            container["fields"].setdefault(key, value)
    return containers


def _pod(description: _Description) -> dict[str, Any]:
    top = description.top
    items = _containers(description.lines("Init Containers"), True) + _containers(description.lines("Containers"), False)
    statuses: list[tuple[dict[str, Any], bool]] = []
    specs: list[tuple[dict[str, Any], bool]] = []
    for item in items:
        fields = item["fields"]
        state = fields.get("State") if isinstance(fields.get("State"), dict) else {}
        last = fields.get("Last State") if isinstance(fields.get("Last State"), dict) else {}
        ready, restarts = fields.get("Ready"), str(fields.get("Restart Count", "0"))
        statuses.append(({
            "name": item["name"],
            "image": fields.get("Image"),
            "state": _state(state),
            "lastState": _state(last),
            "ready": ready == "True" if ready in ("True", "False") else None,
            "restartCount": int(restarts) if restarts.isdigit() else 0,
        }, item["init"]))
        port = str(fields.get("Port", "")).split("/")[0]
        specs.append(({
            "name": item["name"],
            "image": fields.get("Image"),
            "ports": [{"containerPort": int(port)}] if port.isdigit() else [],
            "resources": {"limits": item["limits"], "requests": item["requests"]},
        }, item["init"]))
    conditions = []
    for _number, line in description.lines("Conditions"):
        parts = line.split()
        if len(parts) >= 2 and parts[0] != "Type" and not parts[0].startswith("-"):
            conditions.append({"type": parts[0], "status": parts[1]})
    owner_kind, _, owner_name = top.get("Controlled By", "").partition("/")
    status_line = top.get("Status", "")
    return {
        "kind": "Pod",
        "metadata": {
            "name": top.get("Name") or "unnamed",
            "namespace": top.get("Namespace"),
            "labels": _labels(description),
            "ownerReferences": [{"kind": owner_kind, "name": owner_name}] if owner_name else [],
            "creationTimestamp": _time(top.get("Start Time")),
            "deletionTimestamp": "terminating" if status_line.startswith("Terminating") else None,
        },
        "spec": {
            "nodeName": top.get("Node", "").split("/")[0] or None if top.get("Node") != "<none>" else None,
            "initContainers": [s for s, init in specs if init],
            "containers": [s for s, init in specs if not init],
        },
        "status": {
            "phase": status_line.split()[0] if status_line else None,
            "reason": top.get("Reason"),
            "message": top.get("Message"),
            "startTime": _time(top.get("Start Time")),
            "conditions": conditions,
            "initContainerStatuses": [s for s, init in statuses if init],
            "containerStatuses": [s for s, init in statuses if not init],
        },
    }


def _plain(description: _Description) -> bool:
    """A running pod whose containers all run, are ready and never restarted, and that says nothing more."""
    top = description.top
    if top.get("Status") != "Running" or "Reason" in top or "Message" in top or "Init Containers" in top:
        return False
    states = ready = restarts = 0
    for _number, line in description.lines("Containers"):
        key, colon, value = line.strip().partition(":")
        if not colon:
            continue
        value = value.strip()
        if key == "State":
            if value != "Running":
                return False
            states += 1
        elif key == "Ready":
            if value != "True":
                return False
            ready += 1
        elif key == "Restart Count":
            if value != "0":
                return False
            restarts += 1
        elif key in ("Last State", "Reason", "Message", "Exit Code"):
            return False
    if not states or not states == ready == restarts:
        return False
    return all(len(parts) < 2 or parts[1] != "False" for parts in (line.split() for _number, line in description.lines("Conditions")))


def _condition_table(description: _Description) -> list[dict[str, str]]:
    """``Type Status Reason`` (workloads) or ``Type Status ... Reason Message`` (nodes) rows."""
    rows = []
    header: list[str] = []
    for _number, line in description.lines("Conditions"):
        parts = line.split()
        if not parts or parts[0].startswith("-"):
            continue
        if parts[0] == "Type":
            header = parts
            continue
        row = {"type": parts[0], "status": parts[1] if len(parts) > 1 else "Unknown"}
        if header[-2:] == ["Reason", "Message"] and len(parts) > 3:
            # Node conditions: two timestamps of six words each sit between status and reason.
            tail = parts[2:]
            reason_at = next((i for i, word in enumerate(tail) if word[:1].isupper() and word.isalpha() and i >= 2 and not word.endswith(",")), None)
            if reason_at is not None:
                row["reason"] = tail[reason_at]
                row["message"] = " ".join(tail[reason_at + 1 :])
        elif len(parts) > 2:
            row["reason"] = parts[2]
        rows.append(row)
    return rows


def _workload(description: _Description, kind: str) -> dict[str, Any]:
    top = description.top
    counts = {word: int(number) for number, word in _REPLICAS.findall(top.get("Replicas", ""))}
    status: dict[str, Any] = {"conditions": _condition_table(description)}
    for word, key in (("total", "replicas"), ("updated", "updatedReplicas"), ("available", "availableReplicas"), ("unavailable", "unavailableReplicas"), ("ready", "readyReplicas")):
        if word in counts:
            status[key] = counts[word]
    return {
        "kind": kind,
        "metadata": {"name": top.get("Name"), "namespace": top.get("Namespace"), "labels": _labels(description)},
        "spec": {"replicas": counts.get("desired", 1)},
        "status": status,
    }


def _claim(description: _Description) -> dict[str, Any]:
    top = description.top
    return {"kind": "PersistentVolumeClaim", "metadata": {"name": top.get("Name"), "namespace": top.get("Namespace")}, "status": {"phase": top.get("Status")}}


def _node(description: _Description) -> dict[str, Any]:
    return {"kind": "Node", "metadata": {"name": description.top.get("Name")}, "status": {"conditions": _condition_table(description)}}


_NAME_LINE = regex.deferred(r"(?m)^Name:\s+\S")
_SECTION_LINE = regex.deferred(r"(?m)^(Namespace|Events|Containers|Conditions|Labels|Status|Roles|StorageClass):")
_EVENTS_HEADER = regex.deferred(r"(?m)^\s*Type\s+Reason\s+Age\s+From\s+Message\s*$")
_STATE_DETAIL = regex.deferred(r"(?m)^\s+(Reason|Exit Code|Restart Count):")

class KubectlDescribeReader:
    """``kubectl describe <kind>`` text: pods, workloads, jobs, PVCs, nodes, or any section alone."""

    name: ClassVar[str] = "kubectl-describe"
    provider: ClassVar[str | None] = "kubernetes"

    def sniff(self, source: CaptureSource) -> float:
        """Sure of a description or an Events table; fairly sure of a container's State block."""
        head = source.head
        # Each expression's own words first: a search costs far more than looking for them.
        if "Name:" in head and _NAME_LINE.search(head) and _SECTION_LINE.search(head):
            return 0.9
        if "Message" in head and _EVENTS_HEADER.search(head):
            return 0.85
        if "State:" in head and _STATE_LINE.search(head) and _STATE_DETAIL.search(head):
            return 0.6
        return 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Every description in the text; returns how many objects were read."""
        head = source.head.split("\n")
        # A container's State block pasted on its own, perhaps without its indentation.
        alone = not any(line.startswith("Name:") for line in head) and any(_STATE_LINE.match(line) for line in head)
        with unexpected_shape(source, self.name), source.open() as stream:
            lines: Iterable[str] = (line.rstrip("\n") for line in stream)
            if alone:
                lines = ("    " + line if line.strip() else line for line in lines)
            count = 0
            for description in _parse(lines, 1):
                count += self._one(description, source.name, sink)
            return count

    def _one(self, description: _Description, name: str, sink: CaptureSink) -> int:
        kind = _kind(description)
        top = description.top
        object_name = top.get("Name") or None
        for event in _events(description, kind, object_name, name):
            sink.add_event(event)
        location = SourceLocation(name, description.first_line)
        obj: dict[str, Any] | None
        if kind == "Pod":
            has_pod = any(key in top for key in ("Name", "Containers", "Init Containers", "Status"))
            if has_pod and _plain(description) and sink.skip_plain_instance():
                has_pod = False
            obj = _pod(description) if has_pod else None
        elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
            obj = _workload(description, kind)
        elif kind == "PersistentVolumeClaim":
            obj = _claim(description)
        elif kind == "Node":
            obj = _node(description)
        else:
            obj = None
        if obj is not None:
            status = status_from_objects([obj], lambda _obj: location)
            if status is not None:
                new_rs = _NEW_RS.match(top.get("NewReplicaSet", ""))
                if kind == "Deployment" and new_rs and new_rs.group(1) != "<none>" and status.rollouts:
                    # The description names the ReplicaSet of the rollout, which the pods name as their owner.
                    status = attrs.evolve(status, rollouts=(attrs.evolve(status.rollouts[0], id=new_rs.group(1)),) + status.rollouts[1:])
                sink.add_status(status)
        labels = _labels(description)
        service = object_name if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job") else next(
            (labels[key] for key in ("app.kubernetes.io/name", "app", "k8s-app", "job-name") if key in labels), None
        )
        sink.hint(provider="kubernetes", service=service)
        return 1
