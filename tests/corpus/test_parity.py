"""Ordinary lines added to a log change nothing: the verdict, cause and confidence stay.

The capture path keeps only the lines an expression can match and the last
ones of each stream; every rule of the engine that reads lines registers its
expressions, so a line it needs is never dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator

SCENARIOS = Path(__file__).parent / "scenarios"
WITH_LOGS = sorted(p.parent for p in SCENARIOS.glob("*/*.log"))
ORDINARY = "".join(f"2026-11-20T13:50:{n % 60:02d}Z INFO GET /api/products/{n} 200 {n % 17 + 3}ms\n" for n in range(1000))


@pytest.fixture(scope="module", name="orchestrator")
def _orchestrator() -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator()


def _outcome(result) -> tuple[str, str, float]:  # type: ignore[no-untyped-def]
    cause = result.root_cause
    return result.status.value, cause.pattern_id if cause else "", cause.confidence if cause else 0.0


@pytest.mark.parametrize("scenario", WITH_LOGS, ids=lambda p: p.name)
def test_a_thousand_ordinary_lines_change_nothing(orchestrator: DiagnosticOrchestrator, scenario: Path, tmp_path: Path) -> None:
    """The same scenario, each plain log preceded by 1,000 ordinary request lines."""
    for path in scenario.iterdir():
        if path.name == "label.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(ORDINARY + text if path.suffix == ".log" else text, encoding="utf-8")
    plain = orchestrator.analyze_captures([str(p) for p in sorted(scenario.iterdir()) if p.name != "label.yaml"])
    padded = orchestrator.analyze_captures([str(tmp_path)])
    assert _outcome(padded) == _outcome(plain)


@pytest.mark.parametrize("scenario", ["ecs-listen-port-mismatch", "cr-listening-elsewhere"])
def test_a_line_an_engine_rule_reads_is_kept_behind_a_thousand_more(orchestrator: DiagnosticOrchestrator, scenario: str, tmp_path: Path) -> None:
    """"listening on port 3000" followed by 1,000 ordinary lines: the port check still sees it."""
    import json

    from scdiag.captures.jsontext import load_json_text

    source = SCENARIOS / scenario
    for path in source.iterdir():
        if path.name == "label.yaml":
            continue
        value = load_json_text(path.read_text(encoding="utf-8")).value if path.suffix == ".json" else None
        events = value.get("events") if isinstance(value, dict) else value if isinstance(value, list) and value and "logName" in value[0] else None
        if isinstance(events, list) and events:
            listening = next(i for i, e in enumerate(events) if "isten" in json.dumps(e))
            template = events[listening]
            filler = []
            for n in range(1000):
                line = dict(template)
                for key in ("message", "textPayload"):
                    if key in line:
                        line[key] = f"GET /api/products/{n} 200 5ms"
                filler.append(line)
            events[listening + 1 : listening + 1] = filler
            (tmp_path / path.name).write_text(json.dumps(value), encoding="utf-8")
        else:
            (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    plain = orchestrator.analyze_captures([str(p) for p in sorted(source.iterdir()) if p.name != "label.yaml"])
    padded = orchestrator.analyze_captures([str(tmp_path)])
    assert plain.root_cause is not None and plain.root_cause.pattern_id == "container-not-listening-on-port"
    assert _outcome(padded) == _outcome(plain)
