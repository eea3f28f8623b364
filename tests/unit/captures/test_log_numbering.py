"""A log text numbered by the collector as it scans reads as one numbered block by block before it is handed on."""

from __future__ import annotations

import io

import pytest

from scdiag.analysis.logscan import LogMatcher
from scdiag.analysis.signals import TAIL_LINES
from scdiag.captures import collector as collector_module
from scdiag.captures import text as text_module
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.jsontext import BufferedSink
from scdiag.captures.text import PlainLogReader
from scdiag.models import LogEntry, SourceLocation
from scdiag.ports import CaptureSource

FAILING = "java.lang.OutOfMemoryError: Java heap space"


def _source(text: str) -> CaptureSource:
    return CaptureSource(name="app.log", head=text[:4096], open=lambda: io.StringIO(text, newline=None))


def _read(matcher: LogMatcher, text: str, *, buffered: bool) -> tuple[int, list[tuple[int, list[tuple[int | None, str]]]]]:
    """(line count, per stream: total lines and the kept lines with their numbers)."""
    collector = CaptureCollector(matcher)
    collector.begin_input("app.log")
    if buffered:
        # Any sink but the collector gets the blocks numbered by the reader.
        sink = BufferedSink()
        count = PlainLogReader().read(_source(text), sink)
        sink.replay(collector)
    else:
        count = PlainLogReader().read(_source(text), collector)
    collector.end_input("plain-log-text", count)
    data = collector.build(provider="aws", service="web", deployment_id=None, inputs=())
    logs = [(log.total_lines, [(entry.location.line if entry.location else None, entry.message) for entry in log.entries]) for log in data.logs]
    return count, logs


def _ordinary(count: int) -> list[str]:
    return [f"2026-11-20T14:00:00Z INFO GET /api/orders/{n} 200" for n in range(count)]


TEXTS = {
    "plain": "\n".join([*_ordinary(400), FAILING, *_ordinary(900), FAILING, *_ordinary(30)]) + "\n",
    "blank lines first, between and last": "\n\n\n" + "\n".join([*_ordinary(300), "", "", FAILING, *_ordinary(500)]) + "\n\n\n\n",
    "no newline at the end": "\n".join([*_ordinary(1200), FAILING]),
    "a block of blank lines": "\n".join(_ordinary(200)) + "\n" * 3000 + "\n".join([FAILING, *_ordinary(200)]),
    "crlf": "\r\n".join([*_ordinary(700), FAILING, *_ordinary(700)]),
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_the_collector_numbers_a_text_as_the_reader_does(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, text: str) -> None:
    # Small blocks, most of them scanned on the workers.
    monkeypatch.setattr(text_module, "BLOCK_CHARS", 2048)
    monkeypatch.setattr(collector_module, "_BLOCKS_BEFORE_WORKERS", 1)
    numbered_here = _read(matcher, text, buffered=False)
    assert numbered_here == _read(matcher, text, buffered=True)
    count, logs = numbered_here
    assert count == text.replace("\r\n", "\n").count("\n") + (0 if text.endswith("\n") else 1)
    assert any(message == FAILING for _total, kept in logs for _line, message in kept)


@pytest.mark.parametrize("block_chars", [2048, 512], ids=["blocks longer than the tail", "blocks shorter than the tail"])
@pytest.mark.parametrize("end", ["\n", "\n" * 700, ""], ids=["one newline", "blank lines filling blocks", "no newline"])
def test_the_last_lines_of_a_text_are_kept_with_their_numbers(monkeypatch: pytest.MonkeyPatch, matcher: LogMatcher, end: str, block_chars: int) -> None:
    monkeypatch.setattr(text_module, "BLOCK_CHARS", block_chars)
    monkeypatch.setattr(collector_module, "_BLOCKS_BEFORE_WORKERS", 1)
    lines = [f"GET /api/orders/{n} 200" for n in range(1, 1301)]

    _count, [(_total, kept)] = _read(matcher, "\n".join(lines) + end, buffered=False)

    assert kept[-TAIL_LINES:] == [(number, f"GET /api/orders/{number} 200") for number in range(1301 - TAIL_LINES, 1301)]


def test_lines_given_after_a_text_follow_its_last_lines_in_the_tail(matcher: LogMatcher) -> None:
    collector = CaptureCollector(matcher)
    collector.begin_input("app.log")
    blocks = ["".join(f"GET /api/orders/{n} 200\n" for n in range(1, 61)).encode()]
    collector.add_log_text(blocks, source="app", stream="web", parse=lambda raw, line: LogEntry(message=raw, location=SourceLocation("app.log", line)))
    collector.add_log_lazy("GET /api/orders/61 200", "app", "web", lambda: LogEntry(message="GET /api/orders/61 200"))
    collector.end_input("plain-log-text", 61)

    (log,) = collector.build(provider="aws", service="web", deployment_id=None, inputs=()).logs

    assert [entry.message for entry in log.entries] == [f"GET /api/orders/{n} 200" for n in range(61 - TAIL_LINES + 1, 62)]
