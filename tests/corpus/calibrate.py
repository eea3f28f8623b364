"""Fit the confidence calibration on the development part of the evaluation.

    python tests/corpus/calibrate.py          # fit, print the table, say whether the shipped one matches
    python tests/corpus/calibrate.py --write  # fit and write src/scdiag/analysis/calibration.json

The answers are the development part's only: the corpus (tests/corpus/scenarios)
in every rendering, the runtime wordings (tests/wordings) and the field captures
(../shared/field) when present. The frozen part is never read here. Scores are
the engine's raw ones (``analysis.calibrate: false``). An answer naming a cause
is right when the label names that cause; naming a cause for a healthy
deployment is a wrong answer, whatever its score.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scdiag.analysis.calibration import _TABLE, Calibration  # noqa: E402
from scdiag.app import DiagnosticOrchestrator  # noqa: E402
from scdiag.config import AnalysisConfig, DiagnosticsConfig  # noqa: E402
from scdiag.models import DiagnosticStatus  # noqa: E402
from tests.corpus.evaluate import SCENARIOS, evaluate  # noqa: E402
from tests.corpus.renderings import RENDERINGS  # noqa: E402

WORDINGS = ROOT / "tests" / "wordings" / "wordings.yaml"
RAW = DiagnosticsConfig(analysis=AnalysisConfig(calibrate=False))
_NO_CAUSE = ("healthy", "unknown")


def corpus_answers() -> Iterator[tuple[float, bool]]:
    for rendering in (*RENDERINGS, "single"):
        for outcome in evaluate(SCENARIOS, config=RAW, rendering=rendering):
            if outcome.predicted not in _NO_CAUSE:
                yield outcome.confidence, outcome.correct


def wording_answers() -> Iterator[tuple[float, bool]]:
    from tests.wordings.test_wordings import PROBE_EVENTS

    orchestrator = DiagnosticOrchestrator(config=RAW)
    catalogue = yaml.safe_load(WORDINGS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as workspace:
        for cause, block in catalogue.items():
            for index, entry in enumerate(block["wordings"]):
                log = Path(workspace) / f"{cause}-{index}.log"
                log.write_text(entry["log"], encoding="utf-8")
                inputs = [str(log)]
                if cause == "wrong-listen-address":
                    events = Path(workspace) / f"{cause}-{index}-events.txt"
                    events.write_text(PROBE_EVENTS, encoding="utf-8")
                    inputs.append(str(events))
                result = orchestrator.analyze_captures(inputs)
                cause_named = result.root_cause is not None and result.root_cause.pattern_id != "unknown" and result.status is not DiagnosticStatus.HEALTHY
                if cause_named:
                    assert result.root_cause is not None
                    yield result.root_cause.confidence, result.root_cause.pattern_id == block["expected"]


def field_answers() -> Iterator[tuple[float, bool]]:
    from tests.field.evaluate_field import DEFAULT, DUPLICATES
    from tests.field.evaluate_field import evaluate as evaluate_field

    if not DEFAULT.is_dir():
        return
    for outcome in evaluate_field(DEFAULT, config=RAW):
        if outcome.name in DUPLICATES or outcome.predicted in _NO_CAUSE:
            continue
        yield outcome.confidence, outcome.correct


def main(argv: list[str]) -> int:
    answers = [*corpus_answers(), *wording_answers(), *field_answers()]
    fitted = Calibration.fit(answers)
    print(f"answers: {len(answers)}, wrong: {sum(not right for _, right in answers)}")
    print("  score from   share right")
    for low, share in fitted.steps:
        print(f"  {low:10.2f}   {share:11.4f}")
    if "--write" in argv:
        _TABLE.write_text(fitted.to_json(), encoding="utf-8")
        print(f"written: {_TABLE.relative_to(ROOT)}")
        return 0
    shipped = Calibration.from_json(_TABLE.read_text(encoding="utf-8"))
    same = attrs.astuple(shipped) == attrs.astuple(fitted)
    print("the shipped table is this fit" if same else "the shipped table differs from this fit: run with --write")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
