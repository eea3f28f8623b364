"""Reading JSON the way people paste it: after warnings, truncated, as JSON lines.

Capture readers of every adapter use these helpers, so that "a CLI's warning
lines before the JSON" and "the paste was cut off" are handled once.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO, TypeVar

import attrs

from scdiag import regex
from scdiag._records import mutable_record, record
from scdiag.captures.repair import Unrepairable, conform, describe_drop
from scdiag._units import format_size
from scdiag.errors import CaptureError
from scdiag.models import Condition, ContainerStatus, DiagnosticEvent, Instance, LogEntry, MetricPoint, ServiceStatus, SourceLocation
from scdiag.ports import CaptureSink, CaptureSource

__all__ = ["LOG_BATCH", "ArrayStream", "SinkBatches", "JsonDocument", "LineFinder", "report_array_stream", "BufferedSink", "read_document", "read_element", "iter_json_lines", "json_start", "load_json_text", "locate_in_element", "locate_status", "read_json_capture", "unexpected_shape"]

T = TypeVar("T")

_START = regex.deferred(r"(?m)^[ \t]*[\[{]")


def json_start(text: str) -> int | None:
    """Offset of the first line that opens a JSON object or array, if any."""
    match = _START.search(text)
    return None if match is None else match.start()


@record
class JsonDocument:
    """A parsed JSON document and what had to be done to read it."""

    value: Any
    skipped_prefix_lines: int = 0
    """Lines before the JSON (CLI warnings) that were skipped."""
    truncated: bool = False
    """The text was cut off; only the complete values before the cut were kept."""
    error: str | None = None
    """Why nothing could be read, when ``value`` is ``None``."""
    error_line: int | None = None


def _close_truncated(text: str) -> str | None:
    """A prefix ending after a complete array element, with its open brackets closed.

    Only elements of the shallowest array that has complete elements count
    (the items of a List, the tasks of describe-tasks), so no half-read
    object is ever returned as if it were whole.
    """
    stack: list[str] = []
    in_string = False
    escaped = False
    best: tuple[int, list[str]] | None = None
    best_depth = 1 << 30
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            stack.append("]" if char == "[" else "}")
        elif char in "]}":
            if not stack:
                return None
            stack.pop()
            if stack and stack[-1] == "]" and len(stack) <= best_depth:
                best_depth = len(stack)
                best = (position + 1, list(stack))
    if best is None:
        return None
    end, open_brackets = best
    return text[:end] + "".join(reversed(open_brackets))


def load_json_text(text: str) -> JsonDocument:
    """Parse JSON that may follow warning lines and may be truncated."""
    start = json_start(text)
    if start is None:
        return JsonDocument(None, error="no JSON object or array found")
    prefix_lines = text.count("\n", 0, start)
    body = text[start:]
    try:
        value, end = json.JSONDecoder().raw_decode(body.lstrip())
        return JsonDocument(value, skipped_prefix_lines=prefix_lines)
    except json.JSONDecodeError as error:
        repaired = _close_truncated(body)
        if repaired is not None:
            try:
                return JsonDocument(json.loads(repaired), skipped_prefix_lines=prefix_lines, truncated=True)
            except json.JSONDecodeError:
                pass
        return JsonDocument(None, skipped_prefix_lines=prefix_lines, error=error.msg, error_line=prefix_lines + error.lineno)


def iter_json_lines(stream: TextIO) -> Iterator[tuple[int, Any | None, str]]:
    """Each line of a JSON-lines stream: (line number, value or ``None``, raw line).

    Blank lines are skipped; a line that is not JSON yields ``None`` so the
    caller can count it.
    """
    for number, line in enumerate(stream, 1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            yield number, json.loads(stripped), stripped
        except json.JSONDecodeError:
            yield number, None, stripped


class LineFinder:
    """Finds the line of a string in a text, searching forward from the last find.

    Objects in a CLI's JSON appear in order, so searching on from the previous
    object keeps locating every object of a large file linear overall.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._position = 0
        self._line = 1

    def line_of(self, needle: str) -> int | None:
        """The 1-based line of the next occurrence of ``needle``, if any."""
        found = self._text.find(needle, self._position)
        if found < 0:
            found = self._text.find(needle)
            if found < 0:
                return None
            return self._text.count("\n", 0, found) + 1
        self._line += self._text.count("\n", self._position, found)
        self._position = found
        return self._line

    def line_of_value(self, value: str, length: int = 60) -> int | None:
        """The line where a JSON string value (as it is escaped in the file) appears."""
        return self.line_of(json.dumps(value)[1 : length + 1]) if value else None


