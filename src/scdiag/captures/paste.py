"""Pastes: one input that holds several renderings, framed the way terminals and chats frame them.

People rarely hand over a clean capture file. They paste what a terminal, a
console or a CI log showed: ``$ kubectl ...`` prompt lines between outputs,
Markdown code fences, ANSI colour codes, a ``stdout:`` label, concatenated
JSON documents, ``---``-separated YAML, JSON followed by text. This module
cleans such an input and cuts it into *segments*, each of which then goes to
the reader most sure it can read it, exactly as a file would.

Two properties matter to the rest of the pipeline:

- Line numbers survive. A segment's text is prefixed with as many newlines as
  lines precede it in the input, so a reader's line numbers are the input's
  (readers skip leading blank lines, as they skip blank lines anywhere).
- YAML is read as the JSON it denotes. ``-o yaml`` and gcloud's default
  output carry the same objects as ``-o json``; each YAML segment is also
  offered as one JSON document (an array when it holds several YAML
  documents, each starting on its document's line), so the JSON readers of
  every adapter read it unchanged. Delimited tables are offered as JSON rows
  the same way.

Only inputs up to :data:`MAX_PASTE_CHARS` are examined this way; larger
inputs are real capture files and stream straight to their reader.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from scdiag import regex
from scdiag.regex import Pattern
from scdiag._records import record
from scdiag.captures.inputs import HEAD_BYTES
from scdiag.ports import CaptureSource

__all__ = ["MAX_PASTE_CHARS", "Segment", "segment_sources", "split_paste", "streamed_conversion"]

MAX_PASTE_CHARS = 8 << 20
"""Inputs longer than this are streamed whole to one reader, never segmented."""

_ANSI = regex.deferred(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]")
_FENCE = regex.deferred(r"^\s{0,3}(?:```|~~~)[\w+.-]*\s*$")
# A shell prompt before a command: "$ kubectl ...", "PS C:\> az ...", "user@host:~$ gcloud ...".
_PROMPT = regex.deferred(r"^\s*(?:\S*[$#%]|PS [^>]*>|>)\s+[A-Za-z./~][\w./-]*(?:\s|$)")
# Labels a tool or a person puts above an output: "stdout:", "Output:", "STDERR:".
_LABEL = regex.deferred(r"^\s*(?i:stdout|stderr|output)\s*:\s*$")
# A line after the first that one of the three above may match, found in the whole text: the newline
# before it, then the start each needs (only [\t\f\r ] of \s before its first character). A line
# found is only a candidate; they decide. Found by the newline (here and in _JSON_LINE_START), not by
# "(?m)^": from a literal first character RE2 goes from newline to newline at memchr's speed, about
# ten times faster.
_FRAMING = regex.deferred(r"\n[\t\f\r ]*(?:```|~~~|(?:\S*[$#%]|PS [^>\n]*>|>)[\t\f\r ]+[A-Za-z./~]|(?i:stdout|stderr|output)[\t\f\r ]*:)")
_YAML_SEPARATOR = regex.deferred(r"^---\s*$|^\.\.\.\s*$")
# A line that opens a JSON value: at a line's start, and after a newline.
_JSON_START = regex.deferred(r"[ \t]*[\[{]")
_JSON_LINE_START = regex.deferred(r"\n[ \t]*[\[{]")
_WARNING_LINES = 3
_COLUMN_NAME = regex.deferred(r"^[A-Za-z_][\w .\[\]()-]{0,60}$")
_MIN_COLUMNS = 3
# A line YAML starts with: a top-level key with a value or a nested block, or a sequence item.
_YAML_KEY = regex.deferred(r"^(?:[A-Za-z_][\w.-]*|\"[^\"]+\"):(?:\s|$)")
_YAML_ITEM = regex.deferred(r"^- (?:[A-Za-z_][\w.-]*):(?:\s|$)")
_ALIGNED_VALUE = regex.deferred(r"^\s*[A-Za-z][\w .-]*:\s{2,}\S")
_YAML_SAMPLE = 200
_PROMPT_CHARS = frozenset("$#%>")
_YAML_BLOCK_LINE = regex.deferred(r"^(?:\s+\S|- |[A-Za-z_\"][^:]*:(?:\s|$)|#|$)")


@record
class Segment:
    """One rendering cut out of a paste: its first line in the input and its text."""

    first_line: int
    text: str
    as_json: str | None = None
    """When the text is YAML or a delimited table: the JSON it denotes, each document or row on
    its own line of the input (readers choose the text or this)."""


def _clean(text: str) -> tuple[list[str], set[int]]:
    """The input's lines with colour codes and framing removed, and the lines that end a rendering."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    lines = text.split("\n")
    boundaries: set[int] = set()
    # Only the lines one pass over the text finds are tested: most texts (every log) have none.
    for index in itertools.chain([0], _lines_after(text, _FRAMING)):
        line = lines[index]
        stripped = line.lstrip()
        if not stripped:
            continue
        fence = stripped[0] in "`~" and _FENCE.match(line)
        prompt = _PROMPT_CHARS.intersection(stripped[:80]) and _PROMPT.match(line)
        label = len(stripped) <= 10 and stripped.rstrip().endswith(":") and _LABEL.match(line)
        if fence or prompt or label:
            lines[index] = ""
            boundaries.add(index)
    return lines, boundaries


