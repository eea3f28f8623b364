"""Readers of az output: Log Analytics query rows, ``containerapp`` objects, logs and metrics."""

from __future__ import annotations

from pathlib import PurePath
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar


from scdiag import regex
from scdiag.captures.jsontext import ArrayStream, SinkBatches, LineFinder, iter_json_lines, locate_status, read_json_capture, read_document, read_element, report_array_stream, unexpected_shape
from scdiag.captures.text import stream_blocks
from scdiag.models import Condition, DiagnosticEvent, LogEntry, Rollout, RolloutOutcome, ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_azure import normalize

__all__ = ["ArmErrorBodyReader", "AzDeployErrorReader", "BicepDiagnosticsReader", "ContainerAppLogsReader", "ContainerAppObjectReader", "LogAnalyticsRowsReader", "MonitorMetricsReader"]

_ARM_TYPE = regex.deferred(r'(?i)"type"\s*:\s*"Microsoft\.App/(containerApps(/revisions(/replicas)?)?|jobs(/executions)?)"')
_ROW_KEYS = regex.deferred(r'"(Log_s|Reason_s|ContainerAppName_s|ContainerAppName|RevisionName)"')


def _unit_free(row: dict[str, Any]) -> dict[str, Any]:
    if " [" in "\n".join(row):
        # The portal's CSV export and grid name columns with their unit: "TimeGenerated [UTC]".
        return {key.split(" [", 1)[0]: value for key, value in row.items()}
    return row


def _row_item(row: dict[str, Any], location: SourceLocation) -> DiagnosticEvent | LogEntry:
    """A row as an event (system tables) or a log line (console tables)."""
    row = _unit_free(row)
    return normalize.row_event(row, location) if normalize.is_system_row(row) else normalize.row_log(row, location)


def _build_row(sink: CaptureSink, row: dict[str, Any], name: str, line: int) -> DiagnosticEvent | LogEntry | None:
    location = SourceLocation(name, line)
    read = read_element(sink, line, "row", row, lambda r: _row_item(r, location))
    return None if read is None else read[0]


def _build_event(sink: CaptureSink, row: dict[str, Any], name: str, line: int) -> DiagnosticEvent | None:
    item = _build_row(sink, row, name, line)
    return item if isinstance(item, DiagnosticEvent) else None


def _console_row(sink: CaptureSink, row: dict[str, Any], name: str, line: int, message: str) -> LogEntry:
    # A row whose fields could not all be read still is its line.
    item = _build_row(sink, row, name, line)
    return item if isinstance(item, LogEntry) else LogEntry(message=message, location=SourceLocation(name, line))


_LAYOUTS = 64
"""Column sets whose layout is kept while reading one export."""


def _add_other_row(row: dict[str, Any], plain: dict[str, Any], name: str, line: int, sink: CaptureSink, batches: SinkBatches) -> bool:
    """A row that is no system row: a console line, or whatever else it reads as."""
    found = _console_line(plain)
    if found is not None:
        # Console rows too: counted by their text, built only when kept.
        message, stream = found
        batches.line(message, "azure-console", stream, partial(_console_row, sink, row, name, line, message))
        return True
    batches.flush()  # the rows before this one reach the sink before it, in their order
    item = _build_row(sink, row, name, line)
    if item is None:
        return False
    if isinstance(item, DiagnosticEvent):
        sink.add_event(item)
    else:
        sink.add_log(item, "azure-console")
    return True


def _add_rows(rows: Iterable[tuple[int, Any]], name: str, sink: CaptureSink, not_a_row: str) -> int:
    """Every (line, row): system rows become events, console rows log lines; the rows added.

    An export has millions of rows, most of them system rows that say
    nothing: the loop reads those itself, each by its columns' layout.
    """
    count = 0
    batches = SinkBatches(sink)
    event = batches.event
    layouts: dict[tuple[str, ...], normalize.RowLayout] = {}
    # What the rows say they are about, told once per app and revision rather than once a row;
    # consecutive rows nearly always name the same, so they are counted in runs.
    votes: Counter[tuple[str | None, str | None]] = Counter()
    names_run: tuple[str | None, str | None] = (None, None)
    run = 0
    for line, row in rows:
        if not isinstance(row, dict):
            sink.skipped_line(line, not_a_row)
            continue
        columns = tuple(row)
        layout = layouts.get(columns)
        if layout is None:
            if len(layouts) >= _LAYOUTS:
                layouts.clear()  # rows whose columns keep changing: a layout is cheap to work out again
            layout = layouts[columns] = normalize.RowLayout(columns)
        plain = _unit_free(row) if layout.units else row
        names, words = layout.read(plain)
        if names != names_run:
            if run:
                votes[names_run] += run
            names_run, run = names, 0
        run += 1
        if words is not None:
            # Most rows of a long export say nothing an indicator matches: they are counted, not built.
            event(words[0], words[1], "azure-system", partial(_build_event, sink, row, name, line))
            count += 1
        elif _add_other_row(row, plain, name, line, sink, batches):
            count += 1
    if run:
        votes[names_run] += run
    batches.flush()
    for (app, revision), seen in votes.items():
        sink.hint(provider="azure", service=app, deployment_id=revision, votes=seen)
    return count


