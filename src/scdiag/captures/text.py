"""The last-resort reader: any text is a container log.

It reads in blocks of complete lines and hands them to the sink unparsed;
only the lines that matter are ever parsed (timestamp, level), so a 1 GB log
reads at close to the speed of the disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from typing import ClassVar, TextIO

from scdiag.captures import inputs
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.inputs import as_input_text, input_line_blocks
from scdiag.captures.jsontext import unexpected_shape
from scdiag.captures.logtext import detect_level, split_timestamp
from scdiag.models import LogEntry, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

__all__ = ["BLOCK_CHARS", "PlainLogReader", "stream_blocks"]

BLOCK_CHARS = 1 << 20


def stream_blocks(source: CaptureSource, sink: CaptureSink, *, log_source: str, stream: str) -> int:
    """Feed the whole text to the sink in blocks of complete lines; return the line count."""
    name = source.name

    def parse(raw: str, line: int) -> LogEntry:
        timestamp, message = split_timestamp(raw)
        return LogEntry(
            message=message,
            timestamp=timestamp,
            level=detect_level(message),
            stream=stream,
            location=SourceLocation(name, line),
        )

    if isinstance(sink, CaptureCollector):
        # The collector numbers the blocks itself: each block's newlines are counted once, by its scan.
        return sink.add_log_text(_byte_blocks(source), source=log_source, stream=stream, parse=parse)
    lines = 0
    for block in _blocks(source):
        if lines == 0:
            # Blank lines before the first line are no log lines (a rendering cut out of a paste starts so).
            stripped = block.lstrip("\n")
            lines = len(block) - len(stripped)
            block = stripped
            if not block:
                continue
        body = block.rstrip("\n")
        # One count serves both: the lines of the body for the sink, and the blank ones after it for the numbering.
        in_body = body.count("\n") + 1 if body else 0
        trailing = len(block) - len(body)
        sink.add_log_block(body, source=log_source, stream=stream, first_line=lines + 1, parse=parse, lines=in_body)
        lines += in_body + max(0, trailing - 1) if body else trailing
    return lines


def _blocks(source: CaptureSource) -> Iterator[str]:
    """The text in blocks of complete lines (each ending with a newline, but the text's last)."""
    with source.open() as text:
        yield from _text_blocks(text)


def _byte_blocks(source: CaptureSource) -> Iterator[str | bytes]:
    """As :func:`_blocks`, in UTF-8 bytes where the input has them (a file, a pipe), decoded as its text would be.

    The scan reads bytes: a block decoded here would be encoded again for it,
    and only the lines it keeps are decoded. A line is never longer than the
    input's line limit, so reading on to the block's last newline is bounded.
    """
    with source.open() as text:
        blocks = input_line_blocks(text, BLOCK_CHARS)
        if blocks is None:
            yield from _text_blocks(text)
            return
        for block in blocks:
            yield as_input_text(block)


def _text_blocks(text: TextIO) -> Iterator[str]:
    """Blocks of about :data:`BLOCK_CHARS` characters of whole lines, ended as a file's byte blocks
    are (:func:`~scdiag.captures.inputs.input_line_blocks`): at the last newline of a full block's
    last :data:`~scdiag.captures.inputs.LINE_END_LOOKAHEAD` characters, the rest carried to the
    next block; else at the end of the line running over it. An ASCII text is cut into the same
    blocks either way, so what is counted per block is the same."""
    carry = ""
    while True:
        chunk = text.read(BLOCK_CHARS - len(carry))
        if not chunk:
            if carry:
                yield carry
            return
        block, carry = carry + chunk, ""
        if block.endswith("\n"):
            yield block
            continue
        lookahead = inputs.LINE_END_LOOKAHEAD
        cut = block.rfind("\n", len(block) - lookahead) if len(block) == BLOCK_CHARS > lookahead else -1
        if cut >= 0:
            block, carry = block[: cut + 1], block[cut + 1 :]
            yield block
        else:
            yield block + text.readline()


class PlainLogReader:
    """Plain text of any runtime: one log line per line, timestamps optional."""

    name: ClassVar[str] = "plain-log-text"
    provider: ClassVar[str | None] = None

    def sniff(self, source: CaptureSource) -> float:
        """A little sure of any text: every more specific reader wins over it."""
        return 0.01 if source.head.strip() else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """Every line, as a log line of a stream named after the input."""
        with unexpected_shape(source, self.name):
            stream = PurePath(source.name).name or source.name
            return stream_blocks(source, sink, log_source="container-log", stream=stream)