def _lines_after(text: str, expression: Pattern) -> Iterator[int]:
    """Indexes of the lines of ``text`` where ``expression``, which starts with the newline before a line, is found."""
    index, counted = 0, 0
    for found in expression.finditer(text):
        newline = found.start()
        index += text.count("\n", counted, newline) + 1
        counted = newline + 1
        yield index


def _strip_stray_quote(lines: list[str]) -> None:
    """A rendering pasted out of a JSON string starts with a stray quote: ``"Name:  web``."""
    for index, line in enumerate(lines):
        if line.strip():
            stripped = line.lstrip()
            if stripped.startswith('"') and len(stripped) > 1 and stripped[1].isalpha() and stripped.count('"') == 1:
                lines[index] = stripped[1:]
            return


def _chunks(lines: list[str], boundaries: set[int]) -> Iterator[tuple[int, list[str]]]:
    """Runs of lines between boundaries: (index of the first line, lines)."""
    start = 0
    for index in [*sorted(boundaries), len(lines)]:
        if any(line.strip() for line in lines[start:index]):
            yield start, lines[start:index]
        start = index + 1


def _looks_yaml(lines: list[str]) -> bool:
    """Whether the text may be YAML, from its first lines; YAML itself decides the rest."""
    significant: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if not stripped or stripped[0] == "#" or (line[:3] in ("---", "...") and _YAML_SEPARATOR.match(line)):
            continue
        if not significant and not (_YAML_KEY.match(line) or _YAML_ITEM.match(line)):
            return False  # JSON, a table, a log: decided by the first line
        significant.append(line)
        if len(significant) >= _YAML_SAMPLE:
            break
    if not significant:
        return False
    # Values aligned in a column ("Name:   web") are a description, never a YAML dump.
    if sum(1 for line in significant if _ALIGNED_VALUE.match(line)) > len(significant) // 4:
        return False
    return all(_YAML_BLOCK_LINE.match(line) for line in significant)


def _yaml_documents(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """The documents of a YAML text split at ``---``: (index of the document's first line, its lines)."""
    start = 0
    for index, line in enumerate(lines):
        if line[:3] in ("---", "...") and _YAML_SEPARATOR.match(line):
            if any(item.strip() for item in lines[start:index]):
                yield start, lines[start:index]
            start = index + 1
    if any(item.strip() for item in lines[start:]):
        yield start, lines[start:]


def _as_json(lines: list[str]) -> str | None:
    """The JSON a YAML text denotes (an array for several documents), or ``None``.

    Each document's JSON starts on the line its YAML started on, so a reader
    locating array elements by line points at the YAML document.
    """
    parts: list[str] = []
    at_line = 0
    for start, document_lines in _yaml_documents(lines):
        while document_lines and not document_lines[0].strip():
            document_lines = document_lines[1:]
            start += 1
        yaml, loader = _yaml()
        try:
            value = yaml.load("\n".join(document_lines), Loader=loader)
            text = json.dumps(value, default=str)
        except (yaml.YAMLError, TypeError, ValueError):
            return None
        if not isinstance(value, (dict, list)):
            return None
        separator = "[" if not parts else ","
        newlines = max(start - at_line, 0)
        parts.append(separator + "\n" * newlines + text)
        at_line = start
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0][1:].lstrip("\n")
    return "".join(parts) + "]"


def _table_as_json(lines: list[str]) -> str | None:
    """A tab- or comma-separated table under a header of column names, as a JSON array of rows.

    Query results copied from a portal's grid, or exported as CSV, carry the
    same rows a query API returns as JSON.
    """
    # The header decides first: the rows are only listed under one that names columns.
    numbered = ((index, line) for index, line in enumerate(lines) if line.strip())
    header_at, header = next(numbered, (0, ""))
    first_row = next(numbered, None)
    if first_row is None:
        return None
    delimiter = "\t" if "\t" in header else "," if "," in header else None
    if delimiter is None:
        return None
    import csv  # only for a table: most inputs are none

    names = [name.strip() for name in next(csv.reader([header], delimiter=delimiter))]
    if len(names) < _MIN_COLUMNS or not all(_COLUMN_NAME.match(name) for name in names):
        return None
    # Each row's JSON sits on the row's own line, so evidence points at the row.
    parts: list[str] = []
    at_line = header_at
    for index, line in itertools.chain([first_row], numbered):
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if len(cells) != len(names):
            return None
        parts.append(("[" if not parts else ",") + "\n" * (index - at_line) + json.dumps(dict(zip(names, cells))))
        at_line = index
    return "".join(parts) + "]"


