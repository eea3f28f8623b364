"""Locating the matching lines of a large block finds what asking the set line by line finds."""

from __future__ import annotations

import pytest

from scdiag.analysis import logscan
from scdiag.analysis.engine import ENGINE_LINE_RULES
from scdiag.analysis.logscan import LogMatcher, LogRule
from scdiag.analysis.patterns import compile_regex

from tests.unit.analysis.generated_logs import blocks, log
from tests.unit.analysis.test_knowledge_base import PATTERNS


def _found_both_ways(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, texts: list[str], *, rows: bool = False, without: frozenset[int] = frozenset()) -> tuple[list[object], list[object]]:
    """(line by line, located) for every text."""

    def scan(text: str) -> list[object]:
        return list(matcher.scan_rows(text) if rows else matcher.scan_text(text, without=without))

    monkeypatch.setenv("SCDIAG_MATCHER", "re2")  # the prefilter would answer before either way is asked
    monkeypatch.setattr(logscan, "_LOCATE_FROM_CHARS", 1 << 62)
    by_line = [scan(text) for text in texts]
    monkeypatch.setattr(logscan, "_LOCATE_FROM_CHARS", 0)
    return by_line, [scan(text) for text in texts]


@pytest.fixture(name="matcher")
def _matcher() -> LogMatcher:
    return LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_knowledge_base_finds_the_same_lines_and_rules_either_way(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, seed: int) -> None:
    by_line, located = _found_both_ways(monkeypatch, matcher, blocks(log(seed), 500))
    assert located == by_line
    assert sum(len(found) for found in by_line) >= len(PATTERNS)


def test_a_subset_of_the_rules_finds_the_same_lines_either_way(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher) -> None:
    by_line, located = _found_both_ways(monkeypatch, matcher, blocks(log(4), 300), without=frozenset(matcher.engine_rules))
    assert located == by_line
    assert any(by_line)


@pytest.mark.parametrize("located", [False, True], ids=["line by line", "located"])
@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("request failed with an error\nok\nOOMKilled\n", ["OOMKilled"]),
        ("request failed with an error\nok\n", []),  # only a rule left out matches the block
    ],
)
def test_rules_left_out_match_no_line(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, located: bool, text: str, lines: list[str]) -> None:
    monkeypatch.setenv("SCDIAG_MATCHER", "re2")
    monkeypatch.setattr(logscan, "_LOCATE_FROM_CHARS", 0 if located else 1 << 62)
    without = frozenset(matcher.engine_rules)
    assert list(matcher.scan_text(text)), "an engine rule matches the error line when none is left out"
    found = list(matcher.scan_text(text, without=without))
    assert [line for _index, line, _rules in found] == lines
    assert not {rule for _index, _line, rules in found for rule in rules} & without


def test_event_rows_are_found_the_same_either_way(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher) -> None:
    rows = [f"{n}m  Warning  {reason}  pod/web-{n}  {message}" for n, (reason, message) in enumerate([("BackOff", "Back-off restarting failed container"), ("Evicted", "The node was low on resource: memory."), ("Pulled", "Successfully pulled image")] * 50)]
    by_line, located = _found_both_ways(monkeypatch, matcher, blocks(rows, 40), rows=True)
    assert located == by_line
    assert any(by_line)


@pytest.mark.parametrize(
    "text",
    [
        "connection\nrefused by peer\nconnection refused",  # the first match runs across a newline; the third line matches alone
        "ok\n\n\nOOMKilled",  # the match is on the last line, with no newline after it
        "OOMKilled\nok\n",  # on the first line, with a newline closing the block
        "ok\n  OOMKilled  \nok\nexit code 137",
    ],
)
def test_lines_around_a_newline_are_found_the_same_either_way(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    matcher = LogMatcher([LogRule(None, compile_regex(expression)) for expression in (r"connection\s+refused", r"^\s*OOMKilled\s*$", r"exit code \d+$")])
    by_line, located = _found_both_ways(monkeypatch, matcher, [text])
    assert located == by_line
    assert by_line[0]


def test_a_set_anchored_to_the_whole_text_is_asked_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    matcher = LogMatcher([LogRule(None, compile_regex(r"\Apanic: "))])
    monkeypatch.setattr(logscan, "_LOCATE_FROM_CHARS", 0)
    assert [index for index, _line, _rules in matcher.scan_text("starting\npanic: boom")] == [1]


@pytest.mark.parametrize("locate_from", [0, 1 << 62], ids=["located", "line by line"])
def test_a_scan_counts_the_newlines_of_its_block(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, locate_from: int) -> None:
    monkeypatch.setenv("SCDIAG_MATCHER", "re2")
    monkeypatch.setattr(logscan, "_LOCATE_FROM_CHARS", locate_from)
    texts = [*blocks(log(5), 300), "", "\n", "ok", "ok\n", "\n\nOOMKilled\n\n", "ok\nOOMKilled"]
    assert [matcher.block_scan(text)()[1] for text in texts] == [text.count("\n") for text in texts]


@pytest.mark.parametrize("width", [5, 31, 33, 150, 5000], ids=lambda width: f"lines of {width} bytes")
@pytest.mark.parametrize("failing", [(), (0,), (700,), (700, 9000), (-1,)], ids=["none", "first", "one", "two", "last"])
def test_a_large_blocks_lines_are_numbered_alike_however_its_newlines_are_counted(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, width: int, failing: tuple[int, ...]) -> None:
    """Short lines are counted byte by byte, longer ones by deleting the newlines: the same indexes and counts."""
    lines = [("x" * (width - 1))[: width - 1] for _ in range(max(200, (256 << 10) // width))]
    for at in failing:
        lines[at % len(lines)] = "OOMKilled"
    texts = ["\n".join(lines) + "\n", "\n".join(lines)]
    by_line, located = _found_both_ways(monkeypatch, matcher, texts)
    assert located == by_line
    assert [len(found) for found in by_line] == [len(set(at % len(lines) for at in failing))] * 2
    assert [matcher.block_scan(text)()[1] for text in texts] == [text.count("\n") for text in texts]


def test_an_alternation_re2_refuses_leaves_the_set_to_ask_line_by_line(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher) -> None:
    texts = blocks(log(7), 500)
    by_line, _located = _found_both_ways(monkeypatch, matcher, texts)
    refused = LogMatcher.for_patterns(PATTERNS, extra=ENGINE_LINE_RULES)
    tight = logscan._options()
    tight.max_mem = 1 << 10  # far below what the alternation needs

    monkeypatch.setattr(logscan, "_options", lambda: tight)
    assert [list(refused.scan_text(text)) for text in texts] == by_line
    assert refused._locators["lines"] is None
