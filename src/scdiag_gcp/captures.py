"""Readers of gcloud output: ``logging read --format=json``, ``run ... describe --format=json``, deploy errors."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, ClassVar

from scdiag import regex
from scdiag.captures.jsontext import ArrayStream, SinkBatches, LineFinder, locate_status, read_json_capture, report_array_stream, read_element, unexpected_shape
from scdiag.captures.text import stream_blocks
from scdiag.models import Condition, LogEntry, Rollout, RolloutOutcome, ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_gcp import normalize

__all__ = ["CloudLoggingReader", "CloudRunObjectReader", "GcloudDeployErrorReader"]


_KNATIVE_KIND = regex.deferred(r'"kind"\s*:\s*"(Service|Revision)"')
_V2_NAME = regex.deferred(r'"name"\s*:\s*"projects/[^"/]+/locations/[^"/]+/(services|jobs)/')


class CloudLoggingReader:
    """``gcloud logging read ... --format=json``: a list of LogEntry resources."""

    name: ClassVar[str] = "gcloud-logging-read-json"
    provider: ClassVar[str | None] = "gcp"

    def sniff(self, source: CaptureSource) -> float:
        """LogEntry keys: logName with insertId or a payload."""
        head = source.head
        if '"logName"' in head and ('"insertId"' in head or "Payload" in head):
            return 0.9
        return 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Every entry as a log line; system lines stay marked as the platform's."""
        # Entry by entry: a logging export of gigabytes is never held whole.
        with unexpected_shape(source, self.name), source.open() as stream:
            array = ArrayStream(stream)
            count = 0
            batches = SinkBatches(sink)
            for line, entry in array:
                if not isinstance(entry, dict):
                    sink.skipped_line(line, "not a LogEntry object")
                    continue
                if not normalize.plain_log_entry(entry):
                    # A field of a type the entry cannot hold: checked now, with its line, and dropped.
                    read = read_element(sink, line, "log entry", entry, lambda e: normalize.log_entry(e, SourceLocation(source.name, line)))
                    if read is None:
                        continue
                    entry = read[1]
                message, log_source, stream_name = normalize.log_line(entry)
                # Built only if kept: of 200,000 ordinary entries, those an indicator can match and the last.
                batches.line(message, log_source, stream_name, functools.partial(_built_entry, entry, SourceLocation(source.name, line)))
                resource = entry.get("resource")
                labels = resource.get("labels") if isinstance(resource, dict) else None
                labels = labels if isinstance(labels, dict) else {}
                sink.hint(provider="gcp", service=_text(labels.get("service_name")), deployment_id=_text(labels.get("revision_name")))
                count += 1
            batches.flush()
            report_array_stream(array, source, sink, "log entries")
            return count


def _built_entry(entry: Mapping[str, Any], location: SourceLocation) -> LogEntry:
    return normalize.log_entry(entry, location)[0]


