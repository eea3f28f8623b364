"""The capture sink: merges what every reader read into one DiagnosticData.

Log lines are kept selectively so that a 1 GB log stays within bounded
memory while the analysis still sees every line: each line is matched
against the knowledge base's log expressions (one RE2 set, over whole blocks
of text), and only matching lines, plus the last lines of every stream, are
parsed and kept. Every line is counted.
"""

from __future__ import annotations

import functools
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import attrs
from attrs import AttrsInstance

from scdiag._records import mutable_record
from scdiag.analysis.logscan import LogMatcher
from scdiag.analysis.signals import TAIL_LINES
from scdiag.models import (
    Condition,
    ContainerSpec,
    ContainerStatus,
    DiagnosticData,
    DiagnosticEvent,
    EventData,
    InputRecord,
    Instance,
    LoadBalancerTarget,
    LogData,
    LogEntry,
    MetricData,
    MetricPoint,
    Rollout,
    ServiceEndpoint,
    ServiceStatus,
)

__all__ = ["CaptureCollector", "LineParser", "StatusMerger", "merge_status"]

LineParser = Callable[[str, int], LogEntry]
"""Builds a LogEntry from a raw line and its 1-based line number."""

_MAX_KEPT_PER_RULE = 200
_MAX_KEPT_PER_ENGINE_RULE = 50
"""The engine's own line rules (an error word, a listening port) need a few lines of a stream, not hundreds."""
_ALL_EVENTS = 2000
_PLAIN_INSTANCES = 1000
"""Up to this many plainly healthy instances are kept; past it they are counted, not kept."""
"""Up to this many events per source are all kept; past it, only those that can matter."""
_MAX_PROBLEMS_PER_INPUT = 20
_BLOCKS_BEFORE_WORKERS = 1
"""Blocks of a stream scanned in line before the workers take over (a log of one block pays no thread).
Measured against four, 1 M lines, medians of 11: [fast] 0.227 -> 0.222 s, RE2 alone 0.325 -> 0.321 s; a 4 MB log the same."""
_SCAN_WORKERS = min(2, os.cpu_count() or 1)
_SCANS_IN_FLIGHT = 2 * _SCAN_WORKERS
"""Blocks handed to the workers and not yet taken: with one each, a worker waited while the reading
thread read its next block (measured with RE2 alone, medians of 7: 2 M lines 0.648 -> 0.603 s with
two each, 1 M 0.387 -> 0.368 s; with the prefilter the same; peak memory 2-3 MB more)."""


class _Numbering:
    """Where one text's numbering stands while its blocks are being scanned."""

    __slots__ = ("blank", "next_line")

    def __init__(self) -> None:
        self.next_line = 1
        """The number of the line after the last block taken (its blank lines after it not included)."""
        self.blank = 0
        """Blank lines since the last block handed on, numbered before the next."""


@functools.lru_cache(maxsize=1)
def _scanner() -> ThreadPoolExecutor:
    # Not daemon threads: the interpreter joins them before it finalises, so no RE2 call runs past it.
    return ThreadPoolExecutor(max_workers=_SCAN_WORKERS, thread_name_prefix="scdiag-scan")


