"""The platform index answers exactly as each indicator tested alone (signal_matches) would."""

from __future__ import annotations

from typing import Any

import pytest

from scdiag.analysis._matching import SIGNAL_FOR_INDICATOR, signal_matches
from scdiag.analysis.patterns import IndicatorKind
from scdiag.analysis.platform_index import PlatformIndex
from scdiag.analysis.signals import Signal, SignalKind

from tests.unit.analysis.test_knowledge_base import HEALTHY, PATTERNS

KINDS = {IndicatorKind.EVENT: "event", IndicatorKind.STATUS: "status", IndicatorKind.CONTAINER: "container", IndicatorKind.TARGET_HEALTH: "target_health"}


def _items(kind: IndicatorKind) -> list[dict[str, Any]]:
    """Every example message of the knowledge base (any kind: a status wording may reach an event) and the healthy ones."""
    items: list[dict[str, Any]] = []
    for pattern in PATTERNS:
        for indicator in pattern.indicators:
            items += [example if isinstance(example, dict) else {"message": example} for example in indicator.examples]
    items += [item if isinstance(item, dict) else {"message": item} for item in HEALTHY[KINDS[kind]]]
    return items


def _signals(kind: IndicatorKind) -> list[Signal]:
    sources = sorted({indicator.source for pattern in PATTERNS for indicator in pattern.indicators if indicator.source} | {""})
    states = sorted({indicator.state for pattern in PATTERNS for indicator in pattern.indicators if indicator.state} | {""})
    return [
        Signal(SIGNAL_FOR_INDICATOR[kind], text=str(item.get("message", "")), reason=item.get("reason") or (message_as_reason and str(item.get("message", ""))) or None, source=source, state=item.get("state", state) or None)
        for item in _items(kind)
        for source in sources
        for state in states
        for message_as_reason in (False, True)
    ]


@pytest.mark.parametrize("kind", list(KINDS), ids=lambda kind: kind.value)
def test_the_index_finds_what_each_indicator_alone_finds(kind: IndicatorKind) -> None:
    signals = _signals(kind)
    found = PlatformIndex.for_patterns(PATTERNS).candidates(SIGNAL_FOR_INDICATOR[kind], signals)
    indicators = [indicator for pattern in PATTERNS for indicator in pattern.indicators if indicator.kind is kind]
    assert indicators
    expected = {id(indicator): [signal for signal in signals if signal_matches(indicator, signal)] for indicator in indicators}
    assert {key: value for key, value in expected.items() if value} == found
    assert any(found.values())


def test_a_kind_no_pattern_reads_has_no_candidates() -> None:
    assert PlatformIndex.for_patterns([]).candidates(SignalKind.EVENT, [Signal(SignalKind.EVENT, text="Back-off restarting failed container")]) == {}


def test_an_indicator_bound_to_a_source_finds_only_that_sources_signals() -> None:
    from scdiag.analysis.loader import patterns_from_data

    (pattern,) = patterns_from_data(
        [{"id": "service-events-only", "name": "Only the service's events", "category": "platform", "severity": "high", "providers": [],
          "indicators": [{"kind": "event", "source": "ecs-service", "pattern": "was unable to place a task", "weight": 0.8,
                          "examples": ["(service web) was unable to place a task because no container instance met all of its requirements."]}]}],
        "test",
    )
    message = "(service web) was unable to place a task because no container instance met all of its requirements."
    signals = [Signal(SignalKind.EVENT, text=message, source=source) for source in ("ecs-service", "kubernetes-event", "")]
    found = PlatformIndex.for_patterns([pattern]).candidates(SignalKind.EVENT, signals)
    assert found == {id(pattern.indicators[0]): [signals[0]]}
