"""Pattern files are validated on load, with errors naming file, pattern and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from scdiag.analysis.loader import PatternLoadError, load_pattern_file, load_pattern_sources
from scdiag.plugins import PatternSource

from tests.unit.analysis.pattern_files import demo_pattern

GOOD = demo_pattern()


@pytest.fixture(name="pattern_file")
def _pattern_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(text: str) -> Path:
        path = tmp_path / "patterns.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_a_valid_file_loads(pattern_file) -> None:  # type: ignore[no-untyped-def]
    """One pattern, compiled, with its origin recorded."""
    (pattern,) = load_pattern_file(pattern_file(GOOD))
    assert pattern.id == "demo-failure"
    assert pattern.origin.endswith("patterns.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("pattern: 'DEMO FAILED'", "pattern: '(?<=x)DEMO'"), "indicators[0] (demo-line).pattern: RE2 cannot compile"),
        (("pattern: 'DEMO FAILED'", "pattern: '(DEMO)\\1'"), "RE2 cannot compile"),
        (("examples: ['DEMO FAILED now']", "examples: ['all good']"), "'all good' does not match the indicator"),
        (("category: application", "category: misc"), "category: 'misc' is not one of"),
        (("weight: 0.9", "weight: 1.5"), "weight: must be in (0, 1]"),
        (("id: demo-failure", "id: Demo_Failure"), "must be lower-case words"),
        (("severity: high", "severity: dire"), "severity"),
        (("name: Demo", "name: Demo\n    colour: red"), "colour"),
        (("kind: log, pattern: 'DEMO FAILED',", "kind: log,"), "a log indicator needs 'pattern'"),
    ],
)
def test_a_bad_pattern_names_the_file_the_pattern_and_the_problem(pattern_file, change: tuple[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    """The error is one line: file, pattern id, key and what is wrong."""
    path = pattern_file(GOOD.replace(*change))
    with pytest.raises(PatternLoadError) as raised:
        load_pattern_file(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: pattern ")
    assert message in text


def test_a_bad_plugin_source_is_reported_and_the_others_load(pattern_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One plugin's broken file does not stop the knowledge base from loading."""
    good = pattern_file(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text("patterns: [{id: x}]\n")
    patterns, problems = load_pattern_sources([PatternSource("bad-plugin", path=bad), PatternSource("good-plugin", path=good)])
    assert [p.id for p in patterns] == ["demo-failure"]
    assert problems[0][0] == "bad-plugin"


def test_a_duplicate_id_keeps_the_first_and_reports_the_second(pattern_file) -> None:  # type: ignore[no-untyped-def]
    """Two sources defining one id: the first wins, the second is reported."""
    path = pattern_file(GOOD)
    patterns, problems = load_pattern_sources([PatternSource("a", path=path), PatternSource("b", path=path)])
    assert len(patterns) == 1
    assert "already defined" in problems[0][1]
