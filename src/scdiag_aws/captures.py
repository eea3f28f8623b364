"""Readers of AWS CLI output (``aws ecs describe-tasks`` and friends, ``--output json``).

Each reader recognises its command's output by the keys of the JSON it
prints, and hands the response to :mod:`scdiag_aws.normalize`, which the live
provider uses for the same API responses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any, ClassVar


from scdiag import regex
from scdiag.captures.jsontext import LOG_BATCH, ArrayStream, LineFinder, locate_status, read_document, read_element, read_json_capture, report_array_stream, unexpected_shape
from scdiag.captures.text import stream_blocks
from scdiag.errors import CaptureError
from scdiag.models import Condition, DiagnosticEvent, Instance, LogEntry, MetricPoint, Rollout, RolloutOutcome, ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_aws import normalize

__all__ = [
    "AwsDeployErrorReader",
    "CloudWatchLogsReader",
    "ContainerInstancesReader",
    "DescribeServicesReader",
    "DescribeTargetHealthReader",
    "DescribeTaskDefinitionReader",
    "DescribeTasksReader",
    "EcrDescribeImagesReader",
    "MetricDataReader",
    "MetricStatisticsReader",
]


class _LocatingSink:
    """Passes everything to the sink, pointing status conditions and targets at their lines."""

    def __init__(self, sink: CaptureSink, text: str, name: str) -> None:
        self._sink = sink
        self._text = text
        self._name = name

    def add_status(self, status: ServiceStatus) -> None:
        self._sink.add_status(locate_status(status, self._text, self._name))

    def skip_plain_instance(self) -> bool:
        return self._sink.skip_plain_instance()

    def add_event(self, event: DiagnosticEvent) -> None:
        self._sink.add_event(event)

    def add_event_lazy(self, message: str, reason: str, source: str, build: Callable[[], DiagnosticEvent | None]) -> None:
        self._sink.add_event_lazy(message, reason, source, build)

    def add_log(self, entry: LogEntry, source: str) -> None:
        self._sink.add_log(entry, source)

    def add_metric(self, point: MetricPoint, source: str) -> None:
        self._sink.add_metric(point, source)

    def hint(self, *, provider: str | None = None, service: str | None = None, deployment_id: str | None = None, votes: int = 1) -> None:
        self._sink.hint(provider=provider, service=service, deployment_id=deployment_id, votes=votes)

    def problem(self, message: str, line: int | None = None) -> None:
        self._sink.problem(message, line)

    def skipped_line(self, line: int, reason: str) -> None:
        self._sink.skipped_line(line, reason)


def _has_keys(head: str, keys: tuple[str, ...]) -> bool:
    return all(f'"{key}"' in head for key in keys)


class _AwsJsonReader:
    """Shared reading: parse, report warnings and truncation, then ``handle``."""

    name: ClassVar[str] = ""
    provider: ClassVar[str | None] = "aws"
    keys: ClassVar[tuple[str, ...]] = ()

    def sniff(self, source: CaptureSource) -> float:
        """Sure when every key of the command's output is in the head."""
        return 0.9 if _has_keys(source.head, self.keys) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Parse the JSON (after any warning lines, even if truncated) and normalise it."""
        with unexpected_shape(source, self.name):
            value, text = read_json_capture(source, sink)
            if not isinstance(value, dict):
                raise CaptureError(source.name, f"expected a JSON object, got a {type(value).__name__}")
            sink.hint(provider="aws")
            lines = LineFinder(text)
            return read_document(sink, self.name, value, lambda document, buffer: self.handle(document, source, _LocatingSink(buffer, text, source.name), lines))

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        raise NotImplementedError


class DescribeServicesReader(_AwsJsonReader):
    """``aws ecs describe-services``: deployments, counts, events, load balancers."""

    name: ClassVar[str] = "aws-ecs-describe-services"
    keys: ClassVar[tuple[str, ...]] = ("services", "serviceArn")

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        services = [s for s in value.get("services", []) if isinstance(s, dict)]
        count = 0
        for index, raw in enumerate(services):
            at = lines.line_of(f'"serviceName": "{raw.get("serviceName", "")}"') or index + 1
            read = read_element(sink, at, "service", raw, lambda s: (normalize.service_status(s), normalize.service_events(s), _primary_id(s)))
            if read is None:
                continue
            (status, events, primary), service = read
            count += 1
            sink.hint(service=status.name, deployment_id=primary)
            sink.add_status(status)
            for event in events:
                line = lines.line_of(event.message[:60])
                sink.add_event(event if line is None else _with_location(event, SourceLocation(source.name, line)))
        return count


def _primary_id(service: Mapping[str, Any]) -> str | None:
    primary = next((d.get("id") for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    return None if primary is None else str(primary)


def _with_location(item: Any, location: SourceLocation) -> Any:
    import attrs

    return attrs.evolve(item, location=location)


class DescribeTasksReader(_AwsJsonReader):
    """``aws ecs describe-tasks``: stop codes, stopped reasons, exit codes."""

    name: ClassVar[str] = "aws-ecs-describe-tasks"
    keys: ClassVar[tuple[str, ...]] = ("tasks", "taskArn")

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        tasks = [t for t in value.get("tasks", []) if isinstance(t, dict)]
        instances: list[Instance] = []
        for index, task in enumerate(tasks):
            line = lines.line_of(f'"taskArn": "{task.get("taskArn", "")}"')
            read = read_element(sink, line or index + 1, "task", task, lambda t: normalize.task_instances([t], SourceLocation(source.name, line)))
            if read is None:
                continue
            instances.extend(read[0])
            group = str(read[1].get("group", ""))
            if group.startswith("service:"):
                sink.hint(service=group.removeprefix("service:"))
        sink.add_status(ServiceStatus(name="", instances=tuple(instances)))
        return len(tasks)


class DescribeTaskDefinitionReader(_AwsJsonReader):
    """``aws ecs describe-task-definition``: ports, memory, health check, log driver."""

    name: ClassVar[str] = "aws-ecs-describe-task-definition"
    keys: ClassVar[tuple[str, ...]] = ("taskDefinition", "containerDefinitions")

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        definition = value.get("taskDefinition")
        if not isinstance(definition, dict):
            raise CaptureError(source.name, "no taskDefinition object")
        sink.add_status(ServiceStatus(name="", containers=normalize.container_specs(definition)))
        return 1


class CloudWatchLogsReader(_AwsJsonReader):
    """``aws logs filter-log-events`` and ``aws logs get-log-events``."""

    name: ClassVar[str] = "aws-logs-events"
    keys: ClassVar[tuple[str, ...]] = ("events",)

    def sniff(self, source: CaptureSource) -> float:
        """``events`` with CloudWatch's stream or token keys."""
        head = source.head
        if '"events"' in head and ('"logStreamName"' in head or '"nextForwardToken"' in head or '"searchedLogStreams"' in head or '"ingestionTime"' in head):
            return 0.9
        return 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Event by event: a log capture of gigabytes is never held whole."""
        stream = PurePath(source.name).name
        count = 0
        chunk: list[tuple[int, Any]] = []
        with unexpected_shape(source, self.name), source.open() as text:
            array = ArrayStream(text, key="events")
            for element in array:
                chunk.append(element)
                if len(chunk) >= LOG_BATCH:
                    count += _hand_events(chunk, sink, stream, source.name)
                    chunk = []
            count += _hand_events(chunk, sink, stream, source.name)
            report_array_stream(array, source, sink, "log events")
        sink.hint(provider="aws")
        return count


def _hand_events(chunk: list[tuple[int, Any]], sink: CaptureSink, stream: str, source_name: str) -> int:
    """Give the sink one batch of ``(line, event)``; returns how many were log events."""
    # Nearly every batch is all plain events (objects with epoch-millisecond timestamps): one comprehension
    # builds its lines at a fraction of the cost of a call per event.
    if not all(type(event) is dict and _plain_timestamp(event.get("timestamp")) for _, event in chunk):
        chunk = _readable_events(chunk, sink, stream, source_name)
    if chunk:
        sink.add_logs_lazy(
            [
                (str(event.get("message", "")).rstrip("\n"), "cloudwatch-logs", str(event.get("logStreamName") or stream), functools.partial(_one_entry, event, stream, source_name, line))
                for line, event in chunk
            ]
        )
    return len(chunk)


def _readable_events(chunk: list[tuple[int, Any]], sink: CaptureSink, stream: str, source_name: str) -> list[tuple[int, Any]]:
    """The log events of a batch, each element that is none reported with its line."""
    events: list[tuple[int, Any]] = []
    for line, event in chunk:
        if not isinstance(event, dict):
            sink.skipped_line(line, "not a log event object")
            continue
        if not _plain_timestamp(event.get("timestamp")):
            # Only the timestamp can fail to normalise: check this event now, with its line.
            read = read_element(sink, line, "log event", event, lambda e: _one_entry(e, stream, source_name, line))
            if read is None:
                continue
            event = read[1]
        events.append((line, event))
    return events


def _plain_timestamp(value: Any) -> bool:
    """Epoch milliseconds as CloudWatch writes them (or none): the entry can be built later, only if kept."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**14)