@mutable_record
class _Stream:
    source: str
    name: str
    total: int = 0
    kept: dict[int, LogEntry] = attrs.field(factory=dict)
    tail: deque[tuple[int, object, Callable[..., LogEntry] | None]] = attrs.field(factory=lambda: deque(maxlen=TAIL_LINES))
    """Read through :meth:`settled_tail`, which adds the last block's lines first."""
    blocks: int = 0
    """Blocks of raw lines given so far."""
    per_rule: Counter[int] = attrs.field(factory=Counter)
    last_block: tuple[str | bytes, int, int, LineParser] | None = None
    """The last block taken (its text, first line number, line count and parser), its lines not yet in the tail."""

    def settled_tail(self) -> deque[tuple[int, object, Callable[..., LogEntry] | None]]:
        """The tail, with the last block's last lines in it."""
        if self.last_block is not None:
            block, first_line, lines_in_block, parse = self.last_block
            self.last_block = None
            last_lines = _last_lines(block)
            last_first = first_line + lines_in_block - len(last_lines)
            self.tail.extend((last_first + index, raw, parse) for index, raw in enumerate(last_lines))
        return self.tail

    def take_block_tail(self, block: str | bytes, first_line: int, lines_in_block: int, parse: LineParser) -> None:
        """Hold a block's last lines for the tail.

        A large log's every block used to put its last lines in the tail,
        to have them pushed out by the next block's: a block is now held,
        and its lines are cut out only when the tail is read, or when a
        block too short to push them all out comes after it.
        """
        if self.last_block is not None and lines_in_block < TAIL_LINES:
            self.settled_tail()
        self.last_block = (block, first_line, lines_in_block, parse)


def _plainly_healthy(instance: Instance) -> bool:
    """Running, ready, never restarted, and saying nothing: one of many such instances tells no more."""
    if instance.reason or instance.message or any(c.status == "False" for c in instance.conditions):
        return False
    return bool(instance.containers) and all(
        c.state == "running"
        and c.ready is not False
        and c.restart_count == 0
        and not c.reason
        and c.termination is None
        and c.last_termination is None
        for c in instance.containers
    )


@mutable_record
class _EventStream:
    """Events of one source once there are too many to keep them all."""

    total: int = 0
    kept: dict[int, DiagnosticEvent] = attrs.field(factory=dict)
    tail: deque[tuple[int, DiagnosticEvent | Callable[[], DiagnosticEvent | None]]] = attrs.field(factory=lambda: deque(maxlen=TAIL_LINES))
    per_rule: Counter[int] = attrs.field(factory=Counter)


_Item = TypeVar("_Item")


def _counted(state: _Stream | _EventStream, items: Sequence[_Item]) -> list[tuple[int, _Item]]:
    """Count ``items`` into ``state``; (number in the stream, item) for the last of them, the only ones its tail can keep."""
    last = items[-TAIL_LINES:]
    first = state.total + len(items) - len(last) + 1
    state.total += len(items)
    return [(first + index, item) for index, item in enumerate(last)]


def _content_end(block: Any, newline: Any) -> int:
    """Where the block's newlines at its end start: ``len(block.rstrip(newline))``, without copying a large block."""
    end = len(block)
    while end > 0:
        piece = block[max(0, end - 256) : end]
        kept = len(piece.rstrip(newline))
        if kept:
            return end - len(piece) + kept
        end -= len(piece)
    return 0


def _last_lines(block: str | bytes) -> list[str]:
    """The block's last :data:`TAIL_LINES` lines, as text (a byte block is UTF-8); newlines at its end end no line."""
    newline: Any = b"\n" if isinstance(block, bytes) else "\n"
    end = start = _content_end(block, newline)
    # Only the tail is cut out: splitting the whole block would copy all of it.
    for _ in range(TAIL_LINES):
        start = block.rfind(newline, 0, start)
        if start < 0:
            break
    if isinstance(block, bytes):
        return [line.decode("utf-8", "surrogatepass") for line in block[start + 1 : end].split(b"\n")]
    return block[start + 1 : end].split("\n")


def _merge_scalar(current: object, new: object) -> object:
    return current if current not in (None, "", "unknown") else new


_T = TypeVar("_T", bound=AttrsInstance)


def _fill(first: _T, second: _T) -> _T:
    """``first`` with its empty fields taken from ``second`` (both the same attrs class)."""
    changes = {}
    for field in attrs.fields(type(first)):
        mine, theirs = getattr(first, field.name), getattr(second, field.name)
        if field.name == "conditions":
            known = {c.type for c in mine}
            changes[field.name] = mine + tuple(c for c in theirs if c.type not in known)
        elif field.name == "containers" and mine and theirs and isinstance(mine[0], ContainerStatus):
            changes[field.name] = _merge_containers(mine, theirs)
        elif mine in (None, "", (), {}) and theirs not in (None, "", (), {}):
            changes[field.name] = theirs
    # cast: mypy's attrs plugin cannot see through a TypeVar bound to AttrsInstance.
    return cast(_T, attrs.evolve(cast(Any, first), **changes)) if changes else first