def _console_line(row: dict[str, Any]) -> tuple[str, str] | None:
    """The row's message and stream, when its fields are the plain values a built entry will agree with."""
    if not all(value is None or isinstance(value, (str, int, float)) for value in row.values()):
        return None
    try:
        return normalize.row_line(row)
    except (TypeError, ValueError, AttributeError):
        return None


class LogAnalyticsRowsReader:
    """``az monitor log-analytics query`` over the Container Apps system and console tables."""

    name: ClassVar[str] = "az-log-analytics-rows"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """A JSON array of rows with Container Apps columns."""
        head = source.head.lstrip()
        return 0.9 if head.startswith("[") and _ROW_KEYS.search(head) and '"TimeGenerated' in head else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """System rows become events, console rows log lines."""
        # Row by row: a query export of gigabytes is never held whole.
        with unexpected_shape(source, self.name), source.open() as stream:
            array = ArrayStream(stream)
            count = _add_rows(array, source.name, sink, "not a row object")
            report_array_stream(array, source, sink, "rows")
            return count


class ContainerAppLogsReader:
    """``az containerapp logs show`` (JSON lines, console or ``--type system``)."""

    name: ClassVar[str] = "az-containerapp-logs-show"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """One JSON object per line with TimeStamp and Log or Msg."""
        first = source.head.lstrip().split("\n", 1)[0]
        return 0.85 if first.startswith("{") and '"TimeStamp"' in first and ('"Log"' in first or '"Msg"' in first) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Each line is a row; a line that is not JSON is counted and skipped."""
        with unexpected_shape(source, self.name), source.open() as stream:
            return _add_rows(((number, value) for number, value, _raw in iter_json_lines(stream)), source.name, sink, "not a JSON object")


class ContainerAppObjectReader:
    """``az containerapp show``, ``revision show|list`` and ``replica list`` JSON."""

    name: ClassVar[str] = "az-containerapp-json"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """ARM objects of type Microsoft.App/containerApps(/revisions(/replicas))."""
        return 0.9 if _ARM_TYPE.search(source.head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Apps become the status, revisions rollouts (the newest is current)."""
        with unexpected_shape(source, self.name):
            value, text = read_json_capture(source, sink)
            # A list as az prints it, or an ARM list response as the REST API returns it.
            listed = value.get("value") if isinstance(value, dict) and "type" not in value else None
            items = value if isinstance(value, list) else listed if isinstance(listed, list) else [value]
            lines = LineFinder(text)

            def sound(item: dict[str, Any], what: str, use: Callable[[dict[str, Any]], Any]) -> tuple[Any, dict[str, Any]] | None:
                name = item.get("name")
                at = (lines.line_of(f'"name": "{name}"') if isinstance(name, str) else None) or 1
                return read_element(sink, at, what, item, use)

            objects = [i for i in items if isinstance(i, dict)]
            jobs = [i for i in objects if str(i.get("type", "")).lower() == "microsoft.app/jobs"]
            executions = [i for i in objects if str(i.get("type", "")).lower().endswith("jobs/executions")]
            count = len(jobs) + len(executions)
            if jobs or executions:
                executions = [read[1] for e in executions if (read := sound(e, "job execution", lambda x: normalize.job_status({}, [x]))) is not None]
                job = sound(jobs[0], "job", lambda x: normalize.job_status(x, [])) if jobs else None
                status = normalize.job_status(job[1] if job else {}, executions)
                sink.add_status(locate_status(status, text, source.name))
                sink.hint(provider="azure", service=status.name or None, deployment_id=next((r.id for r in status.rollouts if r.current), None))
                objects = [i for i in objects if i not in jobs and not str(i.get("type", "")).lower().endswith("jobs/executions")]
            revisions = [i for i in objects if str(i.get("type", "")).lower().endswith("/revisions")]
            newest = max((_created(r) for r in revisions), default="")
            for item in objects:
                kind = str(item.get("type", "")).lower()
                if kind.endswith("/replicas"):
                    replica = sound(item, "replica", normalize.replica_instance)
                    if replica is None:
                        continue
                    sink.add_status(locate_status(ServiceStatus(name="", instances=(replica[0],)), text, source.name))
                elif kind.endswith("/revisions"):
                    revision = sound(item, "revision", lambda x: normalize.revision_rollout(x, _created(x) == newest))
                    if revision is None:
                        continue
                    sink.add_status(locate_status(ServiceStatus(name="", rollouts=(revision[0],)), text, source.name))
                    name = revision[1].get("name")
                    sink.hint(provider="azure", deployment_id=name if isinstance(name, str) else None)
                else:
                    app = sound(item, "container app", normalize.app_status)
                    if app is None:
                        continue
                    sink.add_status(locate_status(app[0], text, source.name))
                    sink.hint(provider="azure", service=app[0].name)
                count += 1
            return count


