"""Every example's and corpus scenario's report stays the same unless a change means to alter it.

``tests/reports.sha256`` holds, for each input, the digest of its deep JSON
report (everything collected, every cause, every step) with the clock
readings (when it was generated, when collected) and the versions left out, and a readable line of its verdict. A
change meant to alter reports rewrites the file, and the commit's diff names
every report it altered:

    SCDIAG_UPDATE_REPORTS=1 python -m pytest tests/unit/test_report_identity.py
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = ROOT / "tests" / "reports.sha256"
_VOLATILE = ("generated_at", "collected_at", "versions")


def _inputs() -> list[str]:
    examples = sorted(path for path in (ROOT / "examples").iterdir() if path.is_dir())
    corpus = sorted(path.parent for part in ("scenarios", "frozen") for path in (ROOT / "tests" / "corpus" / part).glob("*/label.yaml"))
    return [str(path.relative_to(ROOT)) for path in [*examples, *corpus]]


def _without_volatile(value: object) -> object:
    if isinstance(value, dict):
        return {key: _without_volatile(item) for key, item in value.items() if key not in _VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(item) for item in value]
    return value


def _line(orchestrator: DiagnosticOrchestrator, name: str) -> str:
    generator = orchestrator.report_generator()
    result = orchestrator.analyze_captures([name])
    document = _without_volatile(json.loads(generator.export_report(generator.generate_report(result, "deep"), "json")))
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    cause = result.root_cause
    verdict = f"{result.status.value} {cause.pattern_id} {cause.confidence:.3f}" if cause is not None else result.status.value
    return f"{digest}  {name}  {verdict}"


@pytest.fixture(scope="module", name="lines")
def _lines() -> list[str]:
    previous = Path.cwd()
    os.chdir(ROOT)  # inputs are named relative to the project, as the digests record them
    try:
        orchestrator = DiagnosticOrchestrator()
        return [_line(orchestrator, name) for name in _inputs()]
    finally:
        os.chdir(previous)


def test_every_report_is_the_one_recorded(lines: list[str]) -> None:
    if os.environ.get("SCDIAG_UPDATE_REPORTS") == "1":
        DIGESTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recorded = DIGESTS.read_text(encoding="utf-8").splitlines()
    changed = sorted(set(lines) ^ set(recorded))
    assert changed == [], "reports changed (SCDIAG_UPDATE_REPORTS=1 rewrites tests/reports.sha256 when meant):\n" + "\n".join(changed)
