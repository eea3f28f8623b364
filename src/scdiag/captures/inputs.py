"""Opening capture inputs: files, directories, standard input, gzip.

Text is decoded as UTF-8 with undecodable bytes replaced (and counted as a
problem), newlines of any convention are normalised, and binary files are
refused with one clear line. The content is streamed: nothing here reads a
whole file into memory except standard input, which can only be read once.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

import attrs

from scdiag.errors import CaptureError
from scdiag.ports import CaptureSource

__all__ = ["HEAD_BYTES", "CaptureInput", "expand_inputs", "open_input"]

HEAD_BYTES = 64 * 1024
"""How much of an input the readers see when deciding whether it is theirs."""

_GZIP_MAGIC = b"\x1f\x8b"


@attrs.frozen
class CaptureInput:
    """An input file as opened: its source for readers, and facts about its bytes."""

    source: CaptureSource
    binary: bool = False
    empty: bool = False
    bad_bytes: bool = False
    """Some bytes were not UTF-8 and were replaced."""


def expand_inputs(paths: list[str]) -> Iterator[tuple[str, Path | None]]:
    """Each file named, or found in a named directory (sorted, recursively); ``-`` is stdin."""
    for raw in paths:
        if raw == "-":
            yield "<stdin>", None
            continue
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                yield str(child), child
        else:
            yield raw, path


def _opener(path: Path, gzipped: bool) -> Callable[[], BinaryIO]:
    def open_binary() -> BinaryIO:
        if gzipped:
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")

    return open_binary


def _text(binary: BinaryIO) -> TextIO:
    # newline=None: \r\n and \r become \n, so Windows captures read like any other.
    return io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline=None)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head[:8192]:
        return True
    sample = head[:4096]
    if not sample:
        return False
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return controls / len(sample) > 0.1


def open_input(name: str, path: Path | None, stdin: BinaryIO | None = None) -> CaptureInput:
    """Open one input for sniffing and streaming.

    Raises:
        CaptureError: the file cannot be opened or read.
    """
    if path is None:
        # Standard input can be read only once: spool it to a temporary file.
        spool = tempfile.TemporaryFile()
        source_stream = stdin or sys.stdin.buffer
        while chunk := source_stream.read(1 << 20):
            spool.write(chunk)
        opener: Callable[[], BinaryIO] = lambda: _reopen(spool)  # noqa: E731
        name = "<stdin>"
    else:
        try:
            with open(path, "rb") as probe:
                magic = probe.read(2)
        except OSError as error:
            raise CaptureError(name, f"cannot open: {error.strerror or error}") from None
        opener = _opener(path, magic == _GZIP_MAGIC)
    try:
        with opener() as binary:
            head_bytes = binary.read(HEAD_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise CaptureError(name, f"cannot read: {error}") from None
    head = head_bytes.decode("utf-8", errors="replace")
    # A multi-byte character cut at the sample's end is not a bad byte.
    bad = "\ufffd" in head[:-3]
    head = head.replace("\r\n", "\n").replace("\r", "\n")
    source = CaptureSource(name=name, head=head, open=lambda: _text(opener()))
    return CaptureInput(source, binary=_looks_binary(head_bytes), empty=not head_bytes.strip(), bad_bytes=bad)


def _reopen(spool: BinaryIO) -> BinaryIO:
    duplicate = os.fdopen(os.dup(spool.fileno()), "rb")
    duplicate.seek(0)
    return duplicate