class CloudRunObjectReader:
    """``gcloud run services describe`` / ``revisions describe`` / ``revisions list`` with ``--format=json``."""

    name: ClassVar[str] = "gcloud-run-describe-json"
    provider: ClassVar[str | None] = "gcp"

    def sniff(self, source: CaptureSource) -> float:
        """Knative-shaped v1 objects, or Admin API v2 services and revisions."""
        head = source.head
        if "serving.knative.dev" in head and _KNATIVE_KIND.search(head):
            return 0.95
        if ("Revision" in head or "terminalCondition" in head or "/executions/" in head) and _V2_NAME.search(head):
            return 0.9
        return 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Services become the status; revisions become rollouts with their conditions."""
        with unexpected_shape(source, self.name):
            value, text = read_json_capture(source, sink)
            items: list[Any] = []
            if isinstance(value, list):
                items = value
            elif isinstance(value, dict):
                listed = value.get("items", value.get("revisions", value.get("executions", value.get("tasks", [value]))))
                items = listed if isinstance(listed, list) else []
            lines = LineFinder(text)
            count = self._read_v2([i for i in items if isinstance(i, dict) and normalize.is_v2_object(i)], text, source, sink, lines)
            revisions = [i for i in items if isinstance(i, dict) and i.get("kind") == "Revision"]
            newest = max((_created(r) for r in revisions), default="")
            for item in items:
                if not isinstance(item, dict):
                    continue
                at = _line_of(lines, item, "name")
                if item.get("kind") == "Service":
                    service = read_element(sink, at, "Service", item, normalize.service_status)
                    if service is None:
                        continue
                    sink.add_status(locate_status(service[0], text, source.name))
                    sink.hint(provider="gcp", service=service[0].name)
                    count += 1
                elif item.get("kind") == "Revision":
                    revision = read_element(sink, at, "Revision", item, lambda r: normalize.revision_rollout(r, current=_created(r) == newest))
                    if revision is None:
                        continue
                    rollout, kept = revision
                    sink.add_status(locate_status(ServiceStatus(name="", rollouts=(rollout,)), text, source.name))
                    metadata = _mapping(kept.get("metadata"))
                    labels = _mapping(metadata.get("labels"))
                    sink.hint(provider="gcp", service=_text(labels.get("serving.knative.dev/service")), deployment_id=_text(metadata.get("name")))
                    count += 1
            return count

    @staticmethod
    def _read_v2(items: list[dict[str, Any]], text: str, source: CaptureSource, sink: CaptureSink, lines: LineFinder) -> int:
        def sound(item: dict[str, Any], what: str, use: Any) -> dict[str, Any] | None:
            read = read_element(sink, _line_of(lines, item, "name"), what, item, use)
            return None if read is None else _mapping(read[1])

        named = [(str(i.get("name", "")), i) for i in items]
        jobs = [j for n, i in named if "/jobs/" in n and "/executions/" not in n if (j := sound(i, "job", lambda x: normalize.v2_job_status(x, [], []))) is not None]
        executions = [e for n, i in named if "/executions/" in n and "/tasks/" not in n if (e := sound(i, "execution", lambda x: normalize.v2_job_status({}, [x], []))) is not None]
        tasks = [t for n, i in named if "/tasks/" in n if (t := sound(i, "task", lambda x: normalize.v2_job_status({}, [], [x]))) is not None]
        if jobs or executions or tasks:
            status = normalize.v2_job_status(jobs[0] if jobs else {}, executions, tasks)
            sink.add_status(locate_status(status, text, source.name))
            sink.hint(provider="gcp", service=status.name or None, deployment_id=next((r.id for r in status.rollouts if r.current), None))
            items = [i for n, i in named if "/jobs/" not in n]
        revisions = [r for i in items if "/revisions/" in str(i.get("name")) if (r := sound(i, "revision", lambda x: normalize.v2_revision_rollout(x, current=False))) is not None]
        services = [i for i in items if "/revisions/" not in str(i.get("name"))]
        for service in services:
            read = read_element(sink, _line_of(lines, service, "name"), "service", service, lambda x: normalize.v2_service_status(x, revisions))
            if read is None:
                continue
            status = read[0]
            sink.add_status(locate_status(status, text, source.name))
            sink.hint(provider="gcp", service=status.name)
        if revisions and not services:
            newest = max(str(r.get("createTime", "")) for r in revisions)
            rollouts = tuple(normalize.v2_revision_rollout(r, current=str(r.get("createTime", "")) == newest) for r in revisions)
            sink.add_status(locate_status(ServiceStatus(name="", rollouts=rollouts), text, source.name))
            service_name = str(revisions[0].get("service", "")).rsplit("/", 1)[-1]
            sink.hint(provider="gcp", service=service_name or None, deployment_id=next((r.id for r in rollouts if r.current), None))
        return len(items) + len(jobs) + len(executions) + len(tasks)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _created(revision: Mapping[str, Any]) -> str:
    metadata = revision.get("metadata")
    return str(metadata.get("creationTimestamp", "")) if isinstance(metadata, dict) else ""


def _line_of(lines: LineFinder, item: Mapping[str, Any], key: str) -> int:
    """The line of an object's name, or 1: problems with it point somewhere near."""
    metadata = item.get("metadata")
    name = metadata.get(key) if isinstance(metadata, dict) else item.get(key)
    return (lines.line_of(f'"{key}": "{name}"') if isinstance(name, str) else None) or 1


