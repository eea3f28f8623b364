"""The platform indicators of a knowledge base, matched with one RE2 set per signal kind and field.

An event, status, container or target indicator matches a signal when its
message expression finds the signal's text, its reason expression finds the
signal's reason, and its source and state agree (:func:`signal_matches`). Run
one indicator at a time, that is one expression call per indicator per
signal; here each signal costs one set pass over its text and one over its
reason, whatever the number of indicators, and the answer is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import attrs

from scdiag import regex
from scdiag._records import record
from scdiag.analysis._matching import SIGNAL_FOR_INDICATOR
from scdiag.analysis.patterns import FailurePattern, Indicator, IndicatorKind
from scdiag.analysis.signals import Signal, SignalKind

__all__ = ["PlatformIndex"]

_TEXT_KINDS = frozenset({IndicatorKind.EVENT, IndicatorKind.STATUS, IndicatorKind.CONTAINER, IndicatorKind.TARGET_HEALTH})


@record
class _KindIndex:
    indicators: tuple[Indicator, ...]
    texts: Callable[[str], list[int]]
    """Positions, among the indicators with a message expression, of those that find a text."""
    text_positions: tuple[int, ...]
    reasons: Callable[[str], list[int]]
    reason_positions: tuple[int, ...]
    unconditional: tuple[int, ...]
    """Indicators with neither expression: only their source and state decide."""

    def matches(self, signal: Signal) -> Iterable[Indicator]:
        text_hits = {self.text_positions[hit] for hit in self.texts(signal.text)} if self.text_positions else set()
        reason_hits = {self.reason_positions[hit] for hit in self.reasons(signal.reason or "")} if self.reason_positions else set()
        for position in sorted(text_hits | reason_hits | set(self.unconditional)):
            indicator = self.indicators[position]
            if indicator.pattern is not None and position not in text_hits:
                continue
            if indicator.reason is not None and position not in reason_hits:
                continue
            if indicator.source is not None and signal.source != indicator.source:
                continue
            if indicator.kind is IndicatorKind.TARGET_HEALTH and indicator.state is not None and signal.state != indicator.state:
                continue
            yield indicator


def _index(indicators: Sequence[Indicator]) -> _KindIndex:
    texts = [(position, indicator.pattern.source) for position, indicator in enumerate(indicators) if indicator.pattern is not None]
    reasons = [(position, indicator.reason.source) for position, indicator in enumerate(indicators) if indicator.reason is not None]
    return _KindIndex(
        indicators=tuple(indicators),
        texts=regex.compile_set([source for _position, source in texts]),
        text_positions=tuple(position for position, _source in texts),
        reasons=regex.compile_set([source for _position, source in reasons]),
        reason_positions=tuple(position for position, _source in reasons),
        unconditional=tuple(position for position, indicator in enumerate(indicators) if indicator.pattern is None and indicator.reason is None),
    )


@record
class PlatformIndex:
    """Every text-matched platform indicator of the patterns, grouped by the kind of signal it reads.

    A kind's sets are compiled when a signal of that kind is first asked
    about: a plain log has none, and compiling them all took 1.5 ms (measured).
    """

    _grouped: dict[SignalKind, tuple[Indicator, ...]]
    _by_kind: dict[SignalKind, _KindIndex] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    @classmethod
    def for_patterns(cls, patterns: Sequence[FailurePattern]) -> PlatformIndex:
        """Index the event, status, container and target-health indicators of ``patterns``."""
        grouped: dict[SignalKind, list[Indicator]] = {}
        for pattern in patterns:
            for indicator in pattern.indicators:
                if indicator.kind in _TEXT_KINDS:
                    grouped.setdefault(SIGNAL_FOR_INDICATOR[indicator.kind], []).append(indicator)
        return cls({kind: tuple(indicators) for kind, indicators in grouped.items()})

    def _index(self, kind: SignalKind) -> _KindIndex | None:
        index = self._by_kind.get(kind)
        if index is None and kind in self._grouped:
            # Two analyses at once may both compile it: the same index either way, the last one kept.
            index = self._by_kind[kind] = _index(self._grouped[kind])
        return index

    def candidates(self, kind: SignalKind, signals: Iterable[Signal]) -> dict[int, list[Signal]]:
        """``id(indicator)`` -> the signals of ``kind`` it matches, in their order (as ``signal_matches`` answers)."""
        found: dict[int, list[Signal]] = {}
        signals = list(signals)
        if not signals:
            return found
        index = self._index(kind)
        if index is None:
            return found
        for signal in signals:
            for indicator in index.matches(signal):
                found.setdefault(id(indicator), []).append(signal)
        return found
