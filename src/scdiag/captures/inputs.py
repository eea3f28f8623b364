"""Opening capture inputs: files, directories, pipes, standard input, gzip.

The encoding is taken from the bytes: a UTF-8 BOM, UTF-16 or UTF-32 (with a
BOM, or UTF-16 recognised by its zero bytes, as PowerShell's ``>`` writes it)
are decoded as such; anything else is UTF-8 with undecodable bytes replaced
(and counted as a problem). Newlines of any convention are normalised, NUL
bytes are dropped, and binary files are refused with one clear line.

Pipes (``<(cmd)``, FIFOs, standard input) can be read only once, so they are
spooled to a temporary file first. Everything is streamed under the limits
of :class:`InputLimits`: the bytes read from one input, the bytes a gzip
input may unpack to and the length of one line; what a limit cuts is said
once per input.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO, cast

import attrs

from scdiag._records import mutable_record, record
from scdiag._units import format_size
from scdiag.errors import CaptureError
from scdiag.ports import CaptureSource

__all__ = ["HEAD_BYTES", "LINE_END_LOOKAHEAD", "CaptureInput", "InputLimits", "as_input_text", "expand_inputs", "input_bytes", "input_line_blocks", "input_longer_than", "open_input"]

HEAD_BYTES = 64 * 1024
"""How much of an input the readers see when deciding whether it is theirs."""

_GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SPOOL_CHUNK = 1 << 20


@record
class InputLimits:
    """How much of one input is read (``captures`` in the configuration)."""

    max_file_bytes: int = 8 * 1024**3
    max_decompressed_bytes: int = 8 * 1024**3
    max_line_bytes: int = 1024**2
    max_document_chars: int = 64 * 1024**2
    plugin_reader_seconds: float = 300.0
    """A plugin's reader is abandoned after this long on one input (its sniffer after a tenth of it, at most 10 s)."""


@mutable_record
class _Cuts:
    """What the limits cut from one input, however often it was opened."""

    file: bool = False
    decompressed: bool = False
    lines: int = 0


@record
class CaptureInput:
    """An input as opened: its source for readers, and facts about its bytes."""

    source: CaptureSource
    binary: bool = False
    empty: bool = False
    bad_bytes: bool = False
    """Some bytes were not valid in the input's encoding and were replaced."""
    encoding: str = "utf-8"
    limits: InputLimits = InputLimits()
    _cuts: _Cuts = attrs.field(factory=_Cuts, alias="cuts")

    def limit_problems(self) -> list[str]:
        """One line per limit that cut something, after the input was read."""
        problems = []
        if self._cuts.file:
            problems.append(f"only the first {format_size(self.limits.max_file_bytes)} were read (captures.max_file_size)")
        if self._cuts.decompressed:
            problems.append(f"only the first {format_size(self.limits.max_decompressed_bytes)} of the unpacked content were read (captures.max_decompressed_size)")
        if self._cuts.lines:
            problems.append(f"{self._cuts.lines} line(s) longer than {format_size(self.limits.max_line_bytes)} were cut at that length (captures.max_line_length)")
        return problems


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


class _Wrapping(io.RawIOBase):
    """A readable raw stream over another binary stream, closing it when closed."""

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._inner = inner

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._inner.close()
        super().close()


_PROBE_PIECE = 1 << 20
"""Bytes :meth:`_Bounded.longer_than` reads at a time, into one buffer: no fresh pages for each piece."""
_PIECE_FLOOR = 64 << 10
"""A line limit below which :meth:`_Bounded.longer_than` does not try (its pieces would be that short)."""

LINE_END_LOOKAHEAD = 4096
"""Bytes at a block's end looked through for its last newline (a line is rarely longer); the text
path ends its blocks alike (:func:`scdiag.captures.text.stream_blocks`)."""


