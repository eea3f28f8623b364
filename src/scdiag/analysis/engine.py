"""The analysis engine: from collected data to a root cause with confidence.

Steps:

1. Flatten the data into signals (:mod:`scdiag.analysis.signals`), each in
   its own field and tagged with whether it belongs to the rollout being
   diagnosed and whether it is among the last lines of its stream.
2. Match every indicator of every enabled pattern against the signals of its
   kind (log expressions all at once, through an RE2 set), keeping the best
   signal per indicator. A signal from an older rollout, an error that later
   lines show recovered from, or an early line when only the last lines
   count, weighs less.
3. Score each pattern: ``1 - prod(1 - w)`` over its matched indicators
   (independent evidence accumulates, none alone exceeds its weight).
4. Rank with one comparator (:mod:`scdiag.analysis.ranking`): by each
   pattern's declared role, then score; wrappers (CrashLoopBackOff, circuit
   breaker...) never win, and below a cause the symptoms it produces (an OOM
   kill's failed health checks) are reported as symptoms.
5. Judge health from the status: a rollout the platform reports complete
   with every instance running is healthy, whatever its logs say.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from scdiag._records import mutable_record, record
from scdiag.analysis.calibration import Calibration, builtin_calibration
from scdiag.analysis.ranking import rank
from scdiag.analysis._matching import (
    ERROR_WORDS,
    EVIDENCE_SOURCE,
    SIGNAL_FOR_INDICATOR,
    IndicatorMatch,
    PatternMatch,
    metric_crossing,
    signal_matches,
    unknown_cause,
)
from scdiag.analysis.health import LISTENING, Fact, RolloutHealth, assess_rollout, derive_facts, rollout_verdict
from scdiag.analysis.logscan import LogMatcher
from scdiag.analysis.patterns import FactName, FailurePattern, Indicator, IndicatorKind
from scdiag.analysis.platform_index import PlatformIndex
from scdiag.analysis.signals import Signal, SignalKind, SignalSet, extract_signals
from scdiag.analysis.solutions import evidence_values, render_solutions, solution_values
from scdiag.analysis.timeline import build_timeline
from scdiag.errors import AnalysisError
from scdiag.models import (
    DataGap,
    DiagnosticData,
    DiagnosticRequest,
    DiagnosticResult,
    DiagnosticStatus,
    GapKind,
    MetricPoint,
    Recommendation,
    RolloutOutcome,
    RolloutVerdict,
    RootCause,
    Severity,
)
from scdiag.ports import Classifier

if TYPE_CHECKING:
    from scdiag.config import DiagnosticsConfig
    from scdiag.plugins import PluginHost

__all__ = ["AnalysisEngine", "IndicatorMatch", "PatternMatch"]


def _serving_note(verdict: RolloutVerdict | None) -> str:
    """What serves now, when the attempted rollout failed and another one took (or kept) the traffic."""
    if verdict is not None and verdict.outcome is RolloutOutcome.NOT_STARTED:
        return "; the deploy was refused before any rollout started" + (f", {verdict.serving} still serves" if verdict.serving else "")
    if verdict is None or verdict.serving is None:
        return ""
    if verdict.outcome is RolloutOutcome.ROLLED_BACK:
        return f"; rollout {verdict.attempted} was rolled back, {verdict.serving} serves now"
    return f"; the traffic stays on {verdict.serving}"

_log = logging.getLogger(__name__)

_OLD_ROLLOUT_FACTOR = 0.25
ENGINE_LINE_RULES = (LISTENING, ERROR_WORDS)
"""Expressions the engine's own rules read log lines with; captures keep the lines they match."""
_FREE_TEXT_FACTOR = 0.8
"""A platform message found in free text (a paste) weighs less than in its own field:
the field says what the platform reported; text may only quote or mention it."""
_RECOVERED_FACTOR = 0.2
_MAX_CONFIDENCE = 0.99
_STAGE = {1: "before start", 2: "killed by the platform"}
"""What the tier says about where it failed: the platform never started the
container, the platform stopped a running one, or (tiers 3-5) the
application itself failed after it started."""
_SECONDARY_MIN_SCORE = 0.2
"""Weaker candidates (a recovered error, one stray line) are not worth a reader's time."""


