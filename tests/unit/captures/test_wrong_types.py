"""A wrong-typed field costs that field: the element, the file and the diagnosis stay.

Each case puts a value of the wrong type where the clouds' CLIs put another
(a string count, a list as an event reason, a dict as a stop code or a probe
port, a timestamp in the year 99999) into a shipped example, and compares
the analysis with the untouched example's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import config_from_mapping
from scdiag.models import DiagnosticResult

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

CASES = {
    "string restart count": ("k8s-oom-kill", "pods.json", ("items", 0, "status", "containerStatuses", 0, "restartCount"), "many"),
    "list as an event reason": ("k8s-oom-kill", "events.json", ("items", 0, "reason"), ["BackOff", "x"]),
    "dict as a probe port": ("k8s-oom-kill", "pods.json", ("items", 0, "spec", "containers", 0, "ports", 0, "containerPort"), {"port": 8080}),
    "absurd event timestamp": ("k8s-oom-kill", "events.json", ("items", 0, "lastTimestamp"), "99999-01-01T00:00:00Z"),
    "string running count in describe-services": ("ecs-health-check-404", "describe-services.json", ("services", 0, "deployments", 0, "runningCount"), "x"),
    "dict as a stop code": ("ecs-health-check-404", "describe-tasks.json", ("tasks", 0, "stopCode"), {"code": 1}),
    "number as a condition message": ("cloud-run-missing-env", "service.json", ("status", "conditions", 0, "message"), 5),
    "list as a revision name": ("container-apps-image-not-found", "revisions.json", (0, "name"), [1, "a"]),
}


def _analyze(directory: Path) -> DiagnosticResult:
    config = config_from_mapping({"diagnostics": {"cache": {"enabled": False}}})
    return DiagnosticOrchestrator(config=config).analyze_captures([str(directory)])


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        document = document[part]
    document[path[-1]] = value


@pytest.mark.parametrize(("example", "name", "path", "value"), CASES.values(), ids=CASES.keys())
def test_a_wrong_typed_field_keeps_the_elements_and_the_diagnosis(example: str, name: str, path: tuple[Any, ...], value: Any, tmp_path: Path) -> None:
    """Same items read from every file, no reader failure, and the same root cause as the untouched example."""
    baseline = _analyze(EXAMPLES / example)
    damaged = tmp_path / example
    shutil.copytree(EXAMPLES / example, damaged)
    document = json.loads((damaged / name).read_text(encoding="utf-8"))
    _set(document, path, value)
    (damaged / name).write_text(json.dumps(document, indent=2), encoding="utf-8")
    result = _analyze(damaged)
    assert result.data is not None and baseline.data is not None
    assert [(Path(r.path).name, r.items) for r in result.data.inputs] == [(Path(r.path).name, r.items) for r in baseline.data.inputs]
    assert not [p for r in result.data.inputs for p in r.problems if "failed" in p or "unexpected shape" in p]
    assert result.root_cause is not None and baseline.root_cause is not None
    assert result.root_cause.pattern_id == baseline.root_cause.pattern_id
