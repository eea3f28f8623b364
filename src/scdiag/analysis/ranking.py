"""The one comparator that orders candidate causes.

Candidates whose score reaches :data:`QUALIFYING_SCORE` come first, ordered
by their pattern's declared role (:class:`~scdiag.analysis.patterns.PatternRole`:
platform causes, then kills, application causes, dependencies, crashes, port,
probe and health-check symptoms, consequences), then by score. Within a role
the order is the score's, so it is monotonic. Ties go to the more specific
evidence (a structured field, then a platform message, then free text), then
to the more recent, then to the pattern id so the order is stable.

Weaker candidates follow, by score alone: a faint trace of a platform cause
does not outrank a strong, well-evidenced crash.

Below a qualifying cause, a candidate whose role is a symptom of lower rank
(a crash, a port, probe or health-check failure, a consequence) is reported
as a symptom rather than as a secondary cause; wrappers are always symptoms.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scdiag.analysis._matching import PatternMatch
from scdiag.analysis.patterns import PatternRole

__all__ = ["QUALIFYING_SCORE", "rank", "sort_key"]

QUALIFYING_SCORE = 0.5
"""Score from which a candidate is ranked by its role first."""

_SPECIFICITY = {"status": 2, "load-balancer": 2, "config": 2, "metric": 2, "event": 1}
"""Where the evidence was read: a structured field, a platform message; anything else (log text) is 0."""
_NEVER = datetime.min.replace(tzinfo=timezone.utc)


def _specificity(match: PatternMatch) -> int:
    return max((_SPECIFICITY.get(item.source, 0) for item in match.matches), default=0)


def _latest(match: PatternMatch) -> datetime:
    return max((item.timestamp for item in match.matches if item.timestamp is not None), default=_NEVER)


def sort_key(match: PatternMatch) -> tuple[int, float, float, int, float, str]:
    """The comparator: smaller sorts first."""
    role = match.pattern.role.rank
    latest = _latest(match)
    recency = -latest.timestamp() if latest is not _NEVER else 0.0
    if match.score >= QUALIFYING_SCORE:
        return (0, role, -match.score, -_specificity(match), recency, match.pattern.id)
    return (1, -match.score, role, -_specificity(match), recency, match.pattern.id)


def rank(matches: list[PatternMatch]) -> tuple[list[PatternMatch], list[PatternMatch]]:
    """Split matches into causes (best first) and symptoms (wrappers, and what the best cause produces)."""
    ordered = sorted(matches, key=sort_key)
    causes = [m for m in ordered if m.pattern.role is not PatternRole.WRAPPER]
    symptoms = [m for m in ordered if m.pattern.role is PatternRole.WRAPPER]
    if causes and causes[0].score >= QUALIFYING_SCORE:
        top = causes[0].pattern.role
        produced = [m for m in causes[1:] if m.pattern.role.symptom and m.pattern.role.rank > top.rank]
        taken = {id(m) for m in produced}
        causes = [m for m in causes if id(m) not in taken]
        symptoms = produced + symptoms
    return causes, symptoms