@record
class _Hits:
    """The log lines each indicator's expression matched in one analysis: in log streams, and as free text."""

    logs: dict[int, list[Signal]] = attrs.field(factory=dict)
    in_text: dict[int, list[Signal]] = attrs.field(factory=dict)
    platform: dict[SignalKind, dict[int, list[Signal]]] = attrs.field(factory=dict)
    """Per signal kind, the signals each platform indicator matches in its own field (filled when first asked)."""


@mutable_record
class AnalysisEngine:
    """Matches failure patterns against collected data (the seed's AnalysisEngine).

    Args:
        patterns: the knowledge base (see :func:`AnalysisEngine.from_plugins`).
        threshold: the confidence a root cause needs to be reported as such.
        thresholds: per-severity or per-pattern-id overrides of ``threshold``.
        classifier: consulted only when no pattern reaches its threshold.
    """

    patterns: list[FailurePattern]
    threshold: float = 0.7
    thresholds: Mapping[str, float] = attrs.field(factory=dict)
    classifier: Classifier | None = None
    calibration: Calibration = Calibration()
    """Score to reported confidence; the identity unless given (``from_plugins`` gives the shipped table)."""
    cache_directory: Path | None = None
    """Where compiled knowledge is kept between runs (the log prefilter's databases); ``None``: nowhere."""
    problems: list[str] = attrs.field(factory=list)
    """Patterns that were rejected when the knowledge base was loaded (a pattern that fails
    during an analysis is a data gap of that analysis, not engine state)."""
    _matcher: LogMatcher = attrs.field(init=False)
    _platform: PlatformIndex = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        prefilters = self.cache_directory / "prefilters" if self.cache_directory is not None else None
        self._matcher = LogMatcher.for_patterns(self.patterns, extra=ENGINE_LINE_RULES, prefilter_cache=prefilters)
        self._platform = PlatformIndex.for_patterns(self.patterns)

    @classmethod
    def from_plugins(cls, host: PluginHost, config: DiagnosticsConfig) -> AnalysisEngine:
        """The engine with every pattern the plugins register, filtered by the config.

        A pattern source that fails to load is recorded in :attr:`problems`
        and as a plugin failure; the other patterns still load. Pattern files
        that loaded are kept in the cache directory's ``patterns`` folder
        (unless ``cache.enabled`` is off) and read from there while their
        content and scdiag stay the same; the log prefilter's compiled
        databases are kept in its ``prefilters`` folder.
        """
        from scdiag.analysis.kbcache import PatternCache
        from scdiag.analysis.loader import load_pattern_sources
        from scdiag.cache import default_cache_directory
        from scdiag.plugins import PluginFailure

        # The diagnostic cache's switch also covers the knowledge base's: off, nothing is written.
        directory = default_cache_directory() if config.cache.enabled else None
        cache = PatternCache(directory / "patterns") if directory is not None else None
        patterns, problems = load_pattern_sources(host.pattern_sources(), cache)
        for plugin, problem in problems:
            host.failures.append(PluginFailure(plugin, problem, "scdiag_register_patterns"))
        registry = config.analysis.patterns
        selected = [
            p
            for p in patterns
            if any(fnmatch.fnmatchcase(p.id, glob) for glob in registry.enabled)
            and not any(fnmatch.fnmatchcase(p.id, glob) for glob in registry.disabled)
        ]
        classifier: Classifier | None = None
        if config.analysis.ml_classification:
            from scdiag.analysis.classifier import NaiveBayesClassifier

            classifier = NaiveBayesClassifier.from_patterns(selected)
        if not config.analysis.pattern_matching:
            selected = []
        return cls(
            selected,
            threshold=config.analysis.confidence_threshold,
            thresholds=dict(registry.thresholds),
            classifier=classifier,
            calibration=builtin_calibration() if config.analysis.calibrate else Calibration(),
            cache_directory=directory,
            problems=[problem for _plugin, problem in problems],
        )

    @property
    def log_matcher(self) -> LogMatcher:
        """The compiled set of every log expression (for streaming readers)."""
        return self._matcher

    def threshold_for(self, pattern: FailurePattern) -> float:
        """The confidence ``pattern`` needs: by id, then severity, then the default."""
        return self.thresholds.get(pattern.id, self.thresholds.get(pattern.severity.value, self.threshold))

    # -- matching -------------------------------------------------------------

    def _factor(self, pattern: FailurePattern, indicator: Indicator, signal: Signal, signals: SignalSet) -> float:
        factor = 1.0
        if not signal.current:
            factor *= _OLD_ROLLOUT_FACTOR
        if signal.kind is SignalKind.LOG:
            if indicator.tail_only and not signal.tail:
                return 0.0
            if pattern.recovered_by and any(
                regex.search(later.text) for later in signals.later_lines(signal) for regex in pattern.recovered_by
            ):
                factor *= _RECOVERED_FACTOR
        return factor

    def _best(
        self,
        pattern: FailurePattern,
        indicator: Indicator,
        candidates: Sequence[Signal],
        signals: SignalSet,
        in_text: Sequence[Signal] = (),
    ) -> IndicatorMatch | None:
        """The strongest signal for one indicator; ``in_text`` are its words found in free text."""
        best: tuple[float, int, Signal] | None = None
        occurrences = 0
        for signal, free in [*((s, False) for s in candidates), *((s, True) for s in in_text)]:
            factor = self._factor(pattern, indicator, signal, signals) * (_FREE_TEXT_FACTOR if free else 1.0)
            if factor <= 0.0:
                continue
            occurrences += signal.count
            # Among equal weights the later signal wins: it is closer to the failure.
            key = (factor, signal.index)
            if best is None or key >= best[:2]:
                best = (factor, signal.index, signal)
        if best is None:
            return None
        factor, _index, signal = best
        return IndicatorMatch(
            indicator=indicator,
            weight=indicator.weight * factor,
            excerpt=signal.excerpt(),
            source=EVIDENCE_SOURCE[signal.kind],
            timestamp=signal.timestamp,
            location=signal.location,
            occurrences=occurrences,
            context=signals.context(signal) if signal.kind is SignalKind.LOG else (),
        )

    def _log_hits(self, signals: SignalSet) -> dict[int, list[Signal]]:
        hits: dict[int, list[Signal]] = {}
        for signal in signals.of(SignalKind.LOG):
            for index in self._matcher.match_line(signal.text):
                hits.setdefault(index, []).append(signal)
        return hits

    def identify_patterns(self, data: DiagnosticData) -> list[PatternMatch]:
        """Every pattern with at least one matching indicator, best first (the seed's IdentifyPatterns)."""
        signals = extract_signals(data)
        return self._identify(data, signals)[0]

    def _identify(self, data: DiagnosticData, signals: SignalSet) -> tuple[list[PatternMatch], list[DataGap]]:
        log_hits = self._log_hits(signals)
        # Per analysis, never on the engine: one engine serves concurrent analyses.
        hits = _Hits()
        for index, rule in enumerate(self._matcher.rules):
            if rule.indicator is not None and index in log_hits:
                target = hits.in_text if rule.free_text else hits.logs
                target.setdefault(id(rule.indicator), []).extend(log_hits[index])
        listening = ((s.text, s.location) for s in signals.of(SignalKind.LOG) if s.current and ("isten" in s.text or "port" in s.text.lower()))
        facts = derive_facts(data.status, signals.old_instances, listening)
        points = [point for metrics in data.metrics for point in metrics.points]
        results = []
        failed: list[DataGap] = []
        for pattern in self.patterns:
            if not pattern.applies_to(data.provider):
                continue
            try:
                match = self._match_pattern(pattern, data.provider, signals, hits, facts, points)
            except Exception as error:  # isolation seam: one broken pattern must not stop the analysis
                _log.warning("pattern %s failed: %s", pattern.id, error)
                failed.append(DataGap(f"pattern:{pattern.id}", GapKind.FAILED, f"pattern {pattern.id} ({pattern.origin}) failed: {type(error).__name__}: {error}", "analysis"))
                continue
            if match is not None:
                results.append(match)
        results.sort(key=lambda m: (-m.score, m.pattern.tier, m.pattern.id))
        return results, failed

    def _match_pattern(
        self,
        pattern: FailurePattern,
        provider: str,
        signals: SignalSet,
        hits: _Hits,
        facts: dict[FactName, Fact],
        points: list[MetricPoint],
    ) -> PatternMatch | None:
        matches: list[IndicatorMatch] = []
        for indicator in pattern.indicators:
            if not indicator.applies_to(provider):
                continue
            found = self._match_indicator(pattern, indicator, signals, hits, facts, points)
            if found is not None:
                matches.append(found)
        if not matches:
            return None
        if any(i.required for i in pattern.indicators) and not any(m.indicator.required for m in matches):
            return None
        remaining = 1.0
        for match in matches:
            remaining *= 1.0 - min(match.weight, 1.0)
        # Evidence never makes a diagnosis certain: confidence stops short of 1.
        return PatternMatch(pattern, tuple(matches), round(min(1.0 - remaining, _MAX_CONFIDENCE), 4))

    def _match_indicator(
        self,
        pattern: FailurePattern,
        indicator: Indicator,
        signals: SignalSet,
        hits: _Hits,
        facts: dict[FactName, Fact],
        points: list[MetricPoint],
    ) -> IndicatorMatch | None:
        kind = indicator.kind
        if kind is IndicatorKind.LOG:
            return self._best(pattern, indicator, hits.logs.get(id(indicator), []), signals)
        if kind is IndicatorKind.FACT:
            assert indicator.fact is not None
            fact = facts.get(indicator.fact)
            if fact is None:
                return None
            return IndicatorMatch(indicator, indicator.weight, fact.sentence, "config", location=fact.location)
        if kind is IndicatorKind.METRIC:
            point = metric_crossing(indicator, points)
            if point is None:
                return None
            bound = f"> {indicator.above:g}" if indicator.above is not None else f"< {indicator.below:g}"
            excerpt = f"{point.name} {point.value:g}{point.unit and ' ' + point.unit} ({bound}"
            excerpt += f" for {indicator.duration_seconds:g}s)" if indicator.duration_seconds else ")"
            return IndicatorMatch(indicator, indicator.weight, excerpt, "metric", timestamp=point.timestamp)
        signal_kind = SIGNAL_FOR_INDICATOR[kind]
        if kind is IndicatorKind.EXIT_CODE:
            candidates = [s for s in signals.of(signal_kind) if signal_matches(indicator, s)]
        else:
            by_indicator = hits.platform.get(signal_kind)
            if by_indicator is None:
                by_indicator = hits.platform[signal_kind] = self._platform.candidates(signal_kind, signals.of(signal_kind))
            candidates = by_indicator.get(id(indicator), [])
        return self._best(pattern, indicator, candidates, signals, hits.in_text.get(id(indicator), ()))

    # -- verdict --------------------------------------------------------------

    def _rank(self, matches: list[PatternMatch]) -> tuple[list[PatternMatch], list[PatternMatch]]:
        """Split matches into causes (best first) and symptoms: :func:`scdiag.analysis.ranking.rank`."""
        return rank(matches)

    def _root_cause(self, match: PatternMatch, confidence: float | None = None, values: Mapping[str, str] | None = None, provider: str | None = None) -> RootCause:
        pattern = match.pattern
        evidence = match.evidence()
        # What the evidence names (the missing variable) fills the fix, beside what the status says.
        values = {**(values or {}), **evidence_values([item.excerpt for item in evidence])}
        return RootCause(
            pattern_id=pattern.id,
            name=pattern.name,
            category=pattern.category,
            severity=pattern.severity,
            confidence=round(self.calibration(match.score) if confidence is None else confidence, 3),
            description=pattern.description,
            evidence=evidence,
            solutions=render_solutions(pattern.solutions, values),
            prevention=pattern.prevention,
            learn_more=pattern.links_for(provider) if provider else pattern.learn_more,
            attributes={
                "pattern_origin": pattern.origin,
                "pattern_version": pattern.version,
                "tier": str(pattern.tier),
                "stage": _STAGE.get(pattern.tier, "after start"),
                "may_recover": "true" if pattern.may_recover else "false",
            },
        )

    def analyze(self, data: DiagnosticData, request: DiagnosticRequest) -> DiagnosticResult:
        """Name the root cause of the deployment's failure, or call it healthy.

        Raises:
            AnalysisError: the data cannot be analysed at all.
        """
        try:
            signals = extract_signals(data)
            matches, broken = self._identify(data, signals)
        except Exception as error:
            raise AnalysisError(f"analysis failed: {type(error).__name__}: {error}") from error
        if broken:
            data = attrs.evolve(data, gaps=data.gaps + tuple(broken))
        # The service as the data names it; never a file name.
        name = data.service_name or "the service"
        health = assess_rollout(data.status, signals.old_instances)
        verdict = rollout_verdict(data.status, signals.old_instances, health)
        causes, symptoms = self._rank(matches)
        timeline = build_timeline(data, [e for m in causes[:3] + symptoms for e in m.evidence()])
        recommendations = [
            Recommendation(title=f"Data gap: {gap.source}", description=gap.reason, priority=Severity.LOW) for gap in data.gaps
        ]
        result = functools.partial(
            DiagnosticResult, request=request, data=data, timeline=timeline, recommendations=tuple(recommendations), rollout=verdict
        )

        if health is RolloutHealth.HEALTHY:
            passed = "; ".join(verdict.checks[:3]) if verdict is not None and verdict.checks else "the status shows it complete"
            return result(
                status=DiagnosticStatus.HEALTHY,
                summary=f"{name}: the rollout is healthy ({passed}); no failure found",
            )
        serving_note = _serving_note(verdict)
        values = solution_values(data)
        symptom_causes = tuple(self._root_cause(m, values=values, provider=data.provider) for m in symptoms)
        if causes:
            top = causes[0]
            confident = self.calibration(top.score) >= self.threshold_for(top.pattern)
            root = self._root_cause(top, values=values, provider=data.provider)
            status = DiagnosticStatus.FAILED if confident or health is RolloutHealth.FAILED else DiagnosticStatus.UNKNOWN
            hedge = "" if confident else "possible cause (low confidence): "
            return result(
                status=status,
                root_cause=root,
                secondary_causes=tuple(self._root_cause(m, values=values, provider=data.provider) for m in causes[1:5] if m.score >= _SECONDARY_MIN_SCORE),
                symptoms=symptom_causes,
                summary=f"{name}: {hedge}{top.pattern.name} ({root.confidence:.0%} confidence){serving_note}",
            )
        guess = self._classifier_guess(data)
        if guess is not None:
            return result(
                status=DiagnosticStatus.FAILED if health is RolloutHealth.FAILED else DiagnosticStatus.UNKNOWN,
                root_cause=guess,
                symptoms=symptom_causes,
                summary=f"{name}: no known pattern matched; best guess {guess.name} ({guess.confidence:.0%}, a guess){serving_note}",
            )
        failed = health is RolloutHealth.FAILED or bool(symptoms)
        wrapper_note = f" ({symptoms[0].pattern.name})" if symptoms else ""
        return result(
            status=DiagnosticStatus.FAILED if failed else DiagnosticStatus.UNKNOWN,
            root_cause=unknown_cause(signals),
            symptoms=symptom_causes,
            summary=(
                f"{name}: the deployment failed{wrapper_note} but no known cause matched{serving_note}"
                if failed
                else f"{name}: no failure signal found, and the status does not show the rollout healthy"
            ),
        )

    def _classifier_guess(self, data: DiagnosticData) -> RootCause | None:
        if self.classifier is None:
            return None
        by_id = {p.id: p for p in self.patterns}
        for pattern_id, score in self.classifier.classify(data):
            pattern = by_id.get(pattern_id)
            if pattern is not None and not pattern.wrapper:
                match = PatternMatch(pattern, (), score)
                return attrs.evolve(self._root_cause(match, confidence=score, provider=data.provider), guess=True)
        return None