def _one_entry(event: Mapping[str, Any], stream: str, source_name: str, line: int) -> LogEntry:
    (entry,) = normalize.log_entries([event], stream=stream, source_name=source_name, first_line=line)
    return entry


class DescribeTargetHealthReader(_AwsJsonReader):
    """``aws elbv2 describe-target-health``."""

    name: ClassVar[str] = "aws-elbv2-describe-target-health"
    keys: ClassVar[tuple[str, ...]] = ("TargetHealthDescriptions",)

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        descriptions = [d for d in value.get("TargetHealthDescriptions", []) if isinstance(d, dict)]
        sink.add_status(ServiceStatus(name="", targets=tuple(normalize.target_health(descriptions))))
        return len(descriptions)


class MetricDataReader(_AwsJsonReader):
    """``aws cloudwatch get-metric-data``."""

    name: ClassVar[str] = "aws-cloudwatch-get-metric-data"
    keys: ClassVar[tuple[str, ...]] = ("MetricDataResults",)

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        points = normalize.metric_points_from_data(value)
        for point in points:
            sink.add_metric(point, "cloudwatch-metrics")
        return len(points)


class MetricStatisticsReader(_AwsJsonReader):
    """``aws cloudwatch get-metric-statistics``."""

    name: ClassVar[str] = "aws-cloudwatch-get-metric-statistics"
    keys: ClassVar[tuple[str, ...]] = ("Datapoints", "Label")

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        points = normalize.metric_points_from_statistics(value)
        for point in points:
            sink.add_metric(point, "cloudwatch-metrics")
        return len(points)


