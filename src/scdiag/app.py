"""The composition root: DiagnosticOrchestrator wires plugins, configuration, collection, cache, analysis and reports.

Each role lives in its own module: collecting from a provider under one
deadline in :mod:`scdiag.collection`, what is served from and kept in the
cache in :mod:`scdiag.cache`, reading captures in
:mod:`scdiag.captures.pipeline`, analysing in :mod:`scdiag.analysis.engine`,
rendering in :mod:`scdiag.reporting.generator`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from scdiag._records import mutable_record
from scdiag.analysis.logscan import LogMatcher
from scdiag.cache import DiagnosticCache, FileCacheStore, default_cache_directory
from scdiag.captures.pipeline import CaptureOverrides
from scdiag.collection import ProviderManager, nothing_collected
from scdiag.config import DiagnosticsConfig
from scdiag.deadline import Abandoned, Deadline, call_within, run_with_deadline
from scdiag.errors import AccessDeniedError, ConfigError, NothingCollected, RenderError, ScdiagError
from scdiag.models import DataGap, DiagnosticData, DiagnosticReport, DiagnosticRequest, DiagnosticResult, GapKind
from scdiag.plugins import PluginHost
from scdiag.ports import Analyzer, CacheIdentity, Clock, CollectionScope, PatternAnalyzer, SystemClock
from scdiag.redaction import Redactor
from scdiag.reporting.generator import ReportGenerator

if TYPE_CHECKING:
    from scdiag.watch import WatchEvent, WatchPolicy

__all__ = ["DiagnosticOrchestrator"]

_log = logging.getLogger(__name__)


_CREDENTIALS_GRACE = 0.25
"""Seconds past the deadline a credential check is waited for before it is abandoned."""

_PLUGIN_RENDER_SECONDS = 60.0
"""A plugin's renderer that takes longer on one report is abandoned: the command fails with a RenderError, it does not hang."""


def _lazy_renderer(name: str, target: str | Callable[..., Any]) -> Callable[[DiagnosticReport], str]:
    """A renderer imported on first use, so unused formats cost nothing; a plugin's runs under a deadline."""

    def render(report: DiagnosticReport) -> str:
        from scdiag.plugins import first_party, resolve

        function = resolve(target)
        if first_party(function):
            return str(function(report))
        try:
            return str(call_within(lambda: function(report), _PLUGIN_RENDER_SECONDS, name=f"render-{name}"))
        except Abandoned as abandoned:
            raise RenderError(f"report format {name}: the renderer {abandoned}") from None

    return render


_FINDINGS = ("root_cause", "secondary_causes", "symptoms", "timeline", "recommendations", "summary", "rollout")
_UNMASKED_KEYS = frozenset({"timestamp", "first_seen", "generated_at", "collected_at"})


def _masked_findings(result: DiagnosticResult, redactor: Redactor) -> DiagnosticResult:
    """The result with every string of its findings masked; ``data`` is left as collected."""
    from scdiag.redaction import map_model_strings

    masked: dict[str, Any] = {name: map_model_strings(getattr(result, name), redactor.redact, skip=_UNMASKED_KEYS) for name in _FINDINGS}
    return attrs.evolve(result, **masked)


