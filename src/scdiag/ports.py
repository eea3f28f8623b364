"""The ports: what the outside world provides to the core, as typing.Protocol.

Adapters implement these; the core only ever sees the protocols and the
models of :mod:`scdiag.models`. No SDK object crosses a port.

- :class:`DiagnosticProvider`: live collection from one cloud.
- :class:`CaptureReader`: reads one native capture format (CLI output) offline.
- :class:`CacheStore`: where collected data may be cached.
- :class:`Clock`: the time, so tests can fix it.
- :class:`Analyzer`: turns collected data into a result (the analysis engine).
- :class:`Classifier`: the optional statistical fallback of the analysis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol, TextIO, runtime_checkable

import attrs

from scdiag._records import mutable_record, record
from scdiag.deadline import Deadline
from scdiag.models import (
    DataGap,
    DiagnosticData,
    DiagnosticEvent,
    DiagnosticRequest,
    DiagnosticResult,
    EventData,
    GapKind,
    LogData,
    LogEntry,
    MetricData,
    MetricPoint,
    ServiceStatus,
    utcnow,
)

if TYPE_CHECKING:
    from scdiag.analysis.logscan import LogMatcher
    from scdiag.analysis.patterns import FailurePattern
    from scdiag.config import DiagnosticsConfig

__all__ = [
    "CacheIdentity",
    "Analyzer",
    "CacheStore",
    "CaptureReader",
    "CaptureSink",
    "CaptureSource",
    "Classifier",
    "Clock",
    "CollectionScope",
    "PatternAnalyzer",
    "DiagnosticProvider",
    "GapRecorder",
    "ProviderFactory",
    "SystemClock",
]


@mutable_record
class GapRecorder:
    """Collects data gaps from collectors running on several threads."""

    _gaps: list[DataGap] = attrs.field(factory=list)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def record(self, source: str, kind: GapKind, reason: str, provider: str = "") -> None:
        """Note that ``source`` is missing, and why."""
        with self._lock:
            self._gaps.append(DataGap(source=source, kind=kind, reason=reason, provider=provider))

    def gaps(self) -> tuple[DataGap, ...]:
        """Every gap recorded so far."""
        with self._lock:
            return tuple(self._gaps)


@record
class CollectionScope:
    """What a provider's collectors are asked for, and within which limits."""

    request: DiagnosticRequest
    window_start: datetime
    window_end: datetime
    deadline: Deadline
    log_lines_limit: int = 1000
    metric_resolution: timedelta = timedelta(minutes=1)
    event_lookback: timedelta = timedelta(hours=1)
    gaps: GapRecorder = attrs.field(factory=GapRecorder, eq=False)
    """Where a collector records a part it could not get (one log group, one API)."""


@runtime_checkable
class DiagnosticProvider(Protocol):
    """Live collection from one cloud (the seed's DiagnosticProvider).

    Each collector may raise a :class:`scdiag.errors.CloudError` when its whole
    source fails (the orchestrator turns it into a data gap), and records
    partial gaps in ``scope.gaps``. Every SDK call goes through
    :func:`scdiag.cloudcall.cloud_call`.
    """

    name: ClassVar[str]
    """Provider name used in requests: ``aws``, ``kubernetes``..."""

    def validate_credentials(self, request: DiagnosticRequest) -> None:
        """Make one cheap authorised call.

        Raises:
            scdiag.errors.CloudError: with one readable line (no credentials,
                expired token, unknown context, wrong region...).
        """

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """Log lines of the failing containers, newest first per stream."""

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """CPU and memory metrics of the service over the window."""

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """Platform events about the service, its rollouts and instances."""

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """The service's rollouts, instances, containers and targets."""


@runtime_checkable
class CacheIdentity(Protocol):
    """What a provider may add to identify a request for the cache (optional).

    The request names the service and its options; which account, cluster or
    subscription the credentials reach is often said elsewhere (an
    environment variable, the kubeconfig's current context). A provider that
    implements this returns those coordinates, and two requests that differ
    in them never share a cache entry. The values are hashed into the key,
    never written in it.
    """

    def cache_identity(self, request: DiagnosticRequest) -> Mapping[str, str]:
        """The credentials' source and defaults this request would be collected with."""


ProviderFactory = Callable[["DiagnosticsConfig"], DiagnosticProvider]
"""What a provider registration resolves to: called with the configuration."""


@record
class CaptureSource:
    """One input of an offline analysis, as a capture reader sees it.

    ``head`` is the first few kilobytes, already decoded, for sniffing;
    ``open`` streams the whole text (decoded, newlines normalised) so a 1 GB
    file is never held in memory.
    """

    name: str
    """The path as the user gave it (or ``<stdin>``)."""
    head: str
    open: Callable[[], TextIO] = attrs.field(eq=False)
    document_limit: int = 64 * 1024**2
    """Characters a reader that parses the whole input as one document may read (``captures.max_document_size``)."""


