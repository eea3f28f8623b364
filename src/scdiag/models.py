"""The domain model: frozen values that flow from collection to report.

Data flows one way: a :class:`DiagnosticRequest` is collected into
:class:`DiagnosticData`, analysed into a :class:`DiagnosticResult` and rendered
from a :class:`DiagnosticReport`. Every timestamp is timezone-aware; every
collection is a tuple; plugin-specific data goes into ``attributes`` mappings.

The service-state types (:class:`ServiceStatus` and its parts) live in
:mod:`scdiag._status` and are re-exported here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

import attrs

from scdiag._records import record
from scdiag._status import (
    Condition,
    ContainerSpec,
    ContainerStatus,
    HealthCheckSpec,
    Instance,
    LoadBalancerTarget,
    Rollout,
    RolloutOutcome,
    ServiceEndpoint,
    ServiceStatus,
    SourceLocation,
    Termination,
)
from scdiag._values import aware, check_scalars, optional_aware

__all__ = [
    "Condition",
    "ContainerSpec",
    "ContainerStatus",
    "DataGap",
    "DiagnosticData",
    "DiagnosticEvent",
    "DiagnosticReport",
    "DiagnosticRequest",
    "DiagnosticResult",
    "DiagnosticStatus",
    "EventData",
    "EventLevel",
    "Evidence",
    "GapKind",
    "HealthCheckSpec",
    "Instance",
    "InputRecord",
    "LoadBalancerTarget",
    "LogData",
    "LogEntry",
    "LogLevel",
    "MetricData",
    "MetricPoint",
    "Recommendation",
    "RequestContext",
    "RolloutOutcome",
    "RolloutVerdict",
    "RootCause",
    "Rollout",
    "ServiceEndpoint",
    "ServiceStatus",
    "Severity",
    "Solution",
    "ConfigChange",
    "SourceLocation",
    "Termination",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class LogLevel(str, enum.Enum):
    """Severity of a log line, normalised across clouds."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


class EventLevel(str, enum.Enum):
    """Kind of a platform event: Kubernetes ``Normal``/``Warning`` and the like."""

    NORMAL = "normal"
    WARNING = "warning"
    ERROR = "error"


class Severity(str, enum.Enum):
    """How bad a failure is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class DiagnosticStatus(str, enum.Enum):
    """The verdict on a deployment."""

    FAILED = "failed"
    HEALTHY = "healthy"
    UNKNOWN = "unknown"


class GapKind(str, enum.Enum):
    """Why a source of data is missing from a diagnosis."""

    FAILED = "failed"
    """The source was asked and failed (an API error, an unreadable file)."""
    TIMED_OUT = "timed_out"
    """The source did not answer before the deadline."""
    ACCESS_DENIED = "access_denied"
    """The credentials lack the permission to read it."""
    UNAVAILABLE = "unavailable"
    """The source does not exist here (no metrics API, another log driver)."""
    SKIPPED = "skipped"
    """The source was not asked (disabled by configuration or not applicable)."""


@record
class RequestContext:
    """Where the service lives: the options its provider declared, and the Simple Container names.

    ``options`` holds what the provider registered (``registry.add_option``),
    by option name: ``{"cluster": "prod"}`` for ECS, ``{"namespace": "shop",
    "context": "prod"}`` for Kubernetes. The core gives them no meaning.
    """

    options: Mapping[str, str] = attrs.field(factory=dict)
    """Provider options by name (``scdiag diagnose --provider P --NAME VALUE``)."""
    stack: str | None = None
    """Simple Container stack name, used to render fix steps."""
    environment: str | None = None
    """Simple Container environment (``stacks.<environment>``)."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    """Anything else a third-party provider needs."""


@record
class DiagnosticRequest:
    """What to diagnose: one service of one provider, over a time window."""

    provider: str
    """Provider name: ``aws``, ``gcp``, ``kubernetes``, ``azure`` or a plugin's."""
    service_name: str
    """The service, deployment, Cloud Run service or container app."""
    deployment_id: str | None = None
    """The deployment (ECS deployment id, ReplicaSet, revision) when known."""
    region: str | None = None
    """Cloud region; providers fall back to their SDK's default chain."""
    start_time: datetime | None = attrs.field(default=None, validator=optional_aware)
    """Start of the window; ``None`` means ``collection.event_lookback`` ago."""
    end_time: datetime | None = attrs.field(default=None, validator=optional_aware)
    """End of the window; ``None`` means now."""
    timeout: timedelta | None = None
    """Overall collection deadline; ``None`` means ``collection.timeout``."""
    context: RequestContext = attrs.field(factory=RequestContext)
    """Cluster, namespace, project and similar coordinates."""


