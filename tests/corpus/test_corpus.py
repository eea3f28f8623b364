"""The accuracy gate: the labelled corpus is diagnosed right (tests/corpus/evaluate.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from evaluate import MIN_ACCURACY, Outcome, evaluate, report  # noqa: E402


@pytest.fixture(scope="module", name="outcomes")
def _outcomes() -> list[Outcome]:
    return evaluate()


def test_the_corpus_is_large_and_covers_every_provider(outcomes: list[Outcome]) -> None:
    """At least 60 scenarios, 6 healthy, all four providers."""
    assert len(outcomes) >= 60
    assert sum(o.expected == "healthy" for o in outcomes) >= 6
    assert {o.provider for o in outcomes} == {"aws", "gcp", "kubernetes", "azure"}


def test_top1_accuracy_meets_the_gate(outcomes: list[Outcome]) -> None:
    """At least 95 % of scenarios get the labelled root cause (or healthy) first."""
    text, _passed = report(outcomes)
    accuracy = sum(o.correct for o in outcomes) / len(outcomes)
    assert accuracy >= MIN_ACCURACY, text


def test_no_healthy_scenario_gets_a_confident_root_cause(outcomes: list[Outcome]) -> None:
    """Healthy rollouts are never reported failed with confidence."""
    assert [o.name for o in outcomes if o.expected == "healthy" and o.confident] == []


def test_confident_causes_are_right_at_least_95_percent(outcomes: list[Outcome]) -> None:
    """Calibration: causes reported at or above the threshold are right >= 95 % of the time."""
    confident = [o for o in outcomes if o.confident]
    assert confident
    assert sum(o.correct for o in confident) / len(confident) >= 0.95


@pytest.mark.parametrize("rendering", ["yaml", "text", "stdin", "single"])
def test_each_rendering_of_the_corpus_meets_the_gate(rendering: str) -> None:
    """As YAML, as describe/console text, concatenated, or as the one file with the cause: >= 95 %, no confident healthy miss."""
    outcomes = evaluate(rendering=rendering)
    text, passed = report(outcomes)
    assert passed, text
