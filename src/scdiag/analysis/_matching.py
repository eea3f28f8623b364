"""Matching one indicator against signals, and what a match yields.

The pieces of the engine that look at single signals: whether an indicator
matches one, a metric's run past a threshold, the evidence a match shows,
and the honest "unknown" when nothing matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from scdiag._records import record
from scdiag.analysis.patterns import FailurePattern, Indicator, IndicatorKind, compile_regex
from scdiag.analysis.signals import Signal, SignalKind, SignalSet
from scdiag.models import Evidence, MetricPoint, RootCause, Severity, SourceLocation

__all__ = [
    "ERROR_WORDS",
    "EVIDENCE_SOURCE",
    "SIGNAL_FOR_INDICATOR",
    "IndicatorMatch",
    "PatternMatch",
    "metric_crossing",
    "signal_matches",
    "unknown_cause",
]

_MAX_EVIDENCE = 8


@record
class IndicatorMatch:
    """An indicator that matched, with the signal that matched it best."""

    indicator: Indicator
    weight: float
    """The indicator's weight after the position and recovery factors."""
    excerpt: str
    source: str
    timestamp: datetime | None = None
    location: SourceLocation | None = None
    occurrences: int = 1
    context: tuple[str, ...] = ()


@record
class PatternMatch:
    """A pattern with the indicators that matched and its score."""

    pattern: FailurePattern
    matches: tuple[IndicatorMatch, ...]
    score: float

    def evidence(self) -> tuple[Evidence, ...]:
        """The matches as evidence, strongest first, secrets masked."""
        ordered = []
        seen: set[tuple[str, str]] = set()
        for match in sorted(self.matches, key=lambda m: -m.weight):
            # Two indicators may match the same line: show it once.
            key = (match.excerpt, str(match.location))
            if key not in seen:
                seen.add(key)
                ordered.append(match)
        ordered = ordered[:_MAX_EVIDENCE]
        return tuple(
            Evidence(
                source=m.source,
                excerpt=m.excerpt if m.occurrences == 1 else f"{m.excerpt} (seen {m.occurrences} times)",
                timestamp=m.timestamp,
                location=m.location,
                indicator=m.indicator.id,
                weight=round(m.weight, 3),
                context=tuple(m.context),
            )
            for m in ordered
        )


SIGNAL_FOR_INDICATOR = {
    IndicatorKind.LOG: SignalKind.LOG,
    IndicatorKind.EVENT: SignalKind.EVENT,
    IndicatorKind.STATUS: SignalKind.STATUS,
    IndicatorKind.CONTAINER: SignalKind.CONTAINER,
    IndicatorKind.EXIT_CODE: SignalKind.EXIT_CODE,
    IndicatorKind.TARGET_HEALTH: SignalKind.TARGET,
}
EVIDENCE_SOURCE = {
    SignalKind.LOG: "log",
    SignalKind.EVENT: "event",
    SignalKind.STATUS: "status",
    SignalKind.CONTAINER: "status",
    SignalKind.EXIT_CODE: "status",
    SignalKind.TARGET: "load-balancer",
}


def _text_matches(indicator: Indicator, signal: Signal) -> bool:
    if indicator.source is not None and signal.source != indicator.source:
        return False
    if indicator.kind is IndicatorKind.TARGET_HEALTH and indicator.state is not None and signal.state != indicator.state:
        return False
    if indicator.reason is not None and not indicator.reason.search(signal.reason or ""):
        return False
    if indicator.pattern is not None and not indicator.pattern.search(signal.text):
        return False
    return True


def signal_matches(indicator: Indicator, signal: Signal) -> bool:
    """Whether one signal satisfies the indicator, in the field the indicator looks at."""
    if indicator.kind is IndicatorKind.EXIT_CODE:
        return signal.exit_code in indicator.codes
    return _text_matches(indicator, signal)


def metric_crossing(indicator: Indicator, points: Sequence[MetricPoint]) -> MetricPoint | None:
    """The first point of a run beyond the threshold lasting ``duration``, if any."""
    name = (indicator.metric or "").lower()
    series = sorted((p for p in points if p.name.lower() == name), key=lambda p: p.timestamp)
    run_start: MetricPoint | None = None
    for point in series:
        beyond = (indicator.above is not None and point.value > indicator.above) or (
            indicator.below is not None and point.value < indicator.below
        )
        if not beyond:
            run_start = None
            continue
        run_start = run_start or point
        if (point.timestamp - run_start.timestamp).total_seconds() >= indicator.duration_seconds:
            return run_start
    return None


ERROR_WORDS = compile_regex(r"(?i)\b(error|exception|fatal|panic|traceback|failed|refused|denied|killed)\b")
"""Words that make a log line worth showing when no pattern matched (the unknown-cause scan)."""
_NOT_ERRORS = compile_regex(r"(?i)\b(0 errors?|no errors?|error_count=0|errors?: 0)\b")


def unknown_cause(signals: SignalSet) -> RootCause | None:
    """No pattern matched: say so, with the most relevant error lines as evidence."""
    lines = [
        s
        for s in signals.of(SignalKind.LOG)
        if s.current and ERROR_WORDS.search(s.text) and not _NOT_ERRORS.search(s.text)
    ]
    if not lines:
        return None
    # The last error lines of each stream are the most likely to matter.
    lines.sort(key=lambda s: (s.tail, s.index), reverse=True)
    evidence = tuple(
        Evidence(source="log", excerpt=s.text, timestamp=s.timestamp, location=s.location, indicator="error-line")
        for s in lines[:5]
    )
    return RootCause(
        pattern_id="unknown",
        name="Unknown cause",
        category="application",
        severity=Severity.HIGH,
        confidence=0.0,
        description="No known failure pattern matched. These are the most relevant error lines.",
        evidence=evidence,
    )