def _container_reason(container: ContainerStatus) -> str | None:
    for termination in (container.termination, container.last_termination):
        if termination is not None and termination.reason:
            return termination.reason
    return container.reason


def _needle(*candidates: str | None) -> str | None:
    """The first non-empty string as the file escapes it (the first 60 characters)."""
    return next((json.dumps(value)[1:61] for value in candidates if value), None)


def _locate_instances(instances: tuple[Instance, ...], text: str, source: str) -> tuple[Instance, ...]:
    """Each container pointed at the line of its reason, each condition at its message, searched inside its instance's object.

    The instance's line is where its object starts; the evidence (``"reason":
    "OOMKilled"``) sits dozens of lines below, and annotations should point
    there. Searching the instance's own span keeps every pod's condition on its
    own pod (not on the first pod with the same words) and the search linear.
    """
    starts = [i.location.line for i in instances if i.location is not None and i.location.line]
    wanted = any(not c.location for i in instances for c in i.conditions) or any(_container_reason(c) for i in instances for c in i.containers)
    if not starts or not wanted:
        return instances
    offsets = [0, *itertools.accumulate(len(line) for line in text.splitlines(keepends=True))]
    bounds = sorted(set(starts))
    result = []
    for instance in instances:
        line = instance.location.line if instance.location is not None else None
        if not line or line > len(offsets) - 1:
            result.append(instance)
            continue
        following = bisect.bisect_right(bounds, line)
        end = offsets[bounds[following] - 1] if following < len(bounds) else len(text)
        start = offsets[line - 1]

        def at(needle: str | None, start: int = start, end: int = end) -> SourceLocation | None:
            found = text.find(needle, start, end) if needle else -1
            return SourceLocation(source, bisect.bisect_right(offsets, found)) if found >= 0 else None

        result.append(_located(instance, at))
    return tuple(result)


def _located(instance: Instance, at: Callable[[str | None], SourceLocation | None]) -> Instance:
    """``instance`` with each container at the line of its reason and each condition at its message, as ``at`` finds them."""
    changed = False
    containers = []
    for container in instance.containers:
        reason = _container_reason(container)
        location = at(json.dumps(reason)) if reason and container.location is None else None
        if location is not None:
            container, changed = attrs.evolve(container, location=location), True
        containers.append(container)
    conditions = []
    for condition in instance.conditions:
        location = None if condition.location else at(_needle(condition.message, condition.reason, condition.type))
        if location is not None:
            condition, changed = attrs.evolve(condition, location=location), True
        conditions.append(condition)
    return attrs.evolve(instance, containers=tuple(containers), conditions=tuple(conditions)) if changed else instance


def locate_in_element(instance: Instance, text: str, first_line: int, source: str) -> Instance:
    """What :func:`locate_status` does for one instance, inside the text of its own object (read by :class:`ArrayStream`)."""

    def at(needle: str | None) -> SourceLocation | None:
        found = text.find(needle) if needle else -1
        return SourceLocation(source, first_line + text.count("\n", 0, found)) if found >= 0 else None

    return _located(instance, at)


def locate_status(status: ServiceStatus, text: str, source: str) -> ServiceStatus:
    """The status with its conditions and targets pointed at their lines in ``text``.

    A condition is found by its message as the file escapes it (or its type),
    a target by its id; what cannot be found keeps no line but names the file.
    """

    def where(*needles: str | None) -> SourceLocation:
        for needle in needles:
            if needle:
                line = LineFinder(text).line_of_value(needle)
                if line is not None:
                    return SourceLocation(source, line)
        return SourceLocation(source)

    def conditions(items: tuple[Condition, ...]) -> tuple[Condition, ...]:
        return tuple(c if c.location else attrs.evolve(c, location=where(c.message, c.reason, c.type)) for c in items)

    instances = _locate_instances(status.instances, text, source)
    return attrs.evolve(
        status,
        conditions=conditions(status.conditions),
        rollouts=tuple(attrs.evolve(r, conditions=conditions(r.conditions)) for r in status.rollouts),
        # What was not found inside its instance's object is looked for in the whole file, as before.
        instances=tuple(i if all(c.location for c in i.conditions) else attrs.evolve(i, conditions=conditions(i.conditions)) for i in instances),
        targets=tuple(t if t.location else attrs.evolve(t, location=where(t.target_id)) for t in status.targets),
    )


