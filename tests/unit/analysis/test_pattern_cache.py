"""Pattern files that loaded are kept between runs, and only while they and scdiag stay the same."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from scdiag.analysis.engine import AnalysisEngine
from scdiag.analysis.kbcache import PatternCache
from scdiag.analysis.loader import load_pattern_file, load_pattern_sources
from scdiag.analysis.patterns import FailurePattern, compile_regex
from scdiag.config import DiagnosticsConfig, config_from_mapping
from scdiag.plugins import PatternSource, PluginHost

from tests.unit.analysis.pattern_files import demo_pattern


@pytest.fixture(name="cache")
def _cache(tmp_path: Path) -> PatternCache:
    return PatternCache(tmp_path / "patterns-cache")


@pytest.fixture(name="pattern_path")
def _pattern_path(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(demo_pattern(), encoding="utf-8")
    return path


def _entries(cache: PatternCache) -> list[Path]:
    return sorted(cache.directory.glob("*.patterns"))


def _shape(patterns: list[FailurePattern]) -> list[tuple[str, str, list[tuple[str, str | None, tuple[str, ...]]]]]:
    return [
        (p.id, p.origin, [(i.id, i.pattern.source if i.pattern else None, i.examples) for i in p.indicators])
        for p in patterns
    ]


def test_a_cached_file_gives_the_patterns_a_fresh_load_gives(cache: PatternCache, pattern_path: Path) -> None:
    fresh = load_pattern_file(pattern_path)
    load_pattern_file(pattern_path, cache)
    cached = load_pattern_file(pattern_path, cache)
    assert _shape(cached) == _shape(fresh)
    assert cached[0].indicators[0].pattern is not None and cached[0].indicators[0].pattern.search("x DEMO FAILED y")


def test_the_shipped_knowledge_base_reads_back_the_same_from_the_cache(cache: PatternCache) -> None:
    sources = PluginHost().pattern_sources()
    fresh, _ = load_pattern_sources(sources)
    load_pattern_sources(sources, cache)
    cached, problems = load_pattern_sources(sources, cache)
    assert problems == []
    assert _shape(cached) == _shape(fresh)
    assert [p.solutions for p in cached] == [p.solutions for p in fresh]


def test_a_second_load_is_read_from_the_entry(cache: PatternCache, pattern_path: Path) -> None:
    load_pattern_file(pattern_path, cache)
    (entry,) = _entries(cache)
    # An entry that names another pattern shows that the file was not parsed again.
    other = load_pattern_file(_write(pattern_path.with_name("other.yaml"), demo_pattern().replace("demo-failure", "other-failure")))
    entry.write_bytes(pickle.dumps(other))
    assert [p.id for p in load_pattern_file(pattern_path, cache)] == ["other-failure"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_edited_file_is_loaded_again_even_at_the_same_size(cache: PatternCache, pattern_path: Path) -> None:
    load_pattern_file(pattern_path, cache)
    _write(pattern_path, demo_pattern("DEMO BROKEN", "DEMO BROKEN now"))
    (pattern,) = load_pattern_file(pattern_path, cache)
    assert pattern.indicators[0].pattern is not None and pattern.indicators[0].pattern.source == "DEMO BROKEN"


def test_a_file_that_fails_is_never_stored_and_fails_every_time(cache: PatternCache, pattern_path: Path) -> None:
    _write(pattern_path, demo_pattern("DEMO FAILED", "something else"))
    for _ in range(2):
        _, problems = load_pattern_sources([PatternSource("demo", path=pattern_path)], cache)
        assert len(problems) == 1 and "does not match" in problems[0][1]
    assert _entries(cache) == []


def test_an_entry_others_may_write_is_not_read(cache: PatternCache, pattern_path: Path) -> None:
    load_pattern_file(pattern_path, cache)
    (entry,) = _entries(cache)
    entry.write_bytes(b"not a pickle")  # would fail if it were read
    entry.chmod(0o666)
    assert cache.get(pattern_path, pattern_path.read_bytes()) is None


def test_a_damaged_entry_costs_only_the_load(cache: PatternCache, pattern_path: Path) -> None:
    load_pattern_file(pattern_path, cache)
    (entry,) = _entries(cache)
    entry.write_bytes(b"\x80\x05 damaged")
    assert [p.id for p in load_pattern_file(pattern_path, cache)] == ["demo-failure"]


def test_entries_are_the_owners_alone(cache: PatternCache, pattern_path: Path) -> None:
    load_pattern_file(pattern_path, cache)
    (entry,) = _entries(cache)
    assert cache.directory.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600


def test_an_unwritable_cache_still_loads(tmp_path: Path, pattern_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert [p.id for p in load_pattern_file(pattern_path, PatternCache(blocker / "cache"))] == ["demo-failure"]


def test_the_engine_keeps_the_knowledge_base_in_the_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCDIAG_CACHE_DIR", str(tmp_path / "root"))
    AnalysisEngine.from_plugins(PluginHost(), DiagnosticsConfig())
    assert list((tmp_path / "root" / "patterns").glob("*.patterns"))


def test_the_engine_writes_nothing_with_the_cache_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCDIAG_CACHE_DIR", str(tmp_path / "root"))
    engine = AnalysisEngine.from_plugins(PluginHost(), config_from_mapping({"diagnostics": {"cache": {"enabled": False}}}))
    assert engine.patterns
    assert not (tmp_path / "root").exists()


def test_a_regex_pickles_by_its_source_and_compiles_when_used() -> None:
    restored = pickle.loads(pickle.dumps(compile_regex(r"exit code (\d+)")))
    assert restored.source == r"exit code (\d+)"
    assert restored.find("container exit code 137") == (10, 23)