@record
class LogEntry:
    """One log line of a container or of the platform."""

    message: str
    timestamp: datetime | None = attrs.field(default=None, validator=optional_aware)
    """When the line was written; ``None`` when the source has no time."""
    level: LogLevel = LogLevel.UNKNOWN
    stream: str = ""
    """Which container or stream wrote it, e.g. ``pod/web-5d9f/app``."""
    location: SourceLocation | None = None
    previous: bool = False
    """True for logs of a container's previous run (``kubectl logs --previous``)."""
    instance: str | None = None
    """The instance (task id, pod name) whose container wrote it, when known."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class LogData:
    """The log lines of one source (a log stream, a capture file).

    ``entries`` may be a bounded selection of what was read; ``total_lines``
    counts every line the source delivered.
    """

    source: str
    entries: tuple[LogEntry, ...] = ()
    total_lines: int = 0
    skipped_lines: int = 0
    """Lines that could not be parsed and were counted, not kept."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)


@record
class MetricPoint:
    """One sample of one metric."""

    name: str
    value: float
    timestamp: datetime = attrs.field(validator=aware)
    unit: str = ""
    """``Percent``, ``Bytes``, ``Count``..."""
    statistic: str = ""
    """``Average``, ``Maximum``..."""
    tags: Mapping[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class MetricData:
    """Metric samples from one source."""

    source: str
    points: tuple[MetricPoint, ...] = ()
    attributes: Mapping[str, str] = attrs.field(factory=dict)


@record
class DiagnosticEvent:
    """A platform event: an ECS service event, a Kubernetes event, a system log."""

    message: str
    timestamp: datetime | None = attrs.field(default=None, validator=optional_aware)
    source: str = ""
    """Which kind of event: ``ecs-service``, ``kubernetes-event``, ``cloud-run``..."""
    level: EventLevel = EventLevel.NORMAL
    reason: str | None = None
    """A machine reason (``BackOff``, ``FailedScheduling``), when the source has one."""
    resource: str | None = None
    """The object it is about, e.g. ``Pod/web-5d9f``."""
    instance: str | None = None
    """The instance (task id, pod name) it is about, when it is about one."""
    count: int = 1
    """How many times the same event was seen."""
    first_seen: datetime | None = attrs.field(default=None, validator=optional_aware)
    location: SourceLocation | None = None
    attributes: Mapping[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        check_scalars(self)


@record
class EventData:
    """Events from one source."""

    source: str
    events: tuple[DiagnosticEvent, ...] = ()
    attributes: Mapping[str, str] = attrs.field(factory=dict)


@record
class DataGap:
    """A source of data that is missing from a diagnosis, and why."""

    source: str
    """What is missing: ``logs``, ``metrics``, ``cloudwatch-logs:/ecs/web``..."""
    kind: GapKind
    reason: str
    """One readable line: what failed, or which permission is missing."""
    provider: str = ""


@record
class InputRecord:
    """One input of an offline analysis, and what became of it."""

    path: str
    reader: str | None
    """The capture reader that took it; ``None`` when no reader recognised it."""
    items: int = 0
    """How many records (lines, objects) were read from it."""
    problems: tuple[str, ...] = ()
    """One readable line per problem met while reading it."""


@record
class DiagnosticData:
    """Everything collected about one deployment, from live APIs or captures."""

    provider: str
    service_name: str
    deployment_id: str | None = None
    collected_at: datetime = attrs.field(factory=utcnow, validator=aware)
    logs: tuple[LogData, ...] = ()
    metrics: tuple[MetricData, ...] = ()
    events: tuple[EventData, ...] = ()
    status: ServiceStatus | None = None
    gaps: tuple[DataGap, ...] = ()
    inputs: tuple[InputRecord, ...] = ()
    """For offline analysis: every input file and the reader that took it."""
    window_start: datetime | None = attrs.field(default=None, validator=optional_aware)
    window_end: datetime | None = attrs.field(default=None, validator=optional_aware)
    from_cache: bool = False
    """True when the diagnostic cache served this data: it was collected at ``collected_at``, not now."""


@record
class Evidence:
    """One observation that supports a root cause."""

    source: str
    """Where it was seen: ``log``, ``event``, ``status``, ``metric``, ``config``."""
    excerpt: str
    """The line, message or fact, as seen (after redaction)."""
    timestamp: datetime | None = attrs.field(default=None, validator=optional_aware)
    location: SourceLocation | None = None
    indicator: str = ""
    """Which indicator of the pattern it satisfied."""
    weight: float = 0.0
    context: tuple[str, ...] = ()
    """For a log line: the lines around it in its stream, the line itself included."""


@record
class ConfigChange:
    """A change to the user's configuration that implements a fix."""

    file: str
    """e.g. ``.sc/stacks/{stack}/client.yaml`` or ``docker-compose.yaml``."""
    key_path: str
    """e.g. ``stacks.{environment}.config.size.memory``."""
    before: str | None = None
    after: str | None = None
    explanation: str = ""


@record
class Solution:
    """One way to fix a root cause."""

    title: str
    description: str = ""
    difficulty: str = "easy"
    """``easy``, ``medium`` or ``hard``."""
    estimated_time: str = ""
    steps: tuple[str, ...] = ()
    config_changes: tuple[ConfigChange, ...] = ()
    validation: tuple[str, ...] = ()
    """How to check the fix worked."""


@record
class RootCause:
    """A cause the analysis found, with its confidence and evidence."""

    pattern_id: str
    name: str
    category: str
    severity: Severity
    confidence: float
    """In [0, 1]: the matched indicators' combined weights, mapped to the share of right
    answers given with that score on the development evaluation (see
    :mod:`scdiag.analysis.calibration`; the raw score with ``analysis.calibrate: false``)."""
    description: str = ""
    evidence: tuple[Evidence, ...] = ()
    solutions: tuple[Solution, ...] = ()
    prevention: tuple[str, ...] = ()
    learn_more: tuple[str, ...] = ()
    guess: bool = False
    """True when it comes from the classifier, not from a pattern."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)


@record
class Recommendation:
    """Advice that is not a fix of the root cause itself."""

    title: str
    description: str = ""
    priority: Severity = Severity.MEDIUM


@record
class RolloutVerdict:
    """What the platform's data says about the rollout the user attempted, before any pattern."""

    attempted: str | None = None
    """The rollout the user pushed (deployment, ReplicaSet, revision), when the data names it."""
    serving: str | None = None
    """The rollout that receives the traffic now, when it is another one."""
    outcome: RolloutOutcome | None = None
    reason: str | None = None
    """The platform's own words on the outcome."""
    checks: tuple[str, ...] = ()
    """The checks that led to the verdict, in words (for a healthy verdict: what passed)."""


@record
class DiagnosticResult:
    """The outcome of analysing one deployment."""

    status: DiagnosticStatus
    request: DiagnosticRequest
    root_cause: RootCause | None = None
    secondary_causes: tuple[RootCause, ...] = ()
    symptoms: tuple[RootCause, ...] = ()
    """Wrapper patterns seen (CrashLoopBackOff, circuit breaker...): context, not causes."""
    timeline: tuple[DiagnosticEvent, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    data: DiagnosticData | None = None
    generated_at: datetime = attrs.field(factory=utcnow, validator=aware)
    summary: str = ""
    """One line: the verdict in words."""
    rollout: RolloutVerdict | None = None
    """The attempted rollout, what serves now, and the checks behind the verdict."""


@record
class DiagnosticReport:
    """A result prepared for people: redacted and ready to render."""

    result: DiagnosticResult
    detail: str = "summary"
    """``summary``, ``details`` or ``deep``."""
    redacted: bool = True
    versions: Mapping[str, str] = attrs.field(factory=dict)
    """scdiag and plugin versions that produced it."""