def _add_metric_points(value: dict[str, Any], sink: CaptureSink) -> int:
    points = normalize.metric_points(value)
    for point in points:
        sink.add_metric(point, "azure-metrics")
    return len(points)


def _created(revision: dict[str, Any]) -> str:
    properties = revision.get("properties")
    return str(properties.get("createdTime", "")) if isinstance(properties, dict) else ""


class MonitorMetricsReader:
    """``az monitor metrics list``."""

    name: ClassVar[str] = "az-monitor-metrics"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """The metrics response: value, timeseries, Microsoft.Insights."""
        head = source.head
        return 0.9 if '"timeseries"' in head and '"value"' in head else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Every data point of every series."""
        with unexpected_shape(source, self.name):
            value, _text = read_json_capture(source, sink)
            sink.hint(provider="azure")
            return read_document(sink, self.name, value if isinstance(value, dict) else {}, _add_metric_points)


_PROVISIONING_FAILURE = regex.deferred(r"(?mi)^.*(Failed to provision revision|Error provisioning|ContainerApp\w+Invalid|Activation ?failed|Unable to get value using Managed identity).*$")
_AZ_ERROR = regex.deferred(r"Failed to provision revision for container app|ERROR CODE: ContainerApp\w+|RESPONSE \d{3}: |\(ContainerApp\w+\)|ERROR: \(\w+\)|Code: 90714|ManagedEnvironment\w+")


_ERROR_MESSAGE = regex.deferred(r'"message"\s*:\s*"(?P<message>(?:[^"\\]|\\.)+)"')
_BARE_CODE = regex.deferred(r"^ERROR CODE: \w+$")
_APP_PATH = regex.deferred(r"/containerApps/(?P<name>[a-z][a-z0-9-]*)")
_REFUSED = regex.deferred(
    r"(?m)^.*\(?(?P<code>InvalidTemplate|InvalidTemplateDeployment|ContainerAppInvalid\w*|ContainerAppSecretRefNotFound|InvalidParameterValueInContainerTemplate|"
    r"ValidationError|InvalidRequestContent|ManagedEnvironmentNotFound)\)?(?:[ :\",]|$).*$"
)


class AzDeployErrorReader:
    """What ``az containerapp up/create/update`` print when a deployment fails."""

    name: ClassVar[str] = "az-deploy-error-text"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """Container Apps error codes and phrases."""
        return 0.2 if _AZ_ERROR.search(source.head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """The lines as log lines, and the errors as a failed provisioning condition."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                head = stream.read(1 << 20)
            for match in _PROVISIONING_FAILURE.finditer(head):
                location = SourceLocation(source.name, head.count("\n", 0, match.start()) + 1)
                condition = Condition("Provisioned", "False", "Failed", match.group(0).strip().removeprefix("ERROR: "), location=location, failing=True)
                sink.add_status(ServiceStatus(name="", conditions=(condition,)))
            # azd's bare "ERROR CODE: X" line is followed by the ARM error body, which
            # ArmErrorBodyReader reads with its message: the refusal is taken from there.
            refused = next((m for m in _REFUSED.finditer(head) if not _BARE_CODE.match(m.group(0).strip())), None)
            if refused is not None:
                # Azure Resource Manager rejected the request: no revision of it was created.
                location = SourceLocation(source.name, head.count("\n", 0, refused.start()) + 1)
                message = refused.group(0).strip().removeprefix("ERROR: ")
                detail = _ERROR_MESSAGE.search(head, refused.end())
                if detail is not None:
                    # azd and az print the ARM error body after the code: its message says what is wrong.
                    message = f"{message}: {detail.group('message')}"
                condition = Condition("Deployed", "False", refused.group("code"), message, location=location, failing=True)
                attempt = Rollout(id="deploy (refused)", current=True, outcome=RolloutOutcome.NOT_STARTED, reason=message, conditions=(condition,))
                sink.add_status(ServiceStatus(name="", rollouts=(attempt,)))
            app = _APP_PATH.search(head)
            sink.hint(provider="azure", service=app.group("name") if app else None)
            return stream_blocks(source, sink, log_source="deploy-output", stream=PurePath(source.name).name)