def _merge_containers(mine: tuple[ContainerStatus, ...], theirs: tuple[ContainerStatus, ...]) -> tuple[ContainerStatus, ...]:
    """Containers of one instance seen in two fragments, merged by name.

    A fragment that could not name its container (a table row) gives it no
    name; when the other fragment names exactly one container, they are the same one.
    """
    unnamed = [c for c in mine + theirs if not c.name]
    named_mine = tuple(c for c in mine if c.name)
    named_theirs = tuple(c for c in theirs if c.name)
    named = _merge_by(named_mine, named_theirs, lambda c: c.name)
    if unnamed and len(named) == 1:
        merged = named[0]
        for other in unnamed:
            merged = _fill(merged, other)
        return (merged,)
    return named + tuple(unnamed) if unnamed else named


def _merge_by(items: tuple[_T, ...], more: tuple[_T, ...], key: Callable[[_T], object]) -> tuple[_T, ...]:
    """Items of both, the same key merged into one (the first's values win)."""
    merged = {key(item): item for item in items}
    order = list(merged)
    for item in more:
        k = key(item)
        if k in merged:
            merged[k] = _fill(merged[k], item)
        else:
            merged[k] = item
            order.append(k)
    return tuple(merged[k] for k in order)


@mutable_record
class _Keyed(Generic[_T]):
    """Items merged by key as fragments arrive, in first-seen order (linear in the items)."""

    key: Callable[[_T], object]
    items: dict[object, _T] = attrs.field(factory=dict)

    def add(self, more: tuple[_T, ...]) -> None:
        for item in more:
            k = self.key(item)
            known = self.items.get(k)
            self.items[k] = item if known is None else _fill(known, item)

    def result(self) -> tuple[_T, ...]:
        return tuple(self.items.values())


@mutable_record
class StatusMerger:
    """Merges status fragments as they arrive (see :func:`merge_status`); memory is the merged status."""

    _first: ServiceStatus | None = None
    _count: int = 0
    _rollouts: _Keyed[Rollout] = attrs.field(factory=lambda: _Keyed(lambda r: r.id))
    _instances: _Keyed[Instance] = attrs.field(factory=lambda: _Keyed(lambda i: i.id))
    _containers: _Keyed[ContainerSpec] = attrs.field(factory=lambda: _Keyed(lambda c: c.name))
    _endpoints: _Keyed[ServiceEndpoint] = attrs.field(factory=lambda: _Keyed(lambda e: (e.kind, e.name)))
    _scalars: dict[str, object] = attrs.field(factory=dict)
    _targets: list[LoadBalancerTarget] = attrs.field(factory=list)
    _conditions: list[Condition] = attrs.field(factory=list)
    _attributes: dict[str, str] = attrs.field(factory=dict)

    def add(self, fragment: ServiceStatus) -> None:
        """One more fragment: scalars fill what is still empty; keyed items merge field by field."""
        self._first = self._first or fragment
        self._count += 1
        for name in ("name", "state", "health", "desired_count", "running_count", "pending_count"):
            self._scalars[name] = _merge_scalar(self._scalars.get(name), getattr(fragment, name))
        self._rollouts.add(fragment.rollouts)
        self._instances.add(fragment.instances)
        self._containers.add(fragment.containers)
        self._endpoints.add(fragment.endpoints)
        self._targets.extend(fragment.targets)
        self._conditions.extend(fragment.conditions)
        for key, value in fragment.attributes.items():
            self._attributes.setdefault(key, value)

    def result(self) -> ServiceStatus | None:
        """The merged status, or ``None`` when no fragment arrived."""
        if self._first is None or self._count == 1:
            return self._first
        scalars = self._scalars
        return attrs.evolve(
            self._first,
            name=str(scalars["name"] or ""),
            state=scalars["state"],  # type: ignore[arg-type]
            health=str(scalars["health"] or "unknown"),
            desired_count=scalars["desired_count"],  # type: ignore[arg-type]
            running_count=scalars["running_count"],  # type: ignore[arg-type]
            pending_count=scalars["pending_count"],  # type: ignore[arg-type]
            rollouts=self._rollouts.result(),
            instances=self._instances.result(),
            containers=self._containers.result(),
            endpoints=self._endpoints.result(),
            targets=tuple(self._targets),
            conditions=tuple(self._conditions),
            attributes=dict(self._attributes),
        )


