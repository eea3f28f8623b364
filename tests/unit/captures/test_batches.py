"""A batch of lazily given lines or events keeps what the same calls one by one keep."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scdiag.analysis.logscan import LogMatcher
from scdiag.captures.collector import CaptureCollector
from scdiag.models import DiagnosticData, DiagnosticEvent, LogEntry, SourceLocation

ORDINARY = "GET /api/products/{} 200 served in 12ms"
FAILING = "java.lang.OutOfMemoryError: Java heap space"


def _data(collector: CaptureCollector) -> DiagnosticData:
    return collector.build(provider="aws", service="web", deployment_id=None, inputs=())


def _lines(count: int, failing_at: set[int]) -> list[tuple[str, str, str, Callable[[], LogEntry]]]:
    messages = [FAILING if index in failing_at else ORDINARY.format(index) for index in range(count)]
    return [(message, "cloudwatch-logs", "web/1", lambda message=message: LogEntry(message=message)) for message in messages]  # type: ignore[misc]


def _one_by_one_lines(matcher: LogMatcher, lines: list[tuple[str, str, str, Callable[[], LogEntry]]]) -> DiagnosticData:
    collector = CaptureCollector(matcher)
    for message, source, stream, build in lines:
        collector.add_log_lazy(message, source, stream, build)
    return _data(collector)


def _batched_lines(matcher: LogMatcher, lines: list[tuple[str, str, str, Callable[[], LogEntry]]], size: int) -> DiagnosticData:
    collector = CaptureCollector(matcher)
    for start in range(0, len(lines), size):
        collector.add_logs_lazy(lines[start : start + size])
    return _data(collector)


@pytest.mark.parametrize("failing_at", [set(), {3}, {0, 700, 1999}], ids=["none", "one", "several"])
def test_batched_lines_keep_what_lines_one_by_one_keep(matcher: LogMatcher, failing_at: set[int]) -> None:
    lines = _lines(2000, failing_at)
    one_by_one, batched = _one_by_one_lines(matcher, lines), _batched_lines(matcher, lines, 256)
    assert [(log.total_lines, [e.message for e in log.entries]) for log in batched.logs] == [(log.total_lines, [e.message for e in log.entries]) for log in one_by_one.logs]
    assert sum(e.message == FAILING for log in batched.logs for e in log.entries) == len(failing_at)


def test_a_matcher_anchored_to_the_whole_text_asks_line_by_line() -> None:
    """\\A means the start of each line asked alone; in a batch joined by newlines it would mean only the first."""
    from scdiag.analysis.logscan import LogRule
    from scdiag.analysis.patterns import compile_regex

    matcher = LogMatcher([LogRule(None, compile_regex(r"\AFATAL"))])
    assert not matcher.batchable
    ok = ("ok", "s", "a", lambda: LogEntry(message="ok"))
    # The failing line second in its batch, and far from the tail, which is kept whatever it says.
    lines = [ok, ("FATAL: gone", "s", "a", lambda: LogEntry(message="FATAL: gone"))] + [ok] * 600
    kept = [e.message for log in _batched_lines(matcher, lines, 256).logs for e in log.entries]
    assert kept.count("FATAL: gone") == 1


def _events(count: int, evicted_at: set[int]) -> list[tuple[str, str, str, Callable[[], DiagnosticEvent | None]]]:
    events = []
    for index in range(count):
        reason = "Evicted" if index in evicted_at else "RequestServed"
        message = f"served request {index}"
        events.append((message, reason, "azure-system", lambda message=message, reason=reason: DiagnosticEvent(message=message, reason=reason, source="azure-system")))  # type: ignore[misc]
    return events


@pytest.mark.parametrize("evicted_at", [set(), {2500}, {2100, 4999}], ids=["none", "one", "two"])
def test_batched_events_keep_what_events_one_by_one_keep(matcher: LogMatcher, evicted_at: set[int]) -> None:
    """Past the first 2,000 events only those an indicator can match are kept, by message or by reason alone."""
    events = _events(5000, evicted_at)
    one_by_one, batched = CaptureCollector(matcher), CaptureCollector(matcher)
    for message, reason, source, build in events:
        one_by_one.add_event_lazy(message, reason, source, build)
    for start in range(0, len(events), 256):
        batched.add_events_lazy(events[start : start + 256])

    def kept(collector: CaptureCollector) -> list[tuple[str, str | None]]:
        return [(e.message, e.reason) for group in _data(collector).events for e in group.events]

    assert kept(batched) == kept(one_by_one)
    assert sum(reason == "Evicted" for _message, reason in kept(batched)) == len(evicted_at)


def _blocks_read(matcher: LogMatcher, blocks: list[str]) -> DiagnosticData:
    collector = CaptureCollector(matcher)
    first = 1
    for block in blocks:
        collector.add_log_block(block, source="file", stream="app.log", first_line=first, parse=lambda raw, line: LogEntry(message=raw, location=SourceLocation("app.log", line)))
        first += block.count("\n")
    return _data(collector)


def test_blocks_scanned_on_workers_keep_what_blocks_scanned_in_line_keep(matcher: LogMatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors in every block, so the engine's error rule fills its share mid-stream while later blocks are already being scanned."""
    import scdiag.captures.collector as collector_module

    blocks = ["".join(f"{ORDINARY.format(index)}\nERROR request {block}-{index} failed\n" if index % 7 == 0 else f"{ORDINARY.format(index)}\n" for index in range(60)) for block in range(40)]
    blocks[25] += FAILING + "\n"
    monkeypatch.setattr(collector_module, "_BLOCKS_BEFORE_WORKERS", 10**9)
    in_line = _blocks_read(matcher, blocks)
    monkeypatch.setattr(collector_module, "_BLOCKS_BEFORE_WORKERS", 0)
    monkeypatch.setattr(collector_module, "_SCAN_WORKERS", 2)
    on_workers = _blocks_read(matcher, blocks)

    def kept(data: DiagnosticData) -> list[tuple[int | None, str]]:
        return [(entry.location.line if entry.location else None, entry.message) for log in data.logs for entry in log.entries]

    assert kept(on_workers) == kept(in_line)
    assert any(message == FAILING for _line, message in kept(on_workers))
    assert sum("ERROR request" in message for _line, message in kept(in_line)) < 40 * 9


def test_votes_told_at_once_count_as_many(matcher: LogMatcher) -> None:
    """A reader that tells how many rows named an app counts the same as one hint a row."""
    at_once, one_by_one = CaptureCollector(matcher), CaptureCollector(matcher)
    at_once.hint(provider="azure", service="web", deployment_id="web--rev7", votes=3)
    at_once.hint(provider="azure", service="api")
    for _ in range(3):
        one_by_one.hint(provider="azure", service="web", deployment_id="web--rev7")
    one_by_one.hint(provider="azure", service="api")
    assert (at_once.providers, at_once.services, at_once.deployments) == (one_by_one.providers, one_by_one.services, one_by_one.deployments)
    assert at_once.services.most_common(1) == [("web", 3)]
