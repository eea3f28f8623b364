"""A plain log read from a file as bytes gives the collector what reading its text gives it."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from scdiag.analysis.logscan import LogMatcher
from scdiag.captures import collector as collector_module
from scdiag.captures import inputs
from scdiag.captures import text as text_module
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.inputs import InputLimits, input_line_blocks, open_input
from scdiag.captures.text import PlainLogReader

FAILING = "java.lang.OutOfMemoryError: Java heap space"


def _lines(count: int, word: str = "orders") -> list[str]:
    return [f"2026-11-20T14:00:00Z INFO GET /api/{word}/{n} 200" for n in range(count)]


def _log(separator: str = "\n", word: str = "orders") -> str:
    return separator.join([*_lines(400, word), FAILING, *_lines(900, word), FAILING, *_lines(30, word)]) + separator


CONTENTS = {
    "ascii": _log().encode(),
    "crlf": _log("\r\n").encode(),
    "lone cr": _log("\r").encode(),
    "crlf and lone cr mixed": (_log("\r\n") + _log("\r") + _log()).encode(),
    "no newline at the end": _log().rstrip("\n").encode(),
    "blank lines first and last": b"\n\n\n" + _log().encode() + b"\n\n\n",
    "blank lines filling whole blocks": _log().encode() + b"\n" * 5000 + _log().encode() + b"\n" * 700,
    "utf-8 beyond ascii": _log(word="caf\u00e9-\u65e5\u672c").encode(),
    "malformed utf-8": _log().encode().replace(b"GET /api/orders/7 ", b"GET /api/\xff\xfe/7 ").replace(b"/api/orders/9 ", b"/api/caf\xc3\n"),
    "nul bytes": _log().encode().replace(b"/api/orders/3 ", b"/api/\x00orders/3 "),
    "byte order mark": b"\xef\xbb\xbf" + _log().encode(),
    "a line longer than the line limit": _log().encode() + b"x" * (1024**2 + 10) + b"\n" + FAILING.encode() + b"\n",
}


def _read(matcher: LogMatcher, path: Path) -> tuple[int, Any]:
    """The line count and the logs the collector built from the file."""
    collector = CaptureCollector(matcher)
    collector.begin_input(path.name)
    count = PlainLogReader().read(open_input(path.name, path).source, collector)
    collector.end_input("plain-log-text", count)
    return count, collector.build(provider="aws", service="web", deployment_id=None, inputs=()).logs


@pytest.fixture(name="small_blocks")
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Blocks of 2 KiB, most of them scanned on the workers, their last newline looked for in their last 256 bytes."""
    monkeypatch.setattr(text_module, "BLOCK_CHARS", 2048)
    monkeypatch.setattr(inputs, "LINE_END_LOOKAHEAD", 256)
    monkeypatch.setattr(collector_module, "_BLOCKS_BEFORE_WORKERS", 1)
    return monkeypatch


@pytest.mark.parametrize("content", CONTENTS.values(), ids=CONTENTS.keys())
def test_a_file_read_as_bytes_gives_what_its_text_gives(small_blocks: pytest.MonkeyPatch, matcher: LogMatcher, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(content)
    as_bytes = _read(matcher, path)
    small_blocks.setattr(text_module, "input_line_blocks", lambda _text, _size: None)

    assert as_bytes == _read(matcher, path)
    assert any(entry.message == FAILING for log in as_bytes[1] for entry in log.entries)


def test_a_file_is_read_as_bytes(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(_log().encode())

    blocks = list(text_module._byte_blocks(open_input(path.name, path).source))

    assert blocks and all(isinstance(block, bytes) for block in blocks)


def test_a_gzipped_file_is_read_as_bytes(small_blocks: pytest.MonkeyPatch, matcher: LogMatcher, tmp_path: Path) -> None:
    path = tmp_path / "app.log.gz"
    path.write_bytes(gzip.compress(_log("\r\n").encode()))

    blocks = list(text_module._byte_blocks(open_input(path.name, path).source))

    assert blocks and all(isinstance(block, bytes) and b"\r" not in block for block in blocks)


def test_blocks_are_as_long_as_asked_under_a_shorter_line_limit(tmp_path: Path) -> None:
    """A line limit of 1 KiB cuts lines, not blocks: a log is still read in blocks of about the size asked."""
    path = tmp_path / "app.log"
    path.write_bytes(_log().encode() * 4)
    source = open_input(path.name, path, limits=InputLimits(max_line_bytes=1024)).source

    with source.open() as text:
        blocks = input_line_blocks(text, 16 * 1024)
        assert blocks is not None
        sizes = [len(block) for block in blocks]

    assert sum(sizes) == path.stat().st_size
    assert all(size >= 16 * 1024 for size in sizes[:-1])


class _Recording(CaptureCollector):
    """The blocks the plain log reader hands over."""

    blocks: list[Any]

    def add_log_text(self, blocks: Any, **kwargs: Any) -> int:
        self.blocks = list(blocks)
        return 0


def _handed_over(matcher: LogMatcher, path: Path) -> list[Any]:
    collector = _Recording(matcher)
    PlainLogReader().read(open_input(path.name, path).source, collector)
    return collector.blocks


def _blocks_of(path: Path, size: int) -> list[bytes]:
    with open_input(path.name, path).source.open() as text:
        blocks = input_line_blocks(text, size)
        assert blocks is not None
        return list(blocks)


@pytest.mark.parametrize("width", [60, 3000, 9000], ids=["short lines", "lines near the read-ahead", "lines longer than it"])
def test_a_files_blocks_end_at_its_newlines(tmp_path: Path, width: int) -> None:
    """A block of a stored file ends at a newline, read in one piece where one is near the size asked."""
    path = tmp_path / "app.log"
    content = b"".join(b"%06d " % n + b"x" * (width - 8) + b"\n" for n in range(40 * (1 << 16) // width))
    path.write_bytes(content)

    blocks = _blocks_of(path, 1 << 16)

    assert b"".join(blocks) == content
    assert all(block.endswith(b"\n") for block in blocks)
    if width < inputs.LINE_END_LOOKAHEAD:
        assert all((1 << 16) - inputs.LINE_END_LOOKAHEAD < len(block) <= 1 << 16 for block in blocks[:-1])


@pytest.mark.parametrize("name", ["ascii", "blank lines first and last", "blank lines filling whole blocks", "a line longer than the line limit"])
def test_an_ascii_file_is_cut_into_the_same_blocks_from_its_bytes_as_from_its_text(small_blocks: pytest.MonkeyPatch, matcher: LogMatcher, tmp_path: Path, name: str) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(CONTENTS[name])
    from_bytes = [block.decode() for block in _handed_over(matcher, path)]
    small_blocks.setattr(text_module, "input_line_blocks", lambda _text, _size: None)

    assert _handed_over(matcher, path) == from_bytes
    assert len(from_bytes) > 10
