"""The Hyperscan prefilter changes how fast lines are found, never which: the same lines and rules as RE2 alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scdiag.analysis import logscan
from scdiag.analysis.accel import Prefilter, loosened
from scdiag.analysis.engine import ENGINE_LINE_RULES
from scdiag.analysis.logscan import LogMatcher

from tests.unit.analysis.generated_logs import blocks as _blocks
from tests.unit.analysis.generated_logs import log as _log
from tests.unit.analysis.test_knowledge_base import PATTERNS

pytest.importorskip("hyperscan")


@pytest.fixture(name="engines")
def _engines(monkeypatch: pytest.MonkeyPatch) -> tuple[LogMatcher, LogMatcher]:
    """(RE2 alone, RE2 with the prefilter from the first byte)."""
    monkeypatch.setattr(logscan, "ACCEL_AFTER_BYTES", 0)
    monkeypatch.setattr(logscan, "ACCEL_STORED_AFTER_BYTES", 0)
    monkeypatch.setenv("SCDIAG_MATCHER", "re2")
    plain = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES)
    list(plain.scan_text("warm-up"))  # its choice (no prefilter) is made while the environment says so
    monkeypatch.delenv("SCDIAG_MATCHER")
    fast = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES)
    return plain, fast


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_engines_find_the_same_lines_and_rules(engines: tuple[LogMatcher, LogMatcher], seed: int) -> None:
    plain, fast = engines
    blocks = _blocks(_log(seed), 500)
    expected = [list(plain.scan_text(block)) for block in blocks]
    assert [list(fast.scan_text(block)) for block in blocks] == expected
    assert sum(len(found) for found in expected) >= len(PATTERNS)
    assert fast._prefilters["lines"] is not None


def test_both_engines_agree_on_a_subset_of_the_rules(engines: tuple[LogMatcher, LogMatcher]) -> None:
    plain, fast = engines
    without = frozenset(plain.engine_rules)
    blocks = _blocks(_log(4), 300)
    assert [list(fast.scan_text(block, without=without)) for block in blocks] == [list(plain.scan_text(block, without=without)) for block in blocks]


def test_both_engines_agree_on_event_rows(engines: tuple[LogMatcher, LogMatcher]) -> None:
    plain, fast = engines
    rows = [f"{n}m  Warning  {reason}  pod/web-{n}  {message}" for n, (reason, message) in enumerate([("BackOff", "Back-off restarting failed container"), ("Evicted", "The node was low on resource: memory."), ("Pulled", "Successfully pulled image")] * 50)]
    blocks = _blocks(rows, 40)
    assert [list(fast.scan_rows(block)) for block in blocks] == [list(plain.scan_rows(block)) for block in blocks]


def test_no_prefilter_for_expressions_anchored_to_the_whole_text() -> None:
    """\\A in a block is the block's start, in a line the line's: RE2 alone reads such a set."""
    assert Prefilter.build([r"\Apanic:", "OOMKilled"]) is None
    assert Prefilter.build(["OOMKilled"]) is not None


@pytest.mark.parametrize(
    ("expression", "given"),
    [
        (r"(?m)^panic: .*$", r"(?m)panic: .*"),
        (r"(^|\s)OOMKilled(\s|$)", r"(|\s)OOMKilled(\s|)"),
        (r"[^$]\^\$", r"[^$]\^\$"),
        (r"[]^$]x", r"[]^$]x"),
        (r"[^]^$]x", r"[^]^$]x"),
        (r"[[:alpha:]^]x$", r"[[:alpha:]^]x"),
        (r"\Q^\E$", r"\Q^\E$"),
    ],
    ids=["line anchors", "anchors in alternatives", "a negated class and escaped anchors", "a bracket first in a class", "a bracket first in a negated class", "a posix class in a class", "quoted text"],
)
def test_the_prefilter_is_given_its_expressions_without_line_anchors(expression: str, given: str) -> None:
    assert loosened(expression) == given


def test_a_loosened_expression_matches_every_example_its_expression_matches() -> None:
    """RE2 on both, every example line of the knowledge base: the prefilter may name more lines, never fewer."""
    import re2

    matcher = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES)
    lines = sorted({line for line in _log(1) if line})
    missed = []
    for expression in matcher._expressions:
        original, loose = re2.compile(expression), re2.compile(loosened(expression))
        missed += [(expression, line) for line in lines if original.search(line) and not loose.search(line)]
    assert missed == []
    assert any(loosened(expression) != expression for expression in matcher._expressions)


_EXPRESSIONS = ["(?m)OOMKilled", "(?m)Error: listen EADDRINUSE", "(?m)panic: .*"]
_BLOCK = b"starting\nError: listen EADDRINUSE: address already in use :::8080\nok\npanic: boom\n"


def test_a_kept_database_is_loaded_and_finds_what_a_compiled_one_finds(tmp_path: Path) -> None:
    compiled = Prefilter.build(_EXPRESSIONS)
    assert not Prefilter.stored(_EXPRESSIONS, tmp_path)
    Prefilter.build(_EXPRESSIONS, tmp_path)
    assert Prefilter.stored(_EXPRESSIONS, tmp_path)
    (kept,) = tmp_path.glob("*.hsdb")
    assert kept.stat().st_mode & 0o777 == 0o600
    loaded = Prefilter.build(_EXPRESSIONS, tmp_path)
    assert compiled is not None and loaded is not None
    assert loaded.scan(_BLOCK) == compiled.scan(_BLOCK)
    assert (found := loaded.scan(_BLOCK)) is not None and found.starts == [9, 69]


def test_a_damaged_database_is_compiled_again(tmp_path: Path) -> None:
    Prefilter.build(_EXPRESSIONS, tmp_path)
    (kept,) = tmp_path.glob("*.hsdb")
    kept.write_bytes(b"not a database")
    rebuilt = Prefilter.build(_EXPRESSIONS, tmp_path)
    assert rebuilt is not None and (found := rebuilt.scan(_BLOCK)) is not None and found.starts == [9, 69]


def test_other_expressions_have_their_own_database(tmp_path: Path) -> None:
    Prefilter.build(_EXPRESSIONS, tmp_path)
    assert not Prefilter.stored(_EXPRESSIONS[:2], tmp_path)


def test_a_kept_database_is_used_early_and_one_not_kept_only_late(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Before ACCEL_AFTER_BYTES, only a database an earlier run kept is worth loading."""
    monkeypatch.setattr(logscan, "ACCEL_STORED_AFTER_BYTES", 0)
    monkeypatch.setattr(logscan, "ACCEL_AFTER_BYTES", 1 << 40)
    first = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES, prefilter_cache=tmp_path)
    list(first.scan_text("OOMKilled"))
    assert first._prefilters == {}
    Prefilter.build(first._expressions, tmp_path)
    second = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES, prefilter_cache=tmp_path)
    list(second.scan_text("OOMKilled"))
    assert second._prefilters["lines"] is not None