class _Bounded(_Wrapping):
    """UTF-8 bytes of one input with NULs dropped, overlong lines cut and the total capped."""

    def __init__(self, inner: BinaryIO, limit: int, line_limit: int, cuts: _Cuts, *, decompressed: bool) -> None:
        super().__init__(inner)
        self._left = limit
        self._line_limit = line_limit
        self._cuts = cuts
        self._decompressed = decompressed
        self._line = 0
        self._line_counted = False
        self._lines_cut = 0
        raw = getattr(inner, "raw", None)
        stored = isinstance(inner, io.BufferedReader) and isinstance(raw, io.FileIO) and hasattr(os, "pread")
        self._file = inner.fileno() if stored else None
        """The descriptor of a file read as it is stored (not decompressed, transcoded or spooled), where it can be read in place."""

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._chunk(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def read_lines(self, size: int) -> bytes:
        """About ``size`` bytes of whole lines (the input's last may have no newline); ``b""`` at its end.

        Read from the inner stream straight into the block: through a buffered
        reader, each byte of a large log would be copied three times more.
        """
        pieces: list[bytes] = []
        read = 0
        # A chunk is at most a line's limit long: a block longer than that takes several.
        while read < size:
            want = size - read
            ending = self._to_newline(want) if want <= self._line_limit else want
            chunk = self._chunk(ending)
            if not chunk:
                break
            pieces.append(chunk)
            read += len(chunk)
            if ending < want and chunk.endswith(b"\n"):
                break  # the block's whole lines, in one piece
        if pieces and not pieces[-1].endswith(b"\n"):
            while piece := self._chunk(self._line_limit, line=True):
                pieces.append(piece)
                if piece.endswith(b"\n"):
                    break
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def longer_than(self, chars: int) -> bool:
        """Whether the text from here on is surely more than ``chars`` characters, told from the file's bytes
        read in place, none taken; ``False`` also when that is not known so.

        It is known so when the next ``chars + 1`` bytes are ASCII without a
        NUL or carriage return and no line among them is longer than the
        line limit: each of them is then a character of the text.
        """
        if self._file is None or self._left <= chars or self._line or self._line_limit < _PIECE_FLOOR or not hasattr(os, "preadv"):
            return False
        seen = run = 0
        try:
            start = self._inner.tell()
            if os.fstat(self._file).st_size - start <= chars:
                return False  # too few bytes for that many characters: read as a paste
            # Pieces no longer than a line may be: only a line running on across pieces can be too long.
            piece = min(_PROBE_PIECE, self._line_limit)
            buffer = bytearray(piece)
            while seen <= chars:
                want = min(piece, chars + 1 - seen)
                got = os.preadv(self._file, [memoryview(buffer)[:want]], start + seen)
                if got < want:
                    return False  # the file ends first: short enough to read as a paste
                data = buffer if got == piece else buffer[:got]
                if b"\x00" in data or b"\r" in data or not data.isascii():
                    return False
                first = data.find(b"\n")
                if first < 0:
                    run += got
                else:
                    if run + first > self._line_limit:
                        return False
                    run = got - data.rfind(b"\n") - 1
                if run > self._line_limit:
                    return False
                seen += got
        except OSError:
            return False
        return True

    def _to_newline(self, size: int) -> int:
        """``size`` cut back to just after the last newline of its last :data:`LINE_END_LOOKAHEAD` bytes, read
        ahead in place (a stored file); ``size`` when there is none or the input is no such file.

        A block that ends at a newline is read in one piece: otherwise its last
        line is read after it and both are copied into one block again.
        """
        if self._file is None or size <= LINE_END_LOOKAHEAD:
            return size
        try:
            tail = os.pread(self._file, LINE_END_LOOKAHEAD, self._inner.tell() + size - LINE_END_LOOKAHEAD)
        except OSError:
            return size
        last = tail.rfind(b"\n")
        # A shorter tail: the file ends before ``size``, and its last line comes whole anyway.
        return size - LINE_END_LOOKAHEAD + last + 1 if last >= 0 and len(tail) == LINE_END_LOOKAHEAD else size

    def _chunk(self, size: int, *, line: bool = False) -> bytes:
        """The next bytes, at most ``size`` (to the next newline with ``line``); ``b""`` at the end."""
        while True:
            if self._left <= 0:
                if self._inner.read(1):
                    if self._decompressed:
                        self._cuts.decompressed = True
                    else:
                        self._cuts.file = True
                return b""
            # Chunks no longer than a line may be: only the line running across chunks can be too long.
            want = min(size, self._line_limit, self._left)
            chunk = self._inner.readline(want) if line else self._inner.read(want)
            if not chunk:
                return b""
            self._left -= len(chunk)
            if b"\x00" in chunk:
                chunk = chunk.replace(b"\x00", b"")
            chunk = self._cut_long_line(chunk)
            if chunk:
                return chunk

    def _cut_long_line(self, chunk: bytes) -> bytes:
        newline = chunk.find(b"\n")
        head = newline if newline >= 0 else len(chunk)
        if self._line + head > self._line_limit:
            if not self._line_counted:
                # An input is opened more than once (sniffing, reading): count each open's cuts, keep the most.
                self._lines_cut += 1
                self._cuts.lines = max(self._cuts.lines, self._lines_cut)
                self._line_counted = True
            keep = max(0, self._line_limit - self._line)
            chunk = chunk[:keep] + (chunk[newline:] if newline >= 0 else b"")
            if newline < 0:
                self._line += head
                return chunk
        last = chunk.rfind(b"\n")
        if last < 0:
            self._line += len(chunk)
        else:
            self._line = len(chunk) - last - 1
            self._line_counted = False
        return chunk


class _InputText(io.TextIOWrapper):
    """An input's text: UTF-8 decoded with U+FFFD for a malformed sequence, ``\r\n`` and ``\r`` read as ``\n``."""


def input_bytes(text: TextIO) -> BinaryIO | None:
    """The UTF-8 bytes under a stream :func:`open_input`'s source opened, for a reader that scans bytes; ``None`` for any other stream.

    Read them instead of the text, never both. :func:`as_input_text` makes
    a block of whole lines of them what the text stream would have decoded.
    """
    return cast(BinaryIO, text.buffer) if isinstance(text, _InputText) else None


def input_longer_than(text: TextIO, chars: int) -> bool:
    """Whether a stream :func:`open_input`'s source just opened surely holds more than ``chars`` characters,
    told without reading it through (a stored file of ASCII lines); ``False`` also when that is not known so.
    """
    bounded = getattr(input_bytes(text), "raw", None)
    return isinstance(bounded, _Bounded) and bounded.longer_than(chars)


def input_line_blocks(text: TextIO, size: int) -> Iterator[bytes] | None:
    """The UTF-8 bytes under a stream :func:`open_input`'s source just opened, in blocks of whole lines of about ``size`` bytes;
    ``None`` for any other stream.

    As with :func:`input_bytes`, read them instead of the text, never both,
    and pass each block through :func:`as_input_text`.
    """
    binary = input_bytes(text)
    bounded = getattr(binary, "raw", None)
    if not isinstance(bounded, _Bounded):
        return None
    return iter(functools.partial(bounded.read_lines, size), b"")


def as_input_text(block: bytes) -> bytes:
    """A block of whole lines of :func:`input_bytes` as the text stream decodes it, in UTF-8.

    Lines end with ``\n`` alone; a block that is not ASCII is decoded as the
    text is (a malformed sequence becomes U+FFFD) and encoded again.
    """
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return block if block.isascii() else block.decode("utf-8", "replace").encode("utf-8")


class _Transcoded(_Wrapping):
    """Another encoding's bytes as UTF-8, decoded as they stream."""

    def __init__(self, inner: BinaryIO, encoding: str) -> None:
        super().__init__(inner)
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            raw = self._inner.read(_SPOOL_CHUNK)
            self._pending = self._decoder.decode(raw, final=not raw).encode("utf-8")
            if not raw:
                break
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _encoding(head: bytes) -> tuple[str, int]:
    """The encoding of bytes that start so, and the length of their BOM."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    sample = head[:4096]
    half = len(sample) // 2
    if half >= 2:
        even_zero = sample[0::2].count(0)
        odd_zero = sample[1::2].count(0)
        # ASCII text in UTF-16 without a BOM: every other byte is zero.
        if odd_zero > 0.4 * half and even_zero < 0.05 * half:
            return "utf-16-le", 0
        if even_zero > 0.4 * half and odd_zero < 0.05 * half:
            return "utf-16-be", 0
    return "utf-8", 0


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
"""Control characters that text does not hold (tab, newlines, form feed and carriage return excluded)."""


def _looks_binary(head: bytes) -> bool:
    sample = head[:4096]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > 0.1


def _spool(stream: BinaryIO, limit: int, cuts: _Cuts) -> BinaryIO:
    """A pipe's bytes in a temporary file, up to ``limit``: a pipe can be read only once."""
    import tempfile  # only for a pipe: most inputs are files

    spool = tempfile.TemporaryFile()
    left = limit
    while left > 0 and (chunk := stream.read(min(_SPOOL_CHUNK, left))):
        spool.write(chunk)
        left -= len(chunk)
    if left <= 0 and stream.read(1):
        cuts.file = True
    spool.flush()
    return spool


def _reopen(spool: BinaryIO) -> BinaryIO:
    duplicate = os.fdopen(os.dup(spool.fileno()), "rb")
    duplicate.seek(0)
    return duplicate


def _stored_opener(name: str, path: Path | None, stdin: BinaryIO | None, limits: InputLimits, cuts: _Cuts) -> Callable[[], BinaryIO]:
    """How to open the input's stored bytes again and again; pipes are spooled first."""
    if path is None:
        spool = _spool(stdin or sys.stdin.buffer, limits.max_file_bytes, cuts)
        return lambda: _reopen(spool)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            return lambda: open(path, "rb")
        with open(path, "rb") as pipe:
            spool = _spool(pipe, limits.max_file_bytes, cuts)
    except OSError as error:
        raise CaptureError(name, f"cannot open: {error.strerror or error}") from None
    return lambda: _reopen(spool)


def open_input(name: str, path: Path | None, stdin: BinaryIO | None = None, limits: InputLimits | None = None) -> CaptureInput:
    """Open one input for sniffing and streaming.

    Raises:
        CaptureError: the file cannot be opened or read.
    """
    limits = limits or InputLimits()
    cuts = _Cuts()
    if path is None:
        name = "<stdin>"
    stored = _stored_opener(name, path, stdin, limits, cuts)
    try:
        with stored() as probe:
            magic = probe.read(2)
    except OSError as error:
        raise CaptureError(name, f"cannot open: {error.strerror or error}") from None
    gzipped = magic == _GZIP_MAGIC

    def unpacked() -> BinaryIO:
        raw = stored()
        if gzipped:
            import gzip  # only for a gzipped input

            return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        return raw

    try:
        with unpacked() as binary:
            head_bytes = binary.read(HEAD_BYTES)
    except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
        raise CaptureError(name, f"cannot read: {error}") from None
    encoding, bom = _encoding(head_bytes)
    limit = limits.max_decompressed_bytes if gzipped else limits.max_file_bytes

    def utf8() -> BinaryIO:
        binary = unpacked()
        if bom:
            binary.read(bom)
        if encoding != "utf-8":
            return io.BufferedReader(_Transcoded(binary, encoding), _SPOOL_CHUNK)
        return binary

    def text() -> TextIO:
        bounded = _Bounded(utf8(), limit, limits.max_line_bytes, cuts, decompressed=gzipped)
        # newline=None: \r\n and \r become \n, so Windows captures read like any other.
        return _InputText(io.BufferedReader(bounded, _SPOOL_CHUNK), encoding="utf-8", errors="replace", newline=None)

    decoded = head_bytes[bom:].decode(encoding, errors="replace")
    # A multi-byte character cut at the sample's end is not a bad byte.
    bad = "\ufffd" in decoded[:-3]
    head = decoded.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    source = CaptureSource(name=name, head=head, open=text, document_limit=limits.max_document_chars)
    is_binary = encoding == "utf-8" and _looks_binary(head_bytes)
    return CaptureInput(source, binary=is_binary, empty=not head.strip(), bad_bytes=bad, encoding=encoding, limits=limits, cuts=cuts)