class ContainerInstancesReader(_AwsJsonReader):
    """``aws ecs describe-container-instances``: disconnected agents, draining instances."""

    name: ClassVar[str] = "aws-ecs-describe-container-instances"
    keys: ClassVar[tuple[str, ...]] = ("containerInstances", "containerInstanceArn")

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        instances = [i for i in value.get("containerInstances", []) if isinstance(i, dict)]
        sink.add_status(ServiceStatus(name="", conditions=normalize.container_instance_conditions(instances)))
        return len(instances)


class EcrDescribeImagesReader(_AwsJsonReader):
    """``aws ecr describe-images``: which tags exist (recorded for the report)."""

    name: ClassVar[str] = "aws-ecr-describe-images"
    keys: ClassVar[tuple[str, ...]] = ("imageDetails",)

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        details = [d for d in value.get("imageDetails", []) if isinstance(d, dict)]
        tags = sorted({f"{d.get('repositoryName')}:{tag}" for d in details for tag in d.get("imageTags", []) or []})
        sink.add_status(ServiceStatus(name="", attributes={"ecr_tags": ",".join(tags)}))
        return len(details)


_DEPLOY_ERROR = regex.deferred(
    r"when calling the \w+ operation|Waiter Services?Stable failed|\(Service: AmazonECS;|aws_ecs_\w+|"
    r"CREATE_FAILED|UPDATE_FAILED|UPDATE_ROLLBACK|ECS Deployment Circuit Breaker was triggered|ClientException:"
)
_REFUSED = regex.deferred(
    r"An error occurred \((?:ClientException|InvalidParameterException|ServerException|AccessDeniedException)\) when calling the "
    r"(?P<operation>RegisterTaskDefinition|CreateService|UpdateService) operation: .*"
)


class StackEventsReader(_AwsJsonReader):
    """``aws cloudformation describe-stack-events`` (what CDK and Copilot deploy through)."""

    name: ClassVar[str] = "aws-cloudformation-stack-events"
    keys: ClassVar[tuple[str, ...]] = ("StackEvents", "ResourceStatus")

    def handle(self, value: Mapping[str, Any], source: CaptureSource, sink: Any, lines: LineFinder) -> int:
        events = [e for e in value.get("StackEvents", []) if isinstance(e, dict)]
        found, status = normalize.stack_events(events)
        for event in found:
            line = lines.line_of_value(event.message)
            sink.add_event(event if line is None else _with_location(event, SourceLocation(source.name, line)))
        if status is not None:
            sink.add_status(status)
        return len(found)


class AwsDeployErrorReader:
    """What ``aws ecs``, CloudFormation or Terraform print when an ECS deployment fails."""

    name: ClassVar[str] = "aws-deploy-error-text"
    provider: ClassVar[str | None] = "aws"

    def sniff(self, source: CaptureSource) -> float:
        """More sure than plain text when AWS error phrases appear."""
        return 0.2 if _DEPLOY_ERROR.search(source.head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """The lines as log lines of the deploy tool; a refused registration or service update is the attempt."""
        with unexpected_shape(source, self.name):
            sink.hint(provider="aws")
            with source.open() as stream:
                text = stream.read(1 << 20)
            refused = _REFUSED.search(text)
            if refused is not None:
                # ECS refused the deploy before any task of it started: the service may be untouched and
                # healthy, but the deployment the user attempted never began.
                line = text.count("\n", 0, refused.start()) + 1
                message = refused.group(0).strip()
                condition = Condition("Deployed", "False", refused.group("operation"), message, location=SourceLocation(source.name, line), failing=True)
                attempt = Rollout(id=f"{refused.group('operation')} (refused)", current=True, outcome=RolloutOutcome.NOT_STARTED, reason=message, conditions=(condition,))
                sink.add_status(ServiceStatus(name="", rollouts=(attempt,)))
            return stream_blocks(source, sink, log_source="deploy-output", stream=PurePath(source.name).name)