_GCLOUD_ERROR = regex.deferred(r"(?m)^ERROR: \(gcloud\.run\.[\w.]+\) (?P<message>.+)$")
_REVISION = regex.deferred(r"Revision '(?P<name>[^']+)' is not ready")
# Terraform and Pulumi print the same Ready message inside their own error lines.
_TOOL_ERROR = regex.deferred(r"(?m)^.*?(?P<message>Revision '[^']+' is not ready and cannot serve traffic\..*)$")
_TOOL_MARK = regex.deferred(r"google_cloud_run_(v2_)?service|gcp:cloudrun(v2)?:Service|Error waiting (to|for) (create|update|Creating|Updating) Service")
# A deploy that went through says which revision serves, and how much of the traffic.
_DEPLOYED = regex.deferred(r"(?m)^Service \[(?P<service>[^\]]+)\] revision \[(?P<revision>[^\]]+)\] has been deployed and is serving (?P<percent>\d+) percent of traffic")
_SERVICE_PATH = regex.deferred(r"(?:/services/|google_cloud_run_(?:v2_)?service\.)(?P<name>[a-z][a-z0-9-]*)")


class GcloudDeployErrorReader:
    """What ``gcloud run deploy`` prints: the revision's Ready message when it fails, the serving revision when not."""

    name: ClassVar[str] = "gcloud-run-deploy-error"
    provider: ClassVar[str | None] = "gcp"

    def sniff(self, source: CaptureSource) -> float:
        """``ERROR: (gcloud.run.…)`` lines, or a Terraform or Pulumi error carrying a revision's Ready message."""
        head = source.head
        # Each expression's own words first: a search costs far more than looking for them, and they are seldom there.
        if ("ERROR: (gcloud.run." in head and _GCLOUD_ERROR.search(head)) or ("has been deployed and is serving" in head and _DEPLOYED.search(head)):
            return 0.8
        if "is not ready and cannot serve traffic." not in head:
            return 0.0
        return 0.75 if _TOOL_MARK.search(head) and _TOOL_ERROR.search(head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """The error becomes the revision's Ready=False condition; every line is also a log line."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                text = stream.read(source.document_limit)
            count = 0
            matches = list(_GCLOUD_ERROR.finditer(text)) or list(_TOOL_ERROR.finditer(text))
            service = _SERVICE_PATH.search(text)
            for match in matches:
                message = match.group("message").strip()
                revision = _REVISION.search(message)
                line = text.count("\n", 0, match.start()) + 1
                condition = Condition(type="Ready", status="False", reason="RevisionFailed", message=message, location=SourceLocation(source.name, line), failing=True)
                if revision is None:
                    # No revision named: Cloud Run refused the deploy before creating one.
                    attempt = Rollout(id="deploy (refused)", current=True, outcome=RolloutOutcome.NOT_STARTED, reason=message, conditions=(condition,))
                    sink.add_status(ServiceStatus(name="", rollouts=(attempt,)))
                else:
                    sink.add_status(ServiceStatus(name="", conditions=(condition,)))
                if revision:
                    name = service.group("name") if service else revision.group("name").rsplit("-", 2)[0]
                    sink.hint(provider="gcp", deployment_id=revision.group("name"), service=name)
                count += 1
            if not matches:
                count += self._deployed(text, source, sink)
            sink.hint(provider="gcp")
            return count + stream_blocks(source, sink, log_source="deploy-output", stream=PurePath(source.name).name)

    @staticmethod
    def _deployed(text: str, source: CaptureSource, sink: CaptureSink) -> int:
        """The revision gcloud deployed, as the attempted rollout: it succeeded, and serves its share of the traffic."""
        deployed = _DEPLOYED.search(text)
        if deployed is None:
            return 0
        percent = int(deployed.group("percent"))
        line = text.count("\n", 0, deployed.start()) + 1
        condition = Condition(type="Ready", status="True", message=deployed.group(0), location=SourceLocation(source.name, line), failing=False)
        attempt = Rollout(
            id=deployed.group("revision"), current=True, serving=percent > 0, outcome=RolloutOutcome.SUCCEEDED, conditions=(condition,),
            attributes={"traffic_percent": str(percent)},
        )
        sink.add_status(ServiceStatus(name=deployed.group("service"), rollouts=(attempt,)))
        sink.hint(provider="gcp", deployment_id=deployed.group("revision"), service=deployed.group("service"))
        return 1


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
