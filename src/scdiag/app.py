"""The composition root: DiagnosticOrchestrator and ProviderManager.

The orchestrator collects logs, metrics, events and status concurrently under
one deadline, turns every source that fails or times out into a data gap,
hands the data to the analysis engine and the result to the report generator.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from scdiag.analysis.logscan import LogMatcher
from scdiag.cache import DiagnosticCache, FileCacheStore, default_cache_directory
from scdiag.captures.pipeline import CaptureOverrides
from scdiag.deadline import Deadline
from scdiag.config import DiagnosticsConfig
from scdiag.errors import AccessDeniedError, CloudError, ConfigError, PluginError, ScdiagError
from scdiag.models import (
    DataGap,
    DiagnosticData,
    DiagnosticReport,
    DiagnosticRequest,
    DiagnosticResult,
    EventData,
    GapKind,
    LogData,
    MetricData,
    ServiceStatus,
)
from scdiag.plugins import PluginHost
from scdiag.ports import Analyzer, Clock, CollectionScope, DiagnosticProvider, PatternAnalyzer, SystemClock
from scdiag.reporting.generator import ReportGenerator

__all__ = ["DiagnosticOrchestrator", "ProviderManager", "SourceOutcome", "run_with_deadline"]

_log = logging.getLogger(__name__)

_SOURCES = ("status", "events", "logs", "metrics")


@attrs.frozen
class SourceOutcome:
    """What one concurrently run task produced: a value, an error, or nothing in time."""

    name: str
    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False


def run_with_deadline(tasks: dict[str, Callable[[], Any]], deadline: Deadline) -> dict[str, SourceOutcome]:
    """Run the tasks on daemon threads and wait for them until the deadline.

    Daemon threads, not an executor: a cloud call that hangs past the deadline
    must not keep the process alive once the diagnosis is done.
    """
    results: queue.Queue[SourceOutcome] = queue.Queue()

    def run(name: str, task: Callable[[], Any]) -> None:
        try:
            results.put(SourceOutcome(name, value=task()))
        except BaseException as error:  # isolation seam: becomes a data gap
            results.put(SourceOutcome(name, error=error))

    for name, task in tasks.items():
        threading.Thread(target=run, args=(name, task), name=f"scdiag-{name}", daemon=True).start()
    outcomes: dict[str, SourceOutcome] = {}
    while len(outcomes) < len(tasks):
        remaining = deadline.remaining()
        if remaining <= 0:
            break
        try:
            # Waits are capped so an infinite deadline still polls (a lock cannot wait forever in one call).
            outcome = results.get(timeout=min(remaining, 60.0))
        except queue.Empty:
            continue
        outcomes[outcome.name] = outcome
        if deadline.expired():
            break
    for name in tasks:
        outcomes.setdefault(name, SourceOutcome(name, timed_out=True))
    return outcomes


def _gap_for(source: str, provider: str, outcome: SourceOutcome) -> DataGap:
    if outcome.timed_out:
        return DataGap(source, GapKind.TIMED_OUT, f"{source}: no answer before the collection deadline", provider)
    error = outcome.error
    if isinstance(error, AccessDeniedError):
        needed = f" (needs {error.permission})" if error.permission else ""
        return DataGap(source, GapKind.ACCESS_DENIED, f"{error}{needed}", provider)
    if isinstance(error, CloudError):
        return DataGap(source, GapKind.FAILED, str(error), provider)
    return DataGap(source, GapKind.FAILED, f"{type(error).__name__}: {error}", provider)


@attrs.define
class ProviderManager:
    """Builds providers from plugin registrations and collects from them."""

    host: PluginHost
    config: DiagnosticsConfig
    _providers: dict[str, DiagnosticProvider] = attrs.field(factory=dict, init=False)

    def get(self, name: str) -> DiagnosticProvider:
        """The provider registered as ``name``, built once.

        Raises:
            PluginError: not installed, disabled, or failed to start.
        """
        if not self.config.providers.enabled(name):
            raise PluginError(f"provider {name} is disabled in the configuration (providers.{name}.enabled)")
        if name not in self._providers:
            provider = self.host.create_provider(name, self.config)
            if not isinstance(provider, DiagnosticProvider):
                raise PluginError(f"provider {name} does not implement the DiagnosticProvider port")
            self._providers[name] = provider
        return self._providers[name]

    def collect_all(self, provider: DiagnosticProvider, scope: CollectionScope) -> DiagnosticData:
        """Collect every source concurrently; failures and timeouts become gaps."""
        request = scope.request
        tasks: dict[str, Callable[[], Any]] = {
            "status": lambda: provider.get_service_status(scope),
            "events": lambda: provider.collect_events(scope),
            "logs": lambda: provider.collect_logs(scope),
            "metrics": lambda: provider.collect_metrics(scope),
        }
        outcomes = run_with_deadline(tasks, scope.deadline)
        gaps: list[DataGap] = []
        for source in _SOURCES:
            outcome = outcomes[source]
            if outcome.timed_out or outcome.error is not None:
                gaps.append(_gap_for(source, request.provider, outcome))
        status = outcomes["status"].value
        return DiagnosticData(
            provider=request.provider,
            service_name=request.service_name,
            deployment_id=request.deployment_id,
            logs=tuple(_as_tuple(outcomes["logs"].value, LogData)),
            metrics=tuple(_as_tuple(outcomes["metrics"].value, MetricData)),
            events=tuple(_as_tuple(outcomes["events"].value, EventData)),
            status=status if isinstance(status, ServiceStatus) else None,
            gaps=tuple(gaps) + scope.gaps.gaps(),
            window_start=scope.window_start,
            window_end=scope.window_end,
        )


def _lazy_renderer(target: str | Callable[..., Any]) -> Callable[[DiagnosticReport], str]:
    """A renderer imported on first use, so unused formats cost nothing."""

    def render(report: DiagnosticReport) -> str:
        from scdiag.plugins import resolve

        function = resolve(target)
        return str(function(report))

    return render


def _as_tuple(value: Any, kind: type) -> Sequence[Any]:
    if not value:
        return ()
    return [item for item in value if isinstance(item, kind)]


def nothing_collected(data: DiagnosticData) -> bool:
    """True when no source delivered anything at all (empty lists count as nothing)."""
    return (
        data.status is None
        and not any(log.entries for log in data.logs)
        and not any(group.events for group in data.events)
        and not any(metrics.points for metrics in data.metrics)
    )


@attrs.define
class DiagnosticOrchestrator:
    """Runs a diagnosis end to end: collect, analyse, report.

    Args:
        config: the diagnostics configuration.
        host: the plugin host; a default one loads the installed plugins.
        analyzer: the analysis engine; by default the knowledge-base engine.
        clock: the time, for the collection window.
    """

    config: DiagnosticsConfig = attrs.field(factory=DiagnosticsConfig)
    host: PluginHost = attrs.field(factory=PluginHost)
    analyzer: Analyzer | None = None
    clock: Clock = attrs.field(factory=SystemClock)
    cache: DiagnosticCache | None = attrs.field(default=None)
    """Where collected data is kept for ``cache.ttl``; built from the config when enabled."""
    providers: ProviderManager = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.providers = ProviderManager(self.host, self.config)
        if self.cache is None and self.config.cache.enabled:
            settings = self.config.cache
            self.cache = DiagnosticCache(FileCacheStore(default_cache_directory(), max_size=int(settings.max_size)), ttl=settings.ttl)

    def scope_for(self, request: DiagnosticRequest) -> CollectionScope:
        """The window, deadline and limits for collecting ``request``."""
        collection = self.config.collection
        end: datetime = request.end_time or self.clock.now()
        start: datetime = request.start_time or end - collection.event_lookback
        timeout: timedelta = request.timeout or collection.timeout
        return CollectionScope(
            request=request,
            window_start=start,
            window_end=end,
            deadline=Deadline(self.clock.monotonic() + timeout.total_seconds()),
            log_lines_limit=collection.log_lines_limit,
            metric_resolution=collection.metric_resolution,
            event_lookback=collection.event_lookback,
        )

    def collect(self, request: DiagnosticRequest, *, use_cache: bool = True) -> DiagnosticData:
        """Collect everything about the request's service (the seed's CollectDiagnostics).

        An identical request (same service, place and window, to the minute)
        collected within ``cache.ttl`` is served from the cache, redacted.

        Raises:
            PluginError: the provider is not installed or failed to start.
        """
        if not self.config.enabled:
            raise ConfigError("live diagnosis is turned off (diagnostics.enabled: false); offline analysis still works")
        if use_cache and self.cache is not None:
            cached = self.cache.get(request)
            if cached is not None:
                return cached
        data = self._collect(request)
        if self.cache is not None and not nothing_collected(data):
            try:
                self.cache.set(request, data)
            except OSError as error:  # an unwritable cache costs the cache, not the diagnosis
                _log.warning("cannot write the cache: %s", error)
        return data

    def _collect(self, request: DiagnosticRequest) -> DiagnosticData:
        provider = self.providers.get(request.provider)
        scope = self.scope_for(request)
        try:
            provider.validate_credentials(request)
        except ScdiagError as error:
            gap = DataGap("credentials", GapKind.ACCESS_DENIED if isinstance(error, AccessDeniedError) else GapKind.FAILED, str(error), request.provider)
            return DiagnosticData(
                provider=request.provider,
                service_name=request.service_name,
                deployment_id=request.deployment_id,
                gaps=(gap,),
                window_start=scope.window_start,
                window_end=scope.window_end,
            )
        return self.providers.collect_all(provider, scope)

    def analyze(self, data: DiagnosticData, request: DiagnosticRequest) -> DiagnosticResult:
        """Analyse collected data (the seed's AnalyzeFailure)."""
        return self.engine().analyze(data, request)

    def diagnose(self, request: DiagnosticRequest, *, use_cache: bool = True) -> DiagnosticResult:
        """Collect and analyse one deployment."""
        return self.analyze(self.collect(request, use_cache=use_cache), request)

    def analyze_captures(self, paths: Sequence[str], overrides: CaptureOverrides | None = None) -> DiagnosticResult:
        """Analyse captured CLI output (files, directories, ``-`` for stdin)."""
        from scdiag.captures.collector import CaptureCollector
        from scdiag.captures.pipeline import read_captures

        analyzer = self.engine()
        # Another analyzer than a pattern engine names no expressions: the capture keeps each stream's last lines.
        collector = CaptureCollector(analyzer.log_matcher if isinstance(analyzer, PatternAnalyzer) else LogMatcher([]))
        data, request = read_captures(paths, self.host.capture_readers(), collector, overrides or CaptureOverrides())
        return self.analyze(data, request)

    def report_generator(self, *, redact: bool = True) -> ReportGenerator:
        """A report generator with every registered format and redaction rule."""
        from scdiag.redaction import RedactionRule, Redactor

        renderers = {name: _lazy_renderer(reg.renderer) for name, reg in self.host.report_formats().items()}
        redactor: Redactor | None = None
        if redact and self.config.redaction.enabled:
            redactor = Redactor()
            redactor.add_patterns(self.config.redaction.patterns)
            for name, regex in self.host.redaction_rules():
                redactor.add(RedactionRule(name, re.compile(regex)))
        versions = {p.distribution or p.name: p.version or "" for p in self.host.loaded if p.distribution}
        return ReportGenerator(renderers, redactor=redactor, versions=versions)

    def engine(self) -> Analyzer:
        """The analysis engine, built on first use from the plugins' patterns."""
        if self.analyzer is None:
            from scdiag.analysis.engine import AnalysisEngine

            self.analyzer = AnalysisEngine.from_plugins(self.host, self.config)
        return self.analyzer