def read_json_capture(source: CaptureSource, sink: CaptureSink) -> tuple[Any, str]:
    """A capture's JSON value and its text; warnings and truncation are reported to the sink.

    Raises:
        CaptureError: nothing in the input can be read as JSON (names the line).
    """
    with source.open() as stream:
        text = stream.read(source.document_limit + 1)
    if len(text) > source.document_limit:
        raise CaptureError(source.name, f"the JSON document is larger than captures.max_document_size ({format_size(source.document_limit)}); capture less (one service, a shorter window) or raise the limit")
    document = load_json_text(text)
    if document.value is None:
        raise CaptureError(source.name, f"not valid JSON: {document.error}", document.error_line)
    if document.skipped_prefix_lines:
        sink.problem(f"skipped {document.skipped_prefix_lines} line(s) before the JSON")
    if document.truncated:
        sink.problem("the JSON is truncated; the complete elements before the cut were read")
    return document.value, text


@contextmanager
def unexpected_shape(source: CaptureSource, reader: str) -> Iterator[None]:
    """Turn a field of the wrong type deep in a capture into one CaptureError naming the file.

    Captures are hand-edited and truncated; a normaliser meeting a number
    where it expects text must not crash the analysis of the other files.
    """
    try:
        yield
    except (TypeError, AttributeError, ValueError, KeyError, IndexError) as error:
        raise CaptureError(source.name, f"does not have the shape {reader} expects: {type(error).__name__}: {error}") from None


_ARRAY_CHUNK = 1 << 20


@mutable_record
class ArrayStream:
    """The elements of one JSON array in a capture, parsed one at a time.

    For large log captures (``aws logs filter-log-events``, ``gcloud logging
    read``, Log Analytics rows) the text is never held whole: memory stays at
    about one chunk plus one element. After iterating, ``truncated`` says
    whether the text ended inside the array (the whole elements before the
    cut were yielded).
    """

    stream: TextIO
    key: str | None = None
    """The top-level key holding the array; ``None`` for a top-level array.
    Elements are expected to be objects or arrays (a bare number cut at a
    chunk's end could read short)."""
    truncated: bool = False
    found: bool = False
    skipped_prefix_lines: int = 0
    malformed: list[int] = attrs.field(factory=list)
    """Lines of elements that were not valid JSON and were skipped; reading went on after each."""
    keep_text: bool = False
    """Keep each element's text in :attr:`element_text` while it is yielded (to locate lines inside it)."""
    element_text: str = ""
    """The text of the element just yielded, when ``keep_text``."""

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        """(1-based line where the element starts, element)."""
        decoder = json.JSONDecoder()
        window = _Window(self.stream)
        opener = regex.compile(rf'"{regex.escape(self.key)}"\s*:\s*\[' if self.key else r"(?m)^[ \t]*\[")
        match = opener.search(window.text)
        while match is None:
            if not window.fill():
                return
            match = opener.search(window.text)
        if self.key is None:
            self.skipped_prefix_lines = window.text.count("\n", 0, match.start())
        self.found = True
        line = 1 + window.text.count("\n", 0, match.end())
        window.position = match.end()
        # The separator between two elements, as last seen (",\n    " in an indented array):
        # where the next one is the same, it is stepped over in one comparison.
        separator, separator_lines = "", 0
        while True:
            text, position = window.text, window.position
            after = position + len(separator)
            if separator and after < len(text) and text[after] not in _SEPARATORS and text.startswith(separator, position):
                position = after
                line += separator_lines
            else:
                start = position
                # Separators (", newline, indentation") are skipped by str.lstrip on a short slice, not a character at a time.
                while True:
                    ahead = text[position : position + 256]
                    skip = len(ahead) - len(ahead.lstrip(_SEPARATORS))
                    line += ahead.count("\n", 0, skip)
                    position += skip
                    if skip < len(ahead) or not ahead:
                        break
                separator = text[start:position] if position - start <= _MAX_SEPARATOR and position < len(text) else ""
                separator_lines = separator.count("\n")
            window.position = position
            if position >= len(text):
                separator = ""  # the window moves: what was skipped is learnt again after it
                if window.fill():
                    continue
                self.truncated = True
                return
            if text[position] == "]":
                return
            if len(text) - position < _DECODE_AHEAD and window.fill():
                # An element cut by the window's end fails to decode, and the error counts the
                # window's lines for its message: the next chunk is read first instead.
                continue
            try:
                value, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                incomplete = error.msg.startswith("Unterminated string") or error.pos >= len(text) - 64
                if incomplete and len(text) - position < _MAX_ELEMENT and window.fill():
                    continue
                resume = _next_element(text, position, error.pos)
                if resume is None:
                    if len(text) - position < _MAX_ELEMENT and window.fill():
                        continue
                    self.truncated = True
                    return
                # A malformed element, not a cut: skip to the next one and go on reading.
                self.malformed.append(line)
                line += text.count("\n", position, resume)
                window.position = resume
                continue
            if self.keep_text:
                self.element_text = text[position:end]
            yield line, value
            line += text.count("\n", position, end)
            window.position = end


