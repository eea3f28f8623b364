"""Text copied from the ECS console: a task's details, a service's deployments and events.

The console lays a task out as labels and values (``Stopped reason``,
``Stop code``, ``Last status``...) and its containers, a service's
deployments and its events as tables. Copied, labels and values come apart
by a tab, ``|``, ``: `` or a run of spaces, or the value lands on the line
under its label. Each task and service becomes the API object
``describe-tasks`` / ``describe-services`` would return, and goes through
:mod:`scdiag_aws.normalize`, the code the JSON readers and the live provider use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


from scdiag import regex
from scdiag.captures.jsontext import unexpected_shape
from scdiag.models import ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_aws import normalize

__all__ = ["EcsConsoleReader"]

_TASK_LABELS = {
    "task": "taskArn",
    "task arn": "taskArn",
    "task id": "taskArn",
    "task definition": "taskDefinitionArn",
    "group": "group",
    "started by": "startedBy",
    "last status": "lastStatus",
    "desired status": "desiredStatus",
    "created at": "createdAt",
    "started at": "startedAt",
    "stopped at": "stoppedAt",
    "stop code": "stopCode",
    "stopped reason": "stoppedReason",
    "health status": "healthStatus",
    "launch type": "launchType",
}
_SERVICE_LABELS = {
    "service name": "serviceName",
    "service": "serviceName",
    "cluster": "clusterArn",
    "status": "status",
    "desired tasks": "desiredCount",
    "running tasks": "runningCount",
    "pending tasks": "pendingCount",
}
_CONTAINER_COLUMNS = {
    "container name": "name",
    "name": "name",
    "last status": "lastStatus",
    "status": "lastStatus",
    "exit code": "exitCode",
    "health status": "healthStatus",
    "reason": "reason",
    "status reason": "reason",
    "image": "image",
}
_DEPLOYMENT_COLUMNS = {
    "deployment id": "id",
    "id": "id",
    "status": "status",
    "rollout state": "rolloutState",
    "task definition": "taskDefinition",
    "desired": "desiredCount",
    "desired tasks": "desiredCount",
    "pending": "pendingCount",
    "pending tasks": "pendingCount",
    "running": "runningCount",
    "running tasks": "runningCount",
    "failed": "failedTasks",
    "failed tasks": "failedTasks",
    "created at": "createdAt",
    "updated at": "updatedAt",
    "rollout state reason": "rolloutStateReason",
}
_EVENT_COLUMNS = {"event id": "id", "id": "id", "started at": "createdAt", "created at": "createdAt", "time": "createdAt", "message": "message"}
_SECTIONS = {"containers": _CONTAINER_COLUMNS, "deployments": _DEPLOYMENT_COLUMNS, "events": _EVENT_COLUMNS}
_NUMBERS = {"exitCode", "desiredCount", "pendingCount", "runningCount", "failedTasks"}
_DISTINCTIVE = ("stopped reason", "stop code", "desired status", "task definition", "desired tasks", "running tasks", "rollout state", "deployment id")
_BATCH = 1000
_SPACES = regex.deferred(r"\t+|\s{2,}")
_EVENTS_HEADER = regex.deferred(r"(?m)^\s*(event id|id)(\t|\s{2,}|\s*\|\s*)(started at|created at|time)(\t|\s{2,}|\s*\|\s*)message\s*$")
_SERVICE_EVENT = regex.deferred(r"service \S+ (has reached a steady state|has started \d+ tasks|has stopped \d+ running tasks|\(deployment ecs-svc/\d+\) deployment|registered \d+ targets|was unable to place a task|is unhealthy in target-group)")
_NAMED_IN_EVENT = regex.deferred(r"^\(?service ([\w-]+)[ )]")
_COLON = regex.deferred(r"^([A-Za-z][A-Za-z ]{1,30}?):\s+(\S.*)$")


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    if "|" in stripped and not stripped.startswith("("):
        return [cell.strip() for cell in stripped.strip("|").split("|")]
    if "\t" in stripped:
        return [cell.strip() for cell in stripped.split("\t")]
    colon = _COLON.match(stripped)
    if colon and colon.group(1).lower() in {**_TASK_LABELS, **_SERVICE_LABELS}:
        return [colon.group(1), colon.group(2)]
    return [cell for cell in _SPACES.split(stripped) if cell]


def _value(key: str, text: str) -> Any:
    text = text.strip()
    if text in ("-", "", "—"):
        return None
    if key in _NUMBERS:
        return int(text) if text.lstrip("-").isdigit() else None
    return text


class _Parse:
    """The objects in one copied page: tasks (with containers) and services (with deployments and events)."""

    def __init__(self) -> None:
        self.tasks: list[dict[str, Any]] = []
        self.services: list[dict[str, Any]] = []
        self.task_lines: list[int] = []
        self.section: str | None = None
        self.header: list[str] | None = None
        self.pending_label: str | None = None

    def _task(self, number: int, new: bool = False) -> dict[str, Any]:
        if new or not self.tasks:
            self.tasks.append({"containers": []})
            self.task_lines.append(number)
        return self.tasks[-1]

    def _service(self) -> dict[str, Any]:
        if not self.services:
            self.services.append({"deployments": [], "events": []})
        return self.services[-1]

    def line(self, number: int, raw: str) -> None:
        if not raw.strip():
            return
        cells = _cells(raw)
        first = cells[0].lower()
        if len(cells) == 1 and first in _SECTIONS:
            self.section, self.header, self.pending_label = first, None, None
            return
        if self.section is not None:
            columns = _SECTIONS[self.section]
            if self.header is None and sum(cell.lower() in columns for cell in cells) >= min(2, len(cells)):
                self.header = [columns.get(cell.lower(), "") for cell in cells]
                return
            if self.header is not None and len(cells) >= max(2, len(self.header) - 1) and first not in _TASK_LABELS and first not in _SERVICE_LABELS:
                self._row(number, cells)
                return
            self.section = None
        self._label(number, cells)

    def _row(self, number: int, cells: list[str]) -> None:
        assert self.header is not None
        if len(cells) > len(self.header):
            cells = [*cells[: len(self.header) - 1], " ".join(cells[len(self.header) - 1 :])]
        row = {key: _value(key, cell) for key, cell in zip(self.header, cells) if key}
        if self.section == "containers":
            self._task(number)["containers"].append(row)
        elif self.section == "deployments":
            self._service()["deployments"].append(row)
        else:
            self._service()["events"].append(row)

    def _where(self, key: str, number: int) -> None:
        # Evidence about a task points at its stopped reason (or stop code) when there is one.
        if key in ("stoppedReason", "stopCode") and self.task_lines:
            if key == "stoppedReason" or not self.tasks[-1].get("stoppedReason"):
                self.task_lines[-1] = number

    def _label(self, number: int, cells: list[str]) -> None:
        label = cells[0].lower()
        if len(cells) == 1:
            if self.pending_label is not None:
                cells, label = [self.pending_label, cells[0]], self.pending_label
                self.pending_label = None
            elif label in _TASK_LABELS or label in _SERVICE_LABELS:
                # The console puts a value on the line under its label.
                self.pending_label = label
                return
            else:
                return
        value = " ".join(cells[1:])
        if label in _SERVICE_LABELS and (label != "status" or self.services):
            key = _SERVICE_LABELS[label]
            self._service()[key] = _value(key, value)
        elif label in _TASK_LABELS:
            key = _TASK_LABELS[label]
            starts_new = key == "taskArn" and bool(self.tasks) and "taskArn" in self.tasks[-1]
            self._task(number, new=starts_new)[key] = _value(key, value)
            self._where(key, number)


def _service_with_primary(service: Mapping[str, Any]) -> dict[str, Any]:
    """Deployments listed without a status: the first is the newest, as the console orders them."""
    result = dict(service)
    deployments = [dict(d) for d in service.get("deployments", [])]
    if deployments and not any(d.get("status") for d in deployments):
        deployments[0]["status"] = "PRIMARY"
    result["deployments"] = deployments
    return result


class EcsConsoleReader:
    """A task's details and a service's deployments and events, copied from the ECS console."""

    name: ClassVar[str] = "ecs-console-text"
    provider: ClassVar[str | None] = "aws"

    def sniff(self, source: CaptureSource) -> float:
        """Sure when several of the console's own labels appear."""
        head = source.head.lower()
        found = sum(label in head for label in _DISTINCTIVE)
        if found >= 2:
            return 0.8
        # The Events tab alone: its header, and ECS's own words for a service.
        # The expressions' own words first: a search costs far more than looking for them.
        return 0.8 if "message" in head and "service " in head and _EVENTS_HEADER.search(head) and _SERVICE_EVENT.search(head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Tasks become instances, services their status and events."""
        with unexpected_shape(source, self.name):
            parsed = _Parse()
            count = 0
            with source.open() as stream:
                for number, line in enumerate(stream, 1):
                    parsed.line(number, line.rstrip("\n"))
                    if len(parsed.tasks) > _BATCH:
                        # Tasks before the last are complete: hand them over, so a long copy stays small.
                        count += self._tasks(parsed, len(parsed.tasks) - 1, source.name, sink)
            count += self._tasks(parsed, len(parsed.tasks), source.name, sink)
            for service in parsed.services:
                full = _service_with_primary(service)
                if not full.get("serviceName"):
                    named = next((m for m in (_NAMED_IN_EVENT.match(str(e.get("message") or "")) for e in full["events"]) if m), None)
                    full["serviceName"] = named.group(1) if named else None
                sink.hint(service=str(full.get("serviceName") or "") or None)
                sink.add_status(normalize.service_status(full))
                for event in normalize.service_events(full, SourceLocation(source.name)):
                    sink.add_event(event)
            sink.hint(provider="aws")
            return count + len(parsed.services)

    @staticmethod
    def _tasks(parsed: _Parse, upto: int, name: str, sink: CaptureSink) -> int:
        """The first ``upto`` tasks parsed, as one status fragment; they are removed from ``parsed``."""
        tasks = [(task, first) for task, first in zip(parsed.tasks[:upto], parsed.task_lines[:upto]) if len(task) > 1 or task["containers"]]
        del parsed.tasks[:upto], parsed.task_lines[:upto]
        if not tasks:
            return 0
        instances = []
        for task, first in tasks:
            instances.extend(normalize.task_instances([task], SourceLocation(name, first)))
            group = str(task.get("group") or "")
            if group.startswith("service:"):
                sink.hint(service=group.removeprefix("service:"))
        sink.add_status(ServiceStatus(name="", instances=tuple(instances)))
        return len(tasks)