def _non_blank(text: str) -> int:
    return sum(1 for line in text.split("\n") if line.strip())


def _json_documents(first_line: int, lines: list[str]) -> Iterator[Segment]:
    """Cut concatenated pretty-printed JSON documents apart; the text around them stays whole.

    A few lines before a document (a CLI's warnings) stay with it; a longer
    text before it is a rendering of its own. JSON lines (one document per
    line) are one rendering, not thousands: only a document spanning several
    lines ends a segment.
    """
    text = "\n".join(lines)
    decoder = json.JSONDecoder()
    segment_start = 0
    line_at = first_line
    while True:
        found = _json_line(text, segment_start)
        if found is None:
            break
        line_start, value_start = found
        try:
            _value, end = decoder.raw_decode(text, value_start)
        except json.JSONDecodeError:
            break
        if "\n" not in text[value_start:end]:
            break
        prefix = text[segment_start:line_start]
        if _non_blank(prefix) > _WARNING_LINES:
            yield Segment(line_at, prefix.rstrip("\n"))
            line_at += prefix.count("\n")
            segment_start = line_start
        newline = text.find("\n", end)
        if newline < 0 or not text[newline:].strip():
            break
        yield Segment(line_at, text[segment_start:newline])
        line_at += text.count("\n", segment_start, newline) + 1
        segment_start = newline + 1
    remainder = text[segment_start:]
    if remainder.strip():
        yield Segment(line_at, remainder)


def _json_line(text: str, start: int) -> tuple[int, int] | None:
    """The first line from ``start`` (a line's start) that opens a JSON value: (its start, the bracket's offset)."""
    found = _JSON_START.match(text, start) if text[start : start + 1] in (" ", "\t", "[", "{") else None
    if found is not None:
        return start, found.end() - 1
    found = _JSON_LINE_START.search(text, start)
    return None if found is None else (found.start() + 1, found.end() - 1)


def _pieces(start: int, chunk: list[str]) -> Iterator[tuple[int, list[str]]]:
    """A chunk of YAML documents stays whole (YAML reads them all); elsewhere ``---`` ends a rendering."""
    if _looks_yaml(chunk):
        yield start, chunk
        return
    for offset, piece in _yaml_documents(chunk):
        yield start + offset, piece


def split_paste(text: str) -> list[Segment]:
    """The renderings of one input, in order, each with its first line (1-based)."""
    lines, boundaries = _clean(text)
    segments: list[Segment] = []
    for chunk_start, chunk in _chunks(lines, boundaries):
        _strip_stray_quote(chunk)
        for start, piece in _pieces(chunk_start, chunk):
            first_line = start + 1
            while piece and not piece[0].strip():
                piece = piece[1:]
                first_line += 1
            converted = _as_json(piece) if _looks_yaml(piece) else _table_as_json(piece)
            if converted is not None:
                segments.append(Segment(first_line, "\n".join(piece), as_json=converted))
            else:
                segments.extend(_json_documents(first_line, piece))
    return segments


def segment_sources(name: str, segment: Segment) -> list[CaptureSource]:
    """Capture sources for one segment (its text, and the JSON of its YAML), numbered as the input."""
    padding = "\n" * (segment.first_line - 1)
    sources = [_source(name, segment.text, padding)]
    if segment.as_json is not None:
        sources.append(_source(name, segment.as_json, padding))
    return sources


def _source(name: str, text: str, padding: str) -> CaptureSource:
    padded = padding + text
    return CaptureSource(name=name, head=text[:HEAD_BYTES], open=lambda: io.StringIO(padded))