_BICEP_DIAGNOSTIC = regex.deferred(r"^\s*(?P<file>\S*?\.bicep(?:param)?)\((?P<line>\d+),(?P<column>\d+)\)\s*:\s*(?P<level>Error|Warning) (?P<code>BCP\d+|[a-z][a-z-]+): (?P<message>.+)$")
_BICEP_ERROR = regex.deferred(r"(?m)^\s*\S*?\.bicep(?:param)?\(\d+,\d+\)\s*:\s*Error BCP\d+: ")


class BicepDiagnosticsReader:
    """What ``az deployment group create -f main.bicep`` and ``bicep build`` print when the template does not compile."""

    name: ClassVar[str] = "bicep-build-diagnostics"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """Sure of a compiler error line: ``main.bicep(27,5) : Error BCP037: ...``."""
        return 0.85 if _BICEP_ERROR.search(source.head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Each error refuses the deployment before it reached Azure; every line is also read as text."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                head = stream.read(1 << 20)
            conditions = []
            for number, line in enumerate(head.split("\n"), start=1):
                found = _BICEP_DIAGNOSTIC.match(line.rstrip("\r")) if ".bicep" in line else None
                if found is None or found.group("level") != "Error":
                    continue  # warnings (the linter's among them) do not stop a deployment
                where = f"{PurePath(found.group('file')).name}({found.group('line')},{found.group('column')})"
                message = f"{where} : Error {found.group('code')}: {found.group('message').strip()}"
                conditions.append(Condition("Deployed", "False", found.group("code"), message, location=SourceLocation(source.name, number), failing=True))
            if conditions:
                reason = f"the template did not compile ({len(conditions)} error{'s' if len(conditions) > 1 else ''}); nothing was deployed"
                attempt = Rollout(id="deploy (template)", current=True, outcome=RolloutOutcome.NOT_STARTED, reason=reason, conditions=tuple(conditions))
                sink.add_status(ServiceStatus(name="", rollouts=(attempt,)))
            sink.hint(provider="azure")
            return stream_blocks(source, sink, log_source="deploy-output", stream=PurePath(source.name).name)


_ARM_ERROR_HEAD = regex.deferred(r'^\s*\{\s*"error"\s*:\s*\{')
_ARM_ERROR_CODES = regex.deferred(r'"code"\s*:\s*"(ContainerApp\w*|DeploymentFailed|InvalidTemplate\w*|ManagedEnvironment\w*|InvalidParameterValueInContainerTemplate|InvalidRequestContent)"')


def _arm_errors(error: Any, depth: int = 0) -> list[tuple[str, str]]:
    """(code, message) of an ARM error and of its nested details, outermost first."""
    if not isinstance(error, dict) or depth > 8:
        return []
    found = [(str(error.get("code") or ""), str(error.get("message") or ""))]
    for detail in error.get("details") or []:
        found.extend(_arm_errors(detail, depth + 1))
    return found


class ArmErrorBodyReader:
    """The ARM error body azd, az and the portal show: ``{"error": {"code", "message", "details": [...]}}``."""

    name: ClassVar[str] = "arm-error-body"
    provider: ClassVar[str | None] = "azure"

    def sniff(self, source: CaptureSource) -> float:
        """An error envelope whose codes are Container Apps' or a deployment's."""
        head = source.head
        return 0.9 if _ARM_ERROR_HEAD.search(head) and _ARM_ERROR_CODES.search(head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """A refused deploy: no revision was created; the innermost detail says why."""
        with unexpected_shape(source, self.name):
            value, text = read_json_capture(source, sink)
            errors = [(code, message) for code, message in _arm_errors(value.get("error") if isinstance(value, dict) else None) if code or message]
            if not errors:
                return 0
            # DeploymentFailed wraps the real error: the innermost detail is the one to act on.
            code, message = errors[-1]
            summary = "; ".join(f"({c}) {m}".strip() for c, m in errors if m)
            condition = Condition("Deployed", "False", code or None, summary, location=SourceLocation(source.name, 1), failing=True)
            attempt = Rollout(id="deploy (refused)", current=True, outcome=RolloutOutcome.NOT_STARTED, reason=f"({code}) {message}".strip(), conditions=(condition,))
            sink.add_status(ServiceStatus(name="", rollouts=(attempt,)))
            app = _APP_PATH.search(text)
            sink.hint(provider="azure", service=app.group("name") if app else None)
            return len(errors)
