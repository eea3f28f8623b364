"""From the engine's score to the share of answers at that score that were right.

The engine scores a cause by combining its indicators' weights; that score
orders candidates but is not a probability. The map here is fitted on the
development part of the evaluation (the corpus in every rendering, the
runtime wordings, and the field captures when present) by
``tests/corpus/calibrate.py --write``: answers are grouped by score in steps
of :data:`STEP`, each step's share of right answers is smoothed (one right and
one wrong answer added) and made non-decreasing (pool-adjacent violators); a
step without answers carries the share of the step below.
The frozen part, which no fit sees, measures how well it holds
(``nox -s eval`` prints its reliability table and expected calibration error).
Scores below the first step, where no answer is a confident one, pass through.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path

from scdiag._records import record

__all__ = ["CEILING", "FLOOR", "STEP", "Calibration", "builtin_calibration"]

STEP = 0.05
"""The width of a score step."""
FLOOR = 0.5
"""The first step starts here: below, a score is reported as it is."""
CEILING = 0.99
"""No share is reported above it, as no score is: a few hundred right answers do not make a certainty."""
_TABLE = Path(__file__).with_name("calibration.json")
_WRITTEN_BY = "tests/corpus/calibrate.py --write (see scdiag.analysis.calibration); do not edit"


@record
class Calibration:
    """A non-decreasing step map from score to the share of right answers (identity when it has no steps)."""

    steps: tuple[tuple[float, float], ...] = ()
    """(lowest score of the step, share of right answers), by ascending score."""
    answers: int = 0
    """How many answers the fit saw."""

    def __call__(self, score: float) -> float:
        """The share of right answers among those given with ``score``."""
        if not self.steps or score < self.steps[0][0]:
            return score
        share = self.steps[0][1]
        for low, value in self.steps:
            if score < low:
                break
            share = value
        return share

    @classmethod
    def fit(cls, answers: Iterable[tuple[float, bool]], step: float = STEP, floor: float = FLOOR) -> Calibration:
        """Fit on ``(score, right)`` pairs; scores below ``floor`` are not used."""
        edges = [round(floor + index * step, 6) for index in range(round((1.0 - floor) / step))]
        counts = [[0, 0] for _ in edges]
        used = 0
        for score, right in answers:
            if score < floor:
                continue
            index = min(int((score - floor) / step + 1e-9), len(edges) - 1)
            counts[index][0] += 1
            counts[index][1] += int(right)
            used += 1
        # Each block: (smoothed share, weight, steps it covers); adjacent violators are pooled.
        # Steps without answers take no part: they carry the share of the step below, and
        # before the first step with answers the score passes through.
        filled = [index for index, (n, _right) in enumerate(counts) if n]
        pooled: list[tuple[float, float, int]] = []
        for index in filled:
            total, hits = counts[index]
            pooled.append(((hits + 1) / (total + 2), total + 2, 1))
            while len(pooled) > 1 and pooled[-2][0] > pooled[-1][0]:
                (a, wa, na), (b, wb, nb) = pooled[-2], pooled[-1]
                pooled[-2:] = [((a * wa + b * wb) / (wa + wb), wa + wb, na + nb)]
        shares = dict(zip(filled, (share for share, _weight, width in pooled for _ in range(width))))
        steps: list[tuple[float, float]] = []
        for index, edge in enumerate(edges):
            if index in shares:
                steps.append((edge, round(min(shares[index], CEILING), 4)))
            elif steps:
                steps.append((edge, steps[-1][1]))
        return cls(tuple(steps), used)

    def to_json(self) -> str:
        """The table as ``calibration.json`` holds it (JSON: every run reads it, and needs no YAML parser for it)."""
        steps = ",\n  ".join(json.dumps([low, share]) for low, share in self.steps)
        return f'{{"written_by": {json.dumps(_WRITTEN_BY)},\n "answers": {self.answers},\n "steps": [\n  {steps}\n ]\n}}\n'

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Read a table written by :meth:`to_json`.

        Raises:
            ValueError: not JSON, or steps that do not ascend or leave [0, 1].
        """
        body = json.loads(text) or {}
        steps = tuple((float(low), float(share)) for low, share in body.get("steps", ()))
        if any(b[0] <= a[0] or b[1] < a[1] for a, b in zip(steps, steps[1:])) or any(not 0.0 <= s <= 1.0 for _, s in steps):
            raise ValueError("calibration steps must ascend in score and never fall in share, within [0, 1]")
        return cls(steps, int(body.get("answers", 0)))


@functools.lru_cache(maxsize=1)
def builtin_calibration() -> Calibration:
    """The table shipped beside this module."""
    return Calibration.from_json(_TABLE.read_text(encoding="utf-8"))