def test_a_database_compiled_for_a_subset_keeps_the_whole_sets_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A large log is compiled for under a subset (rules done); the next run starts with the whole set."""
    monkeypatch.setattr(logscan, "ACCEL_STORED_AFTER_BYTES", 0)
    monkeypatch.setattr(logscan, "ACCEL_AFTER_BYTES", 0)
    matcher = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES, prefilter_cache=tmp_path)
    without = frozenset(matcher.engine_rules)
    list(matcher.scan_text("OOMKilled", without=without))
    assert matcher._prefilters[without] is not None and "lines" not in matcher._prefilters
    assert Prefilter.stored(matcher._expressions, tmp_path)
    assert len(list(tmp_path.glob("*.hsdb"))) == 2


def test_no_database_is_kept_in_a_missing_or_empty_cache(tmp_path: Path) -> None:
    assert not Prefilter.stored(_EXPRESSIONS, tmp_path / "missing")
    assert not Prefilter.stored(_EXPRESSIONS, tmp_path)


_IMPORTS_HYPERSCAN = """
import sys
from pathlib import Path
from scdiag.analysis.engine import ENGINE_LINE_RULES
from scdiag.analysis.logscan import LogMatcher
from tests.unit.analysis.test_knowledge_base import PATTERNS
matcher = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES, prefilter_cache=Path(sys.argv[1]))
list(matcher.scan_text("GET /api/orders 200\\n" * 10000 + "OOMKilled\\n"))
print("hyperscan" in sys.modules)
"""


def test_hyperscan_is_imported_only_where_the_cache_keeps_a_database(tmp_path: Path) -> None:
    """A log past the size a kept database is looked for at, in a fresh process: an empty cache costs no import."""
    root = Path(__file__).resolve().parents[3]
    empty, keeping = tmp_path / "empty", tmp_path / "keeping"
    empty.mkdir()
    Prefilter.build(LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES)._expressions, keeping)

    def imported(cache: Path) -> str:
        return subprocess.run([sys.executable, "-c", _IMPORTS_HYPERSCAN, str(cache)], capture_output=True, text=True, check=True, cwd=root).stdout.strip()

    assert imported(empty) == "False"
    assert imported(keeping) == "True"


def test_the_prefilter_counts_the_newlines_of_its_block(engines: tuple[LogMatcher, LogMatcher]) -> None:
    _plain, fast = engines
    texts = [*_blocks(_log(6), 400), "ok\nOOMKilled", "\n\nOOMKilled\n\n"]
    assert [fast.block_scan(text)()[1] for text in texts] == [text.count("\n") for text in texts]
    assert fast._prefilters["lines"] is not None


@pytest.mark.parametrize("count", [99, 100, 101, 200, 250])
@pytest.mark.parametrize("at", [0, 98, 99, 100, -1], ids=["first", "before a mark", "at a mark", "after a mark", "last"])
def test_lines_are_numbered_alike_around_the_prefilters_marks(engines: tuple[LogMatcher, LogMatcher], count: int, at: int) -> None:
    """Hyperscan marks every hundredth newline: a line next to a mark has the index RE2 alone gives it, and the block its count."""
    plain, fast = engines
    lines = [f"2026-11-20T14:00:00Z INFO GET /api/orders/{n} 200" for n in range(count)]
    lines[at % count] = "OOMKilled"
    text = "\n".join(lines) + "\n"
    assert fast.block_scan(text)() == plain.block_scan(text)()
    assert fast._prefilters["lines"] is not None


def test_the_alternation_is_compiled_only_for_a_large_block_the_prefilter_declines(engines: tuple[LogMatcher, LogMatcher]) -> None:
    """A lone surrogate is no UTF-8 for Hyperscan: RE2's alternation, compiled only then, finds the lines."""
    plain, fast = engines
    clean = "\n".join(_log(7)) + "\nOOMKilled\n"
    assert len(clean) > logscan._LOCATE_FROM_CHARS
    assert list(fast.scan_text(clean)) == list(plain.scan_text(clean))
    assert fast._prefilters["lines"] is not None and "lines" not in fast._locators
    declined = clean + "bad byte \udcff here\nOOMKilled\n"
    found = list(fast.scan_text(declined))
    assert found == list(plain.scan_text(declined))
    assert found[-1][1] == "OOMKilled" and "lines" in fast._locators
