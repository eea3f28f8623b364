"""The one comparator: role first among qualifying candidates, score within a role, wrappers never causes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scdiag.analysis._matching import PatternMatch
from scdiag.analysis.patterns import FailurePattern, PatternRole
from scdiag.analysis.ranking import QUALIFYING_SCORE, rank
from scdiag.models import Severity


def _match(index: int, role: PatternRole, score: float) -> PatternMatch:
    pattern = FailurePattern(
        id=f"p{index:02d}-{role.value}", name="n", category="application", severity=Severity.HIGH, providers=(), indicators=(),
        wrapper=role is PatternRole.WRAPPER, role=role,
    )
    return PatternMatch(pattern=pattern, matches=(), score=score)


CANDIDATES = st.lists(st.tuples(st.sampled_from(list(PatternRole)), st.floats(min_value=0.01, max_value=0.99)), min_size=1, max_size=12).map(
    lambda items: [_match(index, role, score) for index, (role, score) in enumerate(items)]
)


@settings(max_examples=300, deadline=None)
@given(CANDIDATES)
def test_within_one_role_the_order_is_the_scores(matches: list[PatternMatch]) -> None:
    """Monotonic: of two causes with the same role, the higher score ranks first."""
    causes, symptoms = rank(matches)
    for listed in (causes, symptoms):
        for role in PatternRole:
            scores = [m.score for m in listed if m.pattern.role is role]
            assert scores == sorted(scores, reverse=True)


@settings(max_examples=300, deadline=None)
@given(CANDIDATES)
def test_qualifying_causes_come_first_in_role_order(matches: list[PatternMatch]) -> None:
    """A qualifying candidate is never below a weak one; among qualifying ones, the lower role rank wins."""
    causes, _symptoms = rank(matches)
    qualifying = [m.score >= QUALIFYING_SCORE for m in causes]
    assert qualifying == sorted(qualifying, reverse=True)
    ranks = [m.pattern.role.rank for m in causes if m.score >= QUALIFYING_SCORE]
    assert ranks == sorted(ranks)


@settings(max_examples=300, deadline=None)
@given(CANDIDATES)
def test_a_wrapper_is_never_a_cause_and_nothing_is_lost(matches: list[PatternMatch]) -> None:
    """Every candidate is either a cause or a symptom, once; wrappers are always symptoms."""
    causes, symptoms = rank(matches)
    assert not [m for m in causes if m.pattern.role is PatternRole.WRAPPER]
    assert sorted(m.pattern.id for m in causes + symptoms) == sorted(m.pattern.id for m in matches)


@settings(max_examples=300, deadline=None)
@given(CANDIDATES)
def test_below_a_qualifying_cause_its_symptoms_are_symptoms(matches: list[PatternMatch]) -> None:
    """A crash, port, probe, health-check or consequence ranked under a qualifying cause is reported as a symptom."""
    causes, symptoms = rank(matches)
    if causes and causes[0].score >= QUALIFYING_SCORE:
        top = causes[0].pattern.role.rank
        assert not [m for m in causes[1:] if m.pattern.role.symptom and m.pattern.role.rank > top]


def test_a_missing_variable_outranks_a_stronger_readiness_failure() -> None:
    """The cause beats the symptom it produces, whatever their scores, once the cause qualifies."""
    causes, symptoms = rank([_match(0, PatternRole.PROBE_SYMPTOM, 0.95), _match(1, PatternRole.APP_CAUSE, 0.6)])
    assert [m.pattern.role for m in causes] == [PatternRole.APP_CAUSE]
    assert [m.pattern.role for m in symptoms] == [PatternRole.PROBE_SYMPTOM]


def test_a_faint_platform_cause_does_not_outrank_a_strong_crash() -> None:
    """Below the qualifying score, the score decides: one stray line is no root cause."""
    causes, _symptoms = rank([_match(0, PatternRole.PLATFORM_CAUSE, 0.3), _match(1, PatternRole.CRASH, 0.8)])
    assert [m.pattern.role for m in causes] == [PatternRole.CRASH, PatternRole.PLATFORM_CAUSE]