LOG_BATCH = 256
"""Log lines a JSON log reader hands over at once (:meth:`~scdiag.ports.CaptureSink.add_logs_lazy`)."""
_SEPARATORS = " \t\r\n,"
_MAX_SEPARATOR = 64
_DECODE_AHEAD = 64 << 10
"""Characters left in the window under which the next chunk is read before an element is decoded."""
_MAX_ELEMENT = 8 << 20
"""Characters one element may span; past it a failing element is taken as malformed, not as unfinished."""


def _next_element(text: str, start: int, error: int) -> int | None:
    """Where the element after the malformed one at ``start`` begins: the next ``,`` then an opening at its indentation."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start]
    if indent.strip(" \t") or text.count("\n", start, error) == 0:
        # Compact JSON: the next "}, {" (or "], [") after the error.
        found = _COMPACT_NEXT.search(text, error)
        return None if found is None else found.end() - 1
    found = regex.compile(rf",[ \t]*\r?\n{regex.escape(indent)}[{{\[]").search(text, error)
    return None if found is None else found.end() - 1


_COMPACT_NEXT = regex.deferred(r"[}\]][ \t]*,[ \t\r\n]*[{\[]")


@mutable_record
class _Window:
    """The unread part of a stream, about one chunk long."""

    stream: TextIO
    text: str = ""
    position: int = 0
    eof: bool = False

    def fill(self) -> bool:
        """Drop what was consumed and read one more chunk; False at the end."""
        if self.eof:
            return False
        chunk = self.stream.read(_ARRAY_CHUNK)
        if not chunk:
            self.eof = True
            return False
        # Keep the start of the current line when it is near: a malformed element's indentation finds the next one.
        keep = self.text.rfind("\n", 0, self.position) + 1
        if self.position - keep > 4096:
            keep = self.position
        self.text = self.text[keep:] + chunk
        self.position -= keep
        return True


def report_array_stream(array: ArrayStream, source: CaptureSource, sink: CaptureSink, what: str) -> None:
    """After streaming: say what was skipped or cut, or fail when there was no array at all.

    Raises:
        CaptureError: the expected array never appeared.
    """
    if not array.found:
        raise CaptureError(source.name, f"no {what} array found")
    if array.skipped_prefix_lines:
        sink.problem(f"skipped {array.skipped_prefix_lines} line(s) before the JSON")
    for line in array.malformed:
        sink.skipped_line(line, "not valid JSON; reading went on with the next element")
    if array.truncated:
        sink.problem(f"the JSON is truncated; the complete {what} before the cut were read")


class SinkBatches:
    """Lazily given log lines and events, handed to a sink :data:`LOG_BATCH` at a time (``flush`` hands the rest)."""

    def __init__(self, sink: CaptureSink) -> None:
        self.sink = sink
        self.events: list[tuple[str, str, str, Callable[[], DiagnosticEvent | None]]] = []
        self.lines: list[tuple[str, str, str, Callable[[], LogEntry]]] = []

    def event(self, message: str, reason: str, source: str, build: Callable[[], DiagnosticEvent | None]) -> None:
        """As :meth:`~scdiag.ports.CaptureSink.add_event_lazy`, in a batch."""
        self.events.append((message, reason, source, build))
        if len(self.events) >= LOG_BATCH:
            self.sink.add_events_lazy(self.events)
            self.events = []

    def line(self, message: str, source: str, stream: str, build: Callable[[], LogEntry]) -> None:
        """As :meth:`~scdiag.ports.CaptureSink.add_log_lazy`, in a batch."""
        self.lines.append((message, source, stream, build))
        if len(self.lines) >= LOG_BATCH:
            self.sink.add_logs_lazy(self.lines)
            self.lines = []

    def flush(self) -> None:
        """Hand over what is waiting (before anything given to the sink directly, to keep the order)."""
        if self.events:
            self.sink.add_events_lazy(self.events)
        if self.lines:
            self.sink.add_logs_lazy(self.lines)
        self.events, self.lines = [], []


class BufferedSink:
    """A sink that keeps every call, to hand them on only once the whole document was read."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def _keep(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))

    def add_log(self, entry: LogEntry, source: str) -> None:
        self._keep("add_log", entry, source)

    def add_log_lazy(self, message: str, source: str, stream: str, build: Callable[[], LogEntry]) -> None:
        self._keep("add_log_lazy", message, source, stream, build)

    def add_logs_lazy(self, lines: Sequence[tuple[str, str, str, Callable[[], LogEntry]]]) -> None:
        self._keep("add_logs_lazy", list(lines))

    def add_event(self, event: DiagnosticEvent) -> None:
        self._keep("add_event", event)

    def add_event_lazy(self, message: str, reason: str, source: str, build: Callable[[], DiagnosticEvent | None]) -> None:
        self._keep("add_event_lazy", message, reason, source, build)

    def add_events_lazy(self, events: Sequence[tuple[str, str, str, Callable[[], DiagnosticEvent | None]]]) -> None:
        self._keep("add_events_lazy", list(events))

    def add_log_block(self, block: str, *, source: str, stream: str, first_line: int, parse: Callable[[str, int], LogEntry], lines: int | None = None) -> None:
        self._keep("add_log_block", block, source=source, stream=stream, first_line=first_line, parse=parse, lines=lines)

    def add_event_rows(self, block: str, *, first_line: int, parse: Callable[[str, int], DiagnosticEvent | None]) -> None:
        self._keep("add_event_rows", block, first_line=first_line, parse=parse)

    def add_metric(self, point: MetricPoint, source: str) -> None:
        self._keep("add_metric", point, source)

    def add_status(self, status: ServiceStatus) -> None:
        self._keep("add_status", status)

    def skip_plain_instance(self) -> bool:
        # What is buffered may yet be discarded: every instance is built, and the sink it reaches decides.
        return False

    def hint(self, *, provider: str | None = None, service: str | None = None, deployment_id: str | None = None, votes: int = 1) -> None:
        self._keep("hint", provider=provider, service=service, deployment_id=deployment_id, votes=votes)

    def problem(self, message: str, line: int | None = None) -> None:
        self._keep("problem", message, line)

    def skipped_line(self, line: int, reason: str) -> None:
        self._keep("skipped_line", line, reason)

    def replay(self, sink: CaptureSink) -> None:
        """Hand every kept call to ``sink``, in order."""
        for name, args, kwargs in self.calls:
            getattr(sink, name)(*args, **kwargs)