@mutable_record
class DiagnosticOrchestrator:
    """Runs a diagnosis end to end: collect, analyse, report.

    Attributes:
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
    _redactor: Redactor | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self.host.allow_provider_replacement(self.config.providers.allow_replacing)
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
        if not use_cache or self.cache is None:
            return self._collect(request)
        identity = self._cache_identity(request)
        if identity is None:
            return self._collect(request)
        self.cache.redactor = self.redactor()
        return self.cache.through(request, self._collect, identity)

    def _cache_identity(self, request: DiagnosticRequest) -> Mapping[str, str] | None:
        """The provider's coordinates for the cache key; ``None`` (no cache) when it cannot say."""
        provider = self.providers.get(request.provider)
        if not isinstance(provider, CacheIdentity):
            return {}
        try:
            identity = call_within(lambda: provider.cache_identity(request), 5.0, name="cache-identity")
            return {str(key): str(value) for key, value in dict(identity).items()}
        except Exception:  # isolation seam: a provider's bug costs the cache, not the diagnosis
            _log.debug("cache identity of %s failed", request.provider, exc_info=True)
            return None

    def _collect(self, request: DiagnosticRequest) -> DiagnosticData:
        from scdiag.redaction import rules_in_force

        # Spans of the cloud calls mask with every rule (config and plugins too), not just the built-in ones.
        with rules_in_force(self.redactor()):
            return self._collect_masked(request)

    def _collect_masked(self, request: DiagnosticRequest) -> DiagnosticData:
        provider = self.providers.get(request.provider)
        scope = self.scope_for(request)
        # The collection starts beside the credential check, so the check costs no round trip of
        # its own; when the check fails, what the collection brings is dropped and the gap says why.
        # Within the request's deadline: a provider whose check never returns must not hang the run.
        # The grace lets a provider that keeps the deadline itself say what it was waiting for.
        outcomes = run_with_deadline(
            {"credentials": lambda: provider.validate_credentials(request), "collection": lambda: self.providers.collect_all(provider, scope)},
            Deadline.after(scope.deadline.remaining() + _CREDENTIALS_GRACE),
            stop=lambda outcome: outcome.name == "credentials" and (outcome.error is not None or outcome.timed_out),
        )
        check, collection = outcomes["credentials"], outcomes["collection"]
        if check.timed_out:
            gap = DataGap("credentials", GapKind.TIMED_OUT, "the credential check did not answer before the collection deadline", request.provider)
        elif check.error is not None:  # isolation seam: a plugin provider's check may raise anything
            error = check.error
            kind = GapKind.ACCESS_DENIED if isinstance(error, AccessDeniedError) else GapKind.FAILED
            gap = DataGap("credentials", kind, str(error) if isinstance(error, ScdiagError) else f"{type(error).__name__}: {error}", request.provider)
        elif collection.error is not None:
            raise collection.error
        elif collection.timed_out:
            gap = DataGap("collection", GapKind.TIMED_OUT, "the collection did not finish before its deadline", request.provider)
        else:
            data: DiagnosticData = collection.value
            return data
        return DiagnosticData(
            provider=request.provider,
            service_name=request.service_name,
            deployment_id=request.deployment_id,
            gaps=(gap,),
            window_start=scope.window_start,
            window_end=scope.window_end,
        )

    def analyze(self, data: DiagnosticData, request: DiagnosticRequest, *, redact: bool = True) -> DiagnosticResult:
        """Analyse collected data (the seed's AnalyzeFailure).

        The findings (causes and their evidence, symptoms, the timeline,
        recommendations, the summary and the rollout's reason) are masked
        with every redaction rule, unless ``redact`` is False or redaction is
        off in the configuration. ``result.data`` is the data as collected:
        every report and the cache mask it when they show or keep it.
        """
        result = self.engine().analyze(data, request)
        if not redact or not self.config.redaction.enabled:
            return result
        return _masked_findings(result, self.redactor())

    def diagnose(self, request: DiagnosticRequest, *, use_cache: bool = True, redact: bool = True) -> DiagnosticResult:
        """Collect and analyse one deployment.

        Raises:
            NothingCollected: every source failed; its ``data.gaps`` say why.
        """
        data = self.collect(request, use_cache=use_cache)
        if nothing_collected(data):
            raise NothingCollected(data, mask=self._mask)
        return self.analyze(data, request, redact=redact)

    def watch(
        self,
        request: DiagnosticRequest,
        policy: WatchPolicy | None = None,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] | None = None,
        redact: bool = True,
    ) -> Iterator[WatchEvent]:
        """Watch the request's rollout until it is healthy, failed, doomed or out of time.

        Every poll collects afresh (no cache). When the watch ends in a
        failure and ``auto_collect_on_failure`` is on, the final report comes
        from one more collection over the whole ``collection.event_lookback``;
        otherwise from the last poll. See :mod:`scdiag.watch`.

        Raises:
            ConfigError: live diagnosis is turned off.
            PluginError: the provider is not installed or failed to start.
        """
        import time

        from scdiag.watch import RolloutWatcher, WatchPolicy

        if not self.config.enabled:
            raise ConfigError("live diagnosis is turned off (diagnostics.enabled: false); offline analysis still works")
        self.providers.get(request.provider)  # an unknown provider fails here, before the first poll
        watcher = RolloutWatcher(
            collect=self._collect,
            analyze=functools.partial(self.analyze, redact=redact),
            policy=policy or WatchPolicy(),
            clock=clock or self.clock,
            sleep=sleep or time.sleep,
            final_collect=self._collect if self.config.auto_collect_on_failure else None,
        )
        return watcher.watch(request)

    def analyze_captures(self, paths: Sequence[str], overrides: CaptureOverrides | None = None, *, redact: bool = True) -> DiagnosticResult:
        """Analyse captured CLI output (files, directories, ``-`` for stdin).

        Raises:
            NothingCollected: no input could be read; each input's problems say why.
        """
        from scdiag.captures.collector import CaptureCollector
        from scdiag.captures.inputs import InputLimits
        from scdiag.captures.pipeline import read_captures

        analyzer = self.engine()
        # Another analyzer than a pattern engine names no expressions: the capture keeps each stream's last lines.
        collector = CaptureCollector(analyzer.log_matcher if isinstance(analyzer, PatternAnalyzer) else LogMatcher([]))
        captures = self.config.captures
        limits = InputLimits(
            max_file_bytes=captures.max_file_size,
            max_decompressed_bytes=captures.max_decompressed_size,
            max_line_bytes=captures.max_line_length,
            max_document_chars=captures.max_document_size,
            plugin_reader_seconds=captures.plugin_reader_timeout.total_seconds(),
        )
        data, request = read_captures(paths, self.host.capture_readers(), collector, overrides or CaptureOverrides(), limits)
        if nothing_collected(data):
            raise NothingCollected(data, offline=True, mask=self._mask)
        return self.analyze(data, request, redact=redact)

    def _mask(self, text: str) -> str:
        return self.redactor().redact(text) if self.config.redaction.enabled else text

    def redactor(self) -> Redactor:
        """Every redaction rule: built-in, ``redaction.patterns`` and the plugins', built once.

        Reports and the cache mask with the same rules.
        """
        from scdiag.redaction import RedactionRule, Redactor, compile_rule

        if self._redactor is None:
            redactor = Redactor()
            redactor.add_patterns(self.config.redaction.patterns)
            for name, regex in self.host.redaction_rules():
                redactor.add(RedactionRule(name, compile_rule(regex)))
            self._redactor = redactor
        return self._redactor

    def report_generator(self, *, redact: bool = True) -> ReportGenerator:
        """A report generator with every registered format and redaction rule."""
        renderers = {name: _lazy_renderer(name, reg.renderer) for name, reg in self.host.report_formats().items()}
        redactor = self.redactor() if redact and self.config.redaction.enabled else None
        versions = {p.distribution or p.name: p.version or "" for p in self.host.loaded if p.distribution}
        return ReportGenerator(renderers, redactor=redactor, versions=versions)

    def engine(self) -> Analyzer:
        """The analysis engine, built on first use from the plugins' patterns."""
        if self.analyzer is None:
            from scdiag.analysis.engine import AnalysisEngine

            self.analyzer = AnalysisEngine.from_plugins(self.host, self.config)
        return self.analyzer