def merge_status(fragments: list[ServiceStatus]) -> ServiceStatus | None:
    """One status from fragments read from several files.

    Scalars: the first value wins. Rollouts (by id), instances (by id),
    containers (by name) and endpoints (by kind and name) seen in several
    fragments are merged field by field, so a revision listed by the service
    and described by ``revisions describe`` becomes one rollout. Linear in
    the number of fragments: a paste of thousands of descriptions merges at once.
    """
    merger = StatusMerger()
    for fragment in fragments:
        merger.add(fragment)
    return merger.result()


@mutable_record
class CaptureCollector:
    """Implements :class:`scdiag.ports.CaptureSink` for one offline analysis."""

    matcher: LogMatcher
    _streams: dict[tuple[str, str], _Stream] = attrs.field(factory=dict)
    _events: dict[str, list[DiagnosticEvent]] = attrs.field(factory=dict)
    _metrics: dict[str, list[MetricPoint]] = attrs.field(factory=dict)
    _status: StatusMerger = attrs.field(factory=StatusMerger)
    providers: Counter[str] = attrs.field(factory=Counter)
    services: Counter[str] = attrs.field(factory=Counter)
    deployments: Counter[str] = attrs.field(factory=Counter)
    _event_states: dict[str, _EventStream] = attrs.field(factory=dict)
    _row_rules: Counter[tuple[str, int]] = attrs.field(factory=Counter)
    _plain_instances: int = 0
    _dropped_instances: int = 0
    _problems: list[str] = attrs.field(factory=list)
    _skipped: int = 0
    _other_problems: int = 0
    _input: str = ""
    _pending: deque[tuple[Future[Any], Callable[[Any], None]]] = attrs.field(factory=deque)
    """Blocks being scanned on the workers, in order: each scan's future and what takes its result."""
    """Blocks being scanned on the workers, oldest first."""

    # -- per input --------------------------------------------------------------

    def begin_input(self, name: str) -> None:
        """Start reading one input; problems are attributed to it."""
        self._input = name
        self._problems = []
        self._skipped = 0
        self._other_problems = 0

    def end_input(self, reader: str | None, items: int) -> InputRecord:
        """Finish the current input and describe what became of it."""
        self._drain()
        # Events still waiting in a tail are built now, so what building them reports belongs to this input.
        for state in self._event_states.values():
            if any(not isinstance(item, DiagnosticEvent) for _sequence, item in state.tail):
                built = [(sequence, item if isinstance(item, DiagnosticEvent) else item()) for sequence, item in state.tail]
                state.tail.clear()
                state.tail.extend((sequence, event) for sequence, event in built if event is not None)
        problems = list(self._problems)
        if self._skipped > _MAX_PROBLEMS_PER_INPUT:
            problems.append(f"{self._input}: {self._skipped} malformed lines skipped in all")
        if self._other_problems > _MAX_PROBLEMS_PER_INPUT:
            problems.append(f"{self._input}: {self._other_problems - _MAX_PROBLEMS_PER_INPUT} more problems like these")
        return InputRecord(path=self._input, reader=reader, items=items, problems=tuple(problems))

    # -- the sink ---------------------------------------------------------------

    def _stream(self, source: str, stream: str) -> _Stream:
        key = (source, stream)
        state = self._streams.get(key)
        if state is None:
            state = self._streams[key] = _Stream(source, stream)
        return state

    def _cap(self, rule: int) -> int:
        return _MAX_KEPT_PER_ENGINE_RULE if rule in self.matcher.engine_rules else _MAX_KEPT_PER_RULE

    def _keep(self, state: _Stream, rules: list[int]) -> bool:
        keep = False
        for rule in rules:
            state.per_rule[rule] += 1
            keep = keep or state.per_rule[rule] <= self._cap(rule)
        return keep

    def add_log(self, entry: LogEntry, source: str) -> None:
        """One parsed log line."""
        self._drain()
        state = self._stream(source, entry.stream)
        state.total += 1
        # Keyed by arrival order: several entries may share one file line (a JSON row per line, or not).
        sequence = state.total
        rules = self.matcher.match_line(entry.message)
        if rules and self._keep(state, rules):
            state.kept[sequence] = entry
        state.settled_tail().append((sequence, entry, None))

    def add_log_lazy(self, message: str, source: str, stream: str, build: Callable[[], LogEntry]) -> None:
        """A log line by its text: the entry is built only if the line is kept (a match or the tail)."""
        self._drain()
        state = self._stream(source, stream)
        state.total += 1
        sequence = state.total
        rules = self.matcher.match_line(message)
        if rules and self._keep(state, rules):
            state.kept[sequence] = build()
        state.settled_tail().append((sequence, build, None))

    def add_logs_lazy(self, lines: Sequence[tuple[str, str, str, Callable[[], LogEntry]]]) -> None:
        """Log lines by their text, in order; when no expression matches any of them, one question answers for all."""
        self._drain()
        if not lines:
            return
        if self.matcher.batchable and not self.matcher.any_match("\n".join(line[0] for line in lines)):
            _, source, stream, _ = lines[0]
            if all(line[1] == source and line[2] == stream for line in lines):
                # One stream, as a reader's batch nearly always is: only its last lines can stay in the tail.
                state = self._stream(source, stream)
                state.settled_tail().extend((number, line[3], None) for number, line in _counted(state, lines))
                return
            for _message, source, stream, build in lines:
                state = self._stream(source, stream)
                state.total += 1
                state.settled_tail().append((state.total, build, None))
            return
        for message, source, stream, build in lines:
            self.add_log_lazy(message, source, stream, build)

    def add_log_block(self, block: str, *, source: str, stream: str, first_line: int, parse: LineParser, lines: int | None = None) -> None:
        """A block of raw lines (no trailing newline needed); only lines that matter are parsed.

        Past the first blocks of a stream, blocks are scanned on worker threads
        (RE2 releases the GIL), a few at a time, and what they found is taken
        in block order; the done rules a scan left out may have grown by then,
        so their hits are dropped when taken.
        """
        if not block:
            return
        state = self._stream(source, stream)
        lines_in_block = lines if lines is not None else block.count("\n") + (0 if block.endswith("\n") else 1)
        state.total += lines_in_block
        state.blocks += 1
        # An engine rule keeps only its share of a stream; past it, blocks are scanned without it.
        scan = self.matcher.block_scan(block, without=self._done(state))

        def take(result: tuple[list[tuple[int, str, list[int]]], int]) -> None:
            self._take_block(state, result[0], block, first_line, lines_in_block, parse)

        self._scan_in_order(state, scan, take)

    def add_log_text(self, blocks: Iterable[str | bytes], *, source: str, stream: str, parse: LineParser) -> int:
        """A whole text's blocks of complete lines, numbered here; its line count.

        As :meth:`add_log_block` for each block, as
        :func:`~scdiag.captures.text.stream_blocks` numbers them, but no block
        is counted before it is scanned: the scan that finds a block's lines
        counts its newlines on the way (on a worker thread), and blocks are
        numbered as they are taken, in order. Blank lines before the first
        line and at the end of a block count in the numbering and are no log
        lines.
        """
        self._drain()
        state = self._stream(source, stream)
        numbering = _Numbering()
        first = True
        for whole in blocks:
            block = whole
            newline: Any = b"\n" if isinstance(block, bytes) else "\n"
            if first:
                first = False
                stripped = block.lstrip(newline)
                numbering.blank += len(block) - len(stripped)
                block = stripped
            end = _content_end(block, newline)
            trailing = len(block) - end
            if not end:
                numbering.blank += trailing
                continue
            # The body keeps one newline at its end: cutting it off would copy the block.
            body = block[: end + 1] if trailing > 1 else block
            state.blocks += 1
            before, numbering.blank = numbering.blank, max(0, trailing - 1)
            scan = self.matcher.block_scan(body, without=self._done(state))
            self._scan_in_order(state, scan, functools.partial(self._take_numbered, state, body, numbering, before, parse))
        self._drain()
        return numbering.next_line - 1 + numbering.blank

    def _take_numbered(self, state: _Stream, body: str | bytes, numbering: _Numbering, before: int, parse: LineParser, result: tuple[list[tuple[int, str, list[int]]], int]) -> None:
        hits, newlines = result
        ends_line = body.endswith(b"\n") if isinstance(body, bytes) else body.endswith("\n")
        lines_in_block = newlines + (0 if ends_line else 1)
        first_line = numbering.next_line + before
        state.total += lines_in_block
        self._take_block(state, hits, body, first_line, lines_in_block, parse)
        numbering.next_line = first_line + lines_in_block

    def _scan_in_order(self, state: _Stream, scan: Callable[[], Any], take: Callable[[Any], None]) -> None:
        """Past the first blocks of a stream, on the workers, a few at a time; their results are taken in order."""
        if state.blocks <= _BLOCKS_BEFORE_WORKERS or _SCAN_WORKERS < 2:
            take(scan())
            return
        self._pending.append((_scanner().submit(scan), take))
        while len(self._pending) > _SCANS_IN_FLIGHT:
            self._take_pending()

    def _done(self, state: _Stream) -> frozenset[int]:
        return frozenset(rule for rule in self.matcher.engine_rules if state.per_rule[rule] >= _MAX_KEPT_PER_ENGINE_RULE)

    def _take_block(self, state: _Stream, hits: list[tuple[int, str, list[int]]], block: str | bytes, first_line: int, lines_in_block: int, parse: LineParser) -> None:
        done = self._done(state)
        for index, raw, rules in hits:
            if done:
                rules = [rule for rule in rules if rule not in done]
                if not rules:
                    continue
            line_number = first_line + index
            if self._keep(state, rules) and line_number not in state.kept:
                state.kept[line_number] = parse(raw, line_number)
        state.take_block_tail(block, first_line, lines_in_block, parse)

    def _take_pending(self) -> None:
        future, take = self._pending.popleft()
        take(future.result())

    def _drain(self) -> None:
        """Take every block still being scanned, in order (before anything reads or adds to the streams)."""
        while self._pending:
            self._take_pending()

    def skipped_line(self, line: int, reason: str) -> None:
        """A malformed line, counted; the first few are reported."""
        self._skipped += 1
        if self._skipped <= _MAX_PROBLEMS_PER_INPUT:
            self._problems.append(f"{self._input}:{line}: skipped: {reason}")

    def add_event(self, event: DiagnosticEvent) -> None:
        """One platform event; past :data:`_ALL_EVENTS` per source, only those that can matter are kept.

        Like log lines: an event whose message or reason no indicator can match
        is counted and dropped (the last ones of each source are always kept),
        so an events table of a million rows stays within bounded memory.
        """
        source = event.source or "events"
        events = self._events.setdefault(source, [])
        state = self._event_states.get(source)
        if state is None and len(events) < _ALL_EVENTS:
            events.append(event)
            return
        if state is None:
            state = self._event_states[source] = _EventStream()
            for earlier in events:
                self._keep_event(state, earlier)
            events.clear()
        self._keep_event(state, event)

    def add_event_lazy(self, message: str, reason: str, source: str, build: Callable[[], DiagnosticEvent | None]) -> None:
        """One platform event given by its words; ``build`` makes it only if it is kept (``None``: it was unreadable)."""
        self._event_lazy(message, reason, source, build, None)

    def add_events_lazy(self, events: Sequence[tuple[str, str, str, Callable[[], DiagnosticEvent | None]]]) -> None:
        """Platform events by their words, in order; when no expression matches any of them, one question answers for all."""
        if not events:
            return
        unmatched = self.matcher.batchable and not self.matcher.any_event_match(
            "\n".join(event[0] for event in events), "\n".join(event[1] for event in events)
        )
        source = events[0][2]
        state = self._event_states.get(source)
        if unmatched and state is not None and all(event[2] == source for event in events):
            # Past the events kept whole, an event no expression matches is counted and may stay in the tail.
            state.tail.extend((number, event[3]) for number, event in _counted(state, events))
            return
        for message, reason, source, build in events:
            self._event_lazy(message, reason, source, build, [] if unmatched else None)

    def _event_lazy(self, message: str, reason: str, source: str, build: Callable[[], DiagnosticEvent | None], hits: list[int] | None) -> None:
        events = self._events.setdefault(source, [])
        state = self._event_states.get(source)
        if state is None and len(events) < _ALL_EVENTS:
            event = build()
            if event is not None:
                events.append(event)
            return
        if state is None:
            state = self._rows_state(source)
        state.total += 1
        if self._counted_keep(state, self.matcher.match_event(message, reason) if hits is None else hits):
            event = build()
            if event is not None:
                state.kept[state.total] = event
            return
        state.tail.append((state.total, build))

    def add_event_rows(self, block: str, *, first_line: int, parse: Callable[[str, int], DiagnosticEvent | None]) -> None:
        """Rows of an events table: only those an indicator can match are parsed, and the last ones."""
        body = block.rstrip("\n")
        if not body:
            return
        kept_lines: set[int] = set()
        for index, raw, rules in self.matcher.scan_rows(body):
            line_number = first_line + index
            counts = self._row_rules
            for rule in rules:
                counts[(self._input, rule)] += 1
            if all(counts[(self._input, rule)] > _MAX_KEPT_PER_RULE for rule in rules):
                continue  # every expression it matches has kept enough rows already: not worth parsing
            event = parse(raw, line_number)
            if event is None:
                continue
            state = self._rows_state(event.source or "events")
            if self._counted_keep(state, rules):
                state.total += 1
                state.kept[state.total] = event
                kept_lines.add(line_number)
        last = body.rsplit("\n", TAIL_LINES)[-TAIL_LINES:]
        last_first = first_line + body.count("\n") + 1 - len(last)
        for index, raw in enumerate(last):
            if last_first + index in kept_lines:
                continue
            event = parse(raw, last_first + index)
            if event is not None:
                state = self._rows_state(event.source or "events")
                state.total += 1
                state.tail.append((state.total, event))

    def _rows_state(self, source: str) -> _EventStream:
        state = self._event_states.get(source)
        if state is None:
            state = self._event_states[source] = _EventStream()
            for earlier in self._events.pop(source, []):
                self._keep_event(state, earlier)
        return state

    def _keep_event(self, state: _EventStream, event: DiagnosticEvent) -> None:
        state.total += 1
        if self._counted_keep(state, self.matcher.match_event(event.message, event.reason or "")):
            state.kept[state.total] = event
        state.tail.append((state.total, event))

    @staticmethod
    def _counted_keep(state: _EventStream, rules: list[int]) -> bool:
        keep = False
        for rule in rules:
            state.per_rule[rule] += 1
            keep = keep or state.per_rule[rule] <= _MAX_KEPT_PER_RULE
        return keep

    def add_metric(self, point: MetricPoint, source: str) -> None:
        """One metric sample."""
        self._metrics.setdefault(source, []).append(point)

    def add_status(self, status: ServiceStatus) -> None:
        """A status fragment; past :data:`_PLAIN_INSTANCES`, plainly healthy instances are only counted.

        A table of a million running pods says no more than a thousand of
        them; every instance that shows anything (a reason, a restart, a
        termination, a container not running or not ready) is kept.
        """
        if self._plain_instances >= _PLAIN_INSTANCES and status.instances:
            kept = tuple(i for i in status.instances if not _plainly_healthy(i))
            self._dropped_instances += len(status.instances) - len(kept)
            status = attrs.evolve(status, instances=kept)
        else:
            self._plain_instances += sum(1 for i in status.instances if _plainly_healthy(i))
        self._status.add(status)

    def skip_plain_instance(self) -> bool:
        """Whether the budget of plainly healthy instances is spent: the instance is then only counted."""
        if self._plain_instances >= _PLAIN_INSTANCES:
            self._dropped_instances += 1
            return True
        return False

    def hint(self, *, provider: str | None = None, service: str | None = None, deployment_id: str | None = None, votes: int = 1) -> None:
        """Votes on what the inputs are about."""
        if provider:
            self.providers[provider] += votes
        if service:
            self.services[service] += votes
        if deployment_id:
            self.deployments[deployment_id] += votes

    def problem(self, message: str, line: int | None = None) -> None:
        """A problem with the current input."""
        # A field wrong in every one of 50,000 elements is one problem, not 50,000 lines.
        self._other_problems += 1
        if self._other_problems > _MAX_PROBLEMS_PER_INPUT:
            return
        where = f"{self._input}:{line}" if line is not None else self._input
        self._problems.append(f"{where}: {message}")

    # -- result -----------------------------------------------------------------

    def _event_groups(self) -> dict[str, list[DiagnosticEvent]]:
        groups = {source: list(events) for source, events in self._events.items()}
        for source, state in self._event_states.items():
            kept = dict(state.kept)
            for sequence, item in state.tail:
                if sequence not in kept and isinstance(item, DiagnosticEvent):
                    kept[sequence] = item
            groups[source] = [kept[sequence] for sequence in sorted(kept)]
        return groups

    def _log_data(self) -> list[LogData]:
        self._drain()
        result = []
        for state in self._streams.values():
            entries = dict(state.kept)
            for line, item, parse in state.settled_tail():
                if line in entries:
                    continue
                if isinstance(item, LogEntry):
                    entries[line] = item
                elif parse is not None and isinstance(item, str):
                    entries[line] = parse(item, line)
                elif callable(item):
                    entries[line] = item()
            ordered = tuple(entries[line] for line in sorted(entries))
            if all(entry.timestamp is not None for entry in ordered):
                # Some CLIs print newest first (gcloud logging read): order by time, stably.
                ordered = tuple(sorted(ordered, key=lambda entry: entry.timestamp))  # type: ignore[arg-type, return-value]
            result.append(
                LogData(source=state.source, entries=ordered, total_lines=state.total, attributes={"stream": state.name})
            )
        return result

    def build(
        self,
        *,
        provider: str,
        service: str,
        deployment_id: str | None,
        inputs: tuple[InputRecord, ...],
        window_start: datetime | None = None,
        window_end: datetime | None = None,
    ) -> DiagnosticData:
        """Everything read, as one DiagnosticData."""
        return DiagnosticData(
            provider=provider,
            service_name=service,
            deployment_id=deployment_id,
            logs=tuple(self._log_data()),
            metrics=tuple(MetricData(source=s, points=tuple(p)) for s, p in self._metrics.items()),
            events=tuple(
                EventData(source=s, events=tuple(sorted(e, key=lambda ev: ev.timestamp.timestamp() if ev.timestamp else 0.0)))
                for s, e in self._event_groups().items()
            ),
            status=self._status.result(),
            inputs=inputs,
            window_start=window_start,
            window_end=window_end,
        )