def read_document(sink: CaptureSink, what: str, value: Any, handle: Callable[[Any, CaptureSink], int]) -> int:
    """``handle(value, sink)`` for a document read whole, where a wrong-typed field costs that field.

    ``handle`` writes to a buffer; only the run that succeeds (on the document
    with the fields it could not take removed) reaches ``sink``.
    """

    def run(document: Any) -> tuple[int, BufferedSink]:
        buffer = BufferedSink()
        return handle(document, buffer), buffer

    read = read_element(sink, 1, what, value, run)
    if read is None:
        return 0
    (count, buffer), _kept = read
    buffer.replay(sink)
    return count


def read_element(sink: CaptureSink, line: int, what: str, value: Any, use: Callable[[Any], T]) -> tuple[T, Any] | None:
    """``use(value)`` for one element; a wrong-typed field costs that field, an unreadable element only itself.

    Returns the result and the (possibly pared-down) element it came from, or
    ``None`` when the element was skipped. Each dropped field and each skipped
    element is reported to the sink with its line.
    """
    try:
        result, kept, dropped = conform(value, use)
    except Unrepairable as unreadable:
        error = unreadable.error
        sink.skipped_line(line, f"{what} of an unexpected shape ({type(error).__name__}: {error})")
        return None
    for path, removed in dropped:
        sink.problem(f"{what}: {describe_drop(path, removed)}", line)
    return result, kept
