"""Accuracy on real third-party captures: python tests/field/evaluate_field.py [DIR].

The captures live outside the repository (``../shared/field`` by default, or
``SCDIAG_FIELD_DIR``); each case folder holds the captured tool output and a
``label.json`` with ``root_cause`` and ``acceptable`` ids. Their files are
never copied into the repository. Cases that share the same data are counted
once (``DUPLICATES``). Without the folder the evaluation is skipped with a
reason, and exits 0.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import DiagnosticsConfig
from scdiag.models import DiagnosticStatus

DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "field"
DUPLICATES = {
    # the same data under another name, or the same scenario captured again (the folder's README says which)
    "13b_pending_node_selector_detailed": "13a_pending_node_selector_basic",
    "24b_misconfigured_pvc_detailed": "24a_misconfigured_pvc_basic",
    "11_KubePodCrashLooping": "09_crashpod",
    "12_KubePodNotReady": "10_KubeDeploymentReplicasMismatch",
    "12_job_crashing": "06_job_failure",
    "02_what_is_wrong_with_pod": "01_oom_kill",
}


@attrs.frozen
class FieldOutcome:
    """One case: what the label accepts and what scdiag said."""

    name: str
    expected: str
    acceptable: tuple[str, ...]
    predicted: str
    confidence: float
    status: str

    @property
    def correct(self) -> bool:
        return self.predicted == self.expected or self.predicted in self.acceptable

    @property
    def answerable(self) -> bool:
        """The label names a cause in scdiag's vocabulary (``other:`` labels do not)."""
        return not self.expected.startswith("other:")


def _cases(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("label.json"))


def evaluate(root: Path, config: DiagnosticsConfig | None = None) -> list[FieldOutcome]:
    """Analyse every case folder under ``root`` with one orchestrator."""
    orchestrator = DiagnosticOrchestrator(config=config or DiagnosticsConfig())
    outcomes = []
    for case in _cases(root):
        label = json.loads((case / "label.json").read_text(encoding="utf-8"))
        inputs = [str(p) for p in sorted(case.iterdir()) if p.name != "label.json"]
        result = orchestrator.analyze_captures(inputs)
        cause = result.root_cause
        if result.status is DiagnosticStatus.HEALTHY:
            predicted, confidence = "healthy", 1.0
        elif cause is not None and cause.pattern_id != "unknown":
            predicted, confidence = cause.pattern_id, cause.confidence
        else:
            predicted, confidence = "unknown", 0.0
        outcomes.append(
            FieldOutcome(case.name, label["root_cause"], tuple(label.get("acceptable") or ()), predicted, confidence, result.status.value)
        )
    return outcomes


def report(outcomes: Sequence[FieldOutcome]) -> str:
    """Every case, then top-1 over the distinct cases whose label scdiag can name."""
    lines = []
    for o in outcomes:
        mark = "ok  " if o.correct else ("n/a " if not o.answerable else "MISS")
        dup = f" (same as {DUPLICATES[o.name]})" if o.name in DUPLICATES else ""
        lines.append(f"  {mark} {o.name}: expected {o.expected}, got {o.predicted} ({o.confidence:.2f}, {o.status}){dup}")
    distinct = [o for o in outcomes if o.name not in DUPLICATES and o.answerable]
    right = sum(o.correct for o in distinct)
    share = right / len(distinct) if distinct else 0.0
    lines.insert(0, f"field cases: {len(outcomes)}, distinct with a label in scdiag's vocabulary: {len(distinct)}")
    lines.append(f"field top-1 (distinct, answerable): {right}/{len(distinct)} = {share:.1%}")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """Evaluate and print; the field set informs, it does not gate."""
    root = Path(argv[0]) if argv else Path(os.environ.get("SCDIAG_FIELD_DIR", DEFAULT))
    if not root.is_dir():
        print(f"field evaluation skipped: no captures at {root} (set SCDIAG_FIELD_DIR)")
        return 0
    print(report(evaluate(root)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