class CaptureSink(Protocol):
    """Where a capture reader puts what it read.

    The sink decides which log lines to keep (it may keep only the lines that
    matter to the analysis and count the rest), so readers simply hand over
    every line.
    """

    def add_log(self, entry: LogEntry, source: str) -> None:
        """One log line, from the log source named ``source``."""

    def add_log_lazy(self, message: str, source: str, stream: str, build: Callable[[], LogEntry]) -> None:
        """One log line given by its text; ``build`` makes the entry only if the line is kept."""

    def add_logs_lazy(self, lines: Sequence[tuple[str, str, str, Callable[[], LogEntry]]]) -> None:
        """Several log lines, each ``(message, source, stream, build)``: as :meth:`add_log_lazy` for each, in order.

        A batch lets the sink ask its expressions once for all the messages
        when none of them matters, which is most of a large capture.
        """

    def add_event(self, event: DiagnosticEvent) -> None:
        """One platform event."""

    def add_event_lazy(self, message: str, reason: str, source: str, build: Callable[[], DiagnosticEvent | None]) -> None:
        """One platform event given by its message and reason; ``build`` makes it only if it is kept.

        ``source`` is the event's ``source``. ``build`` may return ``None`` for
        an event that turned out unreadable (it reports why itself).
        """

    def add_events_lazy(self, events: Sequence[tuple[str, str, str, Callable[[], DiagnosticEvent | None]]]) -> None:
        """Several events, each ``(message, reason, source, build)``: as :meth:`add_event_lazy` for each, in order."""

    def add_log_block(self, block: str, *, source: str, stream: str, first_line: int, parse: Callable[[str, int], LogEntry], lines: int | None = None) -> None:
        """A block of raw log lines (no trailing newline needed); only the lines that matter are parsed.

        ``parse`` builds an entry from one raw line and its 1-based line number.
        ``lines`` is the number of lines in ``block``, when the caller has
        counted them already (the sink counts them otherwise).
        """

    def add_event_rows(self, block: str, *, first_line: int, parse: Callable[[str, int], DiagnosticEvent | None]) -> None:
        """A block of table rows, one event per line (no trailing newline needed).

        ``parse`` turns one row and its 1-based line number into an event, or
        ``None`` for a line that is no row. The sink parses only the rows
        that can matter and the last ones, so a table of a million events is
        read at about the speed of the text.
        """

    def add_metric(self, point: MetricPoint, source: str) -> None:
        """One metric sample."""

    def add_status(self, status: ServiceStatus) -> None:
        """A (partial) service status; fragments from several files are merged."""

    def skip_plain_instance(self) -> bool:
        """Whether one more plainly healthy instance may be left unbuilt; it is counted either way.

        Plainly healthy: running, ready, never restarted, saying nothing.
        Past a budget such instances tell the analysis no more, so a reader
        that sees one at a glance (a ``Running 1/1 0`` row) asks before
        building it, and builds and adds it only when the answer is ``False``.
        """

    def hint(self, *, provider: str | None = None, service: str | None = None, deployment_id: str | None = None, votes: int = 1) -> None:
        """What the content says about the provider, service or deployment (``votes``: as many times at once)."""

    def problem(self, message: str, line: int | None = None) -> None:
        """Something in the input could not be read; reading goes on."""

    def skipped_line(self, line: int, reason: str) -> None:
        """A malformed line that was skipped (counted, first few reported)."""


@runtime_checkable
class CaptureReader(Protocol):
    """Reads one native capture format: what a cloud CLI printed.

    Readers are chosen by content, never by file name: each one rates how
    sure it is that it can read the input from its head.
    """

    name: ClassVar[str]
    """Shown to the user: ``kubectl-pods-json``, ``aws-ecs-describe-tasks``..."""
    provider: ClassVar[str | None]
    """The provider the format belongs to, or ``None`` for generic text."""

    def sniff(self, source: CaptureSource) -> float:
        """How sure the reader is that it reads this input, from 0 (no) to 1."""

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Read the whole input into the sink; return how many records were read.

        Raises:
            scdiag.errors.CaptureError: the input cannot be read at all.
        """


class CacheStore(Protocol):
    """A byte store with expiry (the seed's DiagnosticCache backend)."""

    def get(self, key: str) -> bytes | None:
        """The value, or ``None`` when absent or expired."""

    def set(self, key: str, value: bytes, ttl: timedelta) -> None:
        """Store a value for ``ttl``."""

    def invalidate(self, prefix: str) -> None:
        """Drop every key starting with ``prefix``."""


class Clock(Protocol):
    """The time."""

    def now(self) -> datetime:
        """Now, timezone-aware."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Now, in UTC."""
        return utcnow()

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()


class Analyzer(Protocol):
    """The analysis engine: collected data in, verdict out."""

    def analyze(self, data: DiagnosticData, request: DiagnosticRequest) -> DiagnosticResult:
        """Name the root cause (or health) of the deployment."""


@runtime_checkable
class PatternAnalyzer(Analyzer, Protocol):
    """An analyzer driven by a knowledge base of patterns (the engine scdiag ships).

    Offline analysis asks it which log lines can matter (``log_matcher``), so
    a capture keeps them; ``scdiag patterns`` lists ``patterns`` and the
    ``problems`` found loading them.
    """

    @property
    def log_matcher(self) -> LogMatcher:
        """Every expression a line can matter by, compiled as one set."""

    @property
    def patterns(self) -> Sequence[FailurePattern]:
        """The knowledge base in use."""

    @property
    def problems(self) -> Sequence[str]:
        """Patterns that could not be loaded, in words."""


class Classifier(Protocol):
    """A statistical fallback, consulted when no pattern passes the threshold."""

    def classify(self, data: DiagnosticData) -> Sequence[tuple[str, float]]:
        """Candidate pattern ids with scores in [0, 1], best first."""