@functools.cache
def _yaml() -> tuple[Any, Any]:
    """PyYAML and its loader, imported on the first YAML paste (most inputs are not YAML)."""
    import yaml

    # libyaml's loader is several times faster; the pure-Python one reads the same.
    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Converted(io.TextIOBase):
    """A text stream converted on the fly, line for line: what ``lines`` yields, read as a file."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer = ""

    def readable(self) -> bool:
        return True

    def _fill(self, size: int) -> None:
        parts = [self._buffer]
        length = len(self._buffer)
        for line in self._lines:
            parts.append(line)
            length += len(line)
            if size >= 0 and length >= size:
                break
        self._buffer = "".join(parts)

    def read(self, size: int | None = -1) -> str:
        wanted = -1 if size is None or size < 0 else size
        if wanted < 0 or len(self._buffer) < wanted:
            self._fill(wanted)
        if wanted < 0:
            text, self._buffer = self._buffer, ""
        else:
            text, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
        return text

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]  # typeshed types IOBase.readline as bytes
        while "\n" not in self._buffer:
            before = len(self._buffer)
            self._fill(len(self._buffer) + 1)
            if len(self._buffer) == before:
                break
        end = self._buffer.find("\n")
        end = len(self._buffer) if end < 0 else end + 1
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line


_YAML_BATCH = 256
"""Documents parsed together: one loader for many small documents (log entries) costs far less."""


def _yaml_values(documents: list[str]) -> list[object]:
    """Each document's value, ``None`` for one that is not YAML (or not JSON-able)."""
    yaml, loader = _yaml()
    try:
        values = list(yaml.load_all("---\n" + "---\n".join(documents), Loader=loader))
        if len(values) == len(documents):
            return values
    except yaml.YAMLError:
        pass
    # One document spoils its batch: each alone, so only it is lost.
    single: list[object] = []
    for document in documents:
        try:
            single.append(yaml.load(document, Loader=loader))
        except yaml.YAMLError:
            single.append(None)
    return single


def _yaml_stream(stream: Iterator[str]) -> Iterator[str]:
    """YAML documents as one JSON array, each document's JSON on its first line, blank lines after it."""
    state = {"bracket": False, "first": True}
    batch: list[tuple[list[str], bool]] = []
    """Each document's lines, and whether a separator line followed it."""
    document: list[str] = []

    def opening() -> str:
        if not state["bracket"]:
            state["bracket"] = True
            return "["
        return ""

    def flush() -> Iterator[str]:
        texts = ["".join(lines) for lines, _separated in batch if any(line.strip() for line in lines)]
        values = iter(_yaml_values(texts) if texts else [])
        for lines, separated in batch:
            if any(line.strip() for line in lines):
                try:
                    text = json.dumps(next(values), default=str)
                except (TypeError, ValueError):
                    text = "null"
                yield opening() + ("" if state["first"] else ",") + text + "\n" * len(lines)
                state["first"] = False
            else:
                yield "\n" * len(lines)
            if separated:
                yield opening() + "\n"
        batch.clear()

    for line in stream:
        if line[:3] in ("---", "...") and _YAML_SEPARATOR.match(line.rstrip("\n")):
            batch.append((document, True))
            document = []
            if len(batch) >= _YAML_BATCH:
                yield from flush()
            continue
        document.append(line)
    batch.append((document, False))
    yield from flush()
    yield opening() + "]\n"


def _table_stream(stream: Iterator[str], delimiter: str) -> Iterator[str]:
    """A delimited table as one JSON array of row objects: ``[`` on the header's line, each row on its own."""
    import csv

    header = next(stream, "")
    names = [name.strip() for name in next(csv.reader([header.rstrip("\n")], delimiter=delimiter), [])]
    first = True
    yield "[\n"
    for line in stream:
        row = line.rstrip("\n")
        # Only a quoted cell needs the csv module; splitting is several times cheaper.
        cells = row.split(delimiter) if '"' not in row else next(csv.reader([row], delimiter=delimiter), [])
        if len(cells) != len(names):
            yield "\n"
            continue
        yield ("" if first else ",") + json.dumps(dict(zip(names, cells))) + "\n"
        first = False
    yield "]\n"


def streamed_conversion(source: CaptureSource) -> CaptureSource | None:
    """For an input too large to segment: its YAML or delimited table read as JSON, converted while read.

    Decided from the head; ``None`` when the head is neither. Line numbers are the input's.
    """
    lines = source.head.split("\n")[:-1] or source.head.split("\n")
    significant = [line for line in lines if line.strip()]
    if not significant:
        return None
    converter: Callable[[Iterator[str]], Iterator[str]] | None = None
    if _looks_yaml(lines) and _as_json(lines[: max(1, len(lines) - 1)]) is not None:
        converter = _yaml_stream
    elif _table_as_json(lines[:50]) is not None:
        delimiter = "\t" if "\t" in significant[0] else ","
        converter = functools.partial(_table_stream, delimiter=delimiter)
    if converter is None:
        return None
    chosen = converter

    def open_converted() -> TextIO:
        stream = source.open()
        return _Converted(chosen(iter(stream)))  # type: ignore[return-value]

    head = _Converted(chosen(iter(io.StringIO(source.head)))).read(HEAD_BYTES)
    return CaptureSource(name=source.name, head=head, open=open_converted, document_limit=source.document_limit)
