"""Flattening collected data into signals: one observable fact each, in its field.

The engine matches each indicator only against signals of its own kind, so a
reason is compared with reasons and messages, never with a spec key, and a log
expression never sees an event. Each signal carries what the scoring needs:
whether it belongs to the rollout being diagnosed, whether it is among the
last lines of its stream, and where it was read.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

import attrs

from scdiag._records import mutable_record, record
from scdiag.models import (
    ContainerStatus,
    DiagnosticData,
    Instance,
    LogEntry,
    ServiceStatus,
    SourceLocation,
    Termination,
)

__all__ = ["Signal", "SignalKind", "SignalSet", "TAIL_LINES", "extract_signals"]

TAIL_LINES = 50
"""Lines at the end of a stream that count as "just before the exit"."""


class SignalKind(str, enum.Enum):
    """What a signal is."""

    LOG = "log"
    EVENT = "event"
    STATUS = "status"
    CONTAINER = "container"
    EXIT_CODE = "exit_code"
    TARGET = "target"


@record
class Signal:
    """One observation, in the field it was read from."""

    kind: SignalKind
    text: str = ""
    """The message: log line, event message, stoppedReason, condition message."""
    reason: str | None = None
    """The machine reason: event reason, stopCode, waiting reason, target reason."""
    source: str = ""
    """Log or event source (``ecs-service``, ``kubernetes-event``...)."""
    timestamp: datetime | None = None
    location: SourceLocation | None = None
    instance: str | None = None
    stream: str = ""
    index: int = 0
    """Position in its stream (logs), for "later line" questions."""
    current: bool = True
    """Belongs to the rollout being diagnosed (or it cannot be told)."""
    tail: bool = True
    """For logs: among the last :data:`TAIL_LINES` lines of the stream."""
    exit_code: int | None = None
    state: str | None = None
    """Target health state, container state."""
    count: int = 1
    label: str = ""
    """How to name the signal in evidence, e.g. ``pod/web-1 container app``."""

    def excerpt(self) -> str:
        """The text shown as evidence."""
        if self.kind is SignalKind.EXIT_CODE:
            return f"{self.label}: exit code {self.exit_code}" + (f" ({self.reason})" if self.reason else "")
        parts = [part for part in (self.reason, self.text) if part]
        if self.kind is SignalKind.TARGET and self.state:
            parts.insert(0, self.state)
        body = ": ".join(dict.fromkeys(parts))
        return f"{self.label}: {body}" if self.label and self.kind is not SignalKind.LOG else body


@mutable_record
class SignalSet:
    """All signals of one diagnosis, by kind, plus the facts about the rollout."""

    by_kind: dict[SignalKind, list[Signal]] = attrs.field(factory=lambda: defaultdict(list))
    current_instances: set[str] = attrs.field(factory=set)
    old_instances: set[str] = attrs.field(factory=set)
    _by_stream: dict[str, list[Signal]] | None = None

    def add(self, signal: Signal) -> None:
        """Add one signal."""
        self.by_kind[signal.kind].append(signal)

    def of(self, kind: SignalKind) -> list[Signal]:
        """Signals of one kind, in the order they were added."""
        return self.by_kind.get(kind, [])

    def context(self, signal: Signal, before: int = 3, after: int = 2) -> tuple[str, ...]:
        """Lines kept around a log line in its stream (the line itself included)."""
        stream = self._streams().get(signal.stream, [])
        return tuple(s.text for s in stream[max(0, signal.index - before) : signal.index + after + 1])

    def _streams(self) -> dict[str, list[Signal]]:
        if self._by_stream is None:
            grouped: dict[str, list[Signal]] = defaultdict(list)
            for line in self.of(SignalKind.LOG):
                grouped[line.stream].append(line)
            self._by_stream = dict(grouped)
        return self._by_stream

    def later_lines(self, signal: Signal) -> Iterator[Signal]:
        """Log lines of the same stream after ``signal``."""
        yield from self._streams().get(signal.stream, [])[signal.index + 1 :]


def _instance_membership(status: ServiceStatus | None) -> tuple[set[str], set[str]]:
    """Which instances belong to the current rollout and which to older ones."""
    if status is None:
        return set(), set()
    current = status.current_rollout()
    current_ids: set[str] = set()
    old_ids: set[str] = set()
    for instance in status.instances:
        is_old = instance.terminating or (
            current is not None and instance.rollout_id is not None and instance.rollout_id != current.id
        )
        (old_ids if is_old else current_ids).add(instance.id)
    return current_ids, old_ids


def _is_current(instance: str | None, old: set[str]) -> bool:
    return instance is None or instance not in old


def _termination_signals(term: Termination, label: str, instance: Instance, current: bool, previous: bool, where: SourceLocation | None) -> Iterator[Signal]:
    when = term.finished_at
    reason = term.reason
    if reason or term.message:
        yield Signal(SignalKind.CONTAINER, text=term.message or "", reason=reason, timestamp=when, location=where, instance=instance.id, current=current, label=label, state="terminated")
    if term.exit_code is not None:
        yield Signal(SignalKind.EXIT_CODE, exit_code=term.exit_code, reason=reason, timestamp=when, location=where, instance=instance.id, current=current, label=label + (" (previous run)" if previous else ""))


def _container_signals(container: ContainerStatus, instance: Instance, current: bool) -> Iterator[Signal]:
    label = f"{instance.kind} {instance.id}" + (f" container {container.name}" if container.name else "")
    # The line of the container's own reason, when the reader found it; else its instance's.
    where = container.location or instance.location
    if container.reason or container.message:
        yield Signal(SignalKind.CONTAINER, text=container.message or "", reason=container.reason, timestamp=instance.stopped_at or instance.started_at, location=where, instance=instance.id, current=current, label=label, state=container.state)
    if container.termination is not None:
        signals = _termination_signals(container.termination, label, instance, current, previous=False, where=where)
        # ECS repeats the container's reason on its termination: one observation, not two.
        duplicate = container.termination.reason == container.reason and not container.termination.message
        yield from (s for s in signals if not (duplicate and s.kind is SignalKind.CONTAINER))
    if container.last_termination is not None:
        yield from _termination_signals(container.last_termination, label, instance, current, previous=True, where=where)


def _status_signals(status: ServiceStatus, old: set[str]) -> Iterator[Signal]:
    for instance in status.instances:
        current = _is_current(instance.id, old)
        label = f"{instance.kind} {instance.id}"
        if instance.reason or instance.message:
            yield Signal(SignalKind.STATUS, text=instance.message or "", reason=instance.reason, timestamp=instance.stopped_at or instance.created_at, location=instance.location, instance=instance.id, current=current, label=label)
        for condition in instance.conditions:
            if condition.reason or condition.message:
                yield Signal(SignalKind.STATUS, text=condition.message or "", reason=condition.reason, timestamp=condition.last_transition, location=condition.location or instance.location, instance=instance.id, current=current, label=f"{label} {condition.type}={condition.status}", state=condition.status)
        for container in instance.containers:
            yield from _container_signals(container, instance, current)
    for rollout in status.rollouts:
        if rollout.reason:
            yield Signal(SignalKind.STATUS, text=rollout.reason, reason=rollout.rollout_state, timestamp=rollout.updated_at, current=rollout.current, label=f"rollout {rollout.id}")
        for condition in rollout.conditions:
            if condition.reason or condition.message:
                yield Signal(SignalKind.STATUS, text=condition.message or "", reason=condition.reason, timestamp=condition.last_transition, location=condition.location, current=rollout.current, label=f"rollout {rollout.id} {condition.type}={condition.status}", state=condition.status)
    for condition in status.conditions:
        if condition.reason or condition.message:
            yield Signal(SignalKind.STATUS, text=condition.message or "", reason=condition.reason, timestamp=condition.last_transition, location=condition.location, label=f"{status.name} {condition.type}={condition.status}", state=condition.status)
    for target in status.targets:
        yield Signal(SignalKind.TARGET, text=target.description or "", reason=target.reason, state=target.state, location=target.location, label=f"target {target.target_id}" + (f" in {target.target_group}" if target.target_group else ""))


def _log_signals(data: DiagnosticData, old: set[str]) -> Iterator[Signal]:
    streams: dict[str, list[LogEntry]] = defaultdict(list)
    for log in data.logs:
        for entry in log.entries:
            streams[entry.stream or log.source].append(entry)
    for stream, entries in streams.items():
        tail_start = len(entries) - TAIL_LINES
        for index, entry in enumerate(entries):
            yield Signal(
                SignalKind.LOG,
                text=entry.message,
                source=entry.attributes.get("source", ""),
                timestamp=entry.timestamp,
                location=entry.location,
                instance=entry.instance,
                stream=stream,
                index=index,
                current=_is_current(entry.instance, old),
                tail=index >= tail_start,
                label=stream,
            )


def extract_signals(data: DiagnosticData) -> SignalSet:
    """Every signal in the data, tagged with rollout membership and position."""
    current, old = _instance_membership(data.status)
    signals = SignalSet(current_instances=current, old_instances=old)
    if data.status is not None:
        for signal in _status_signals(data.status, old):
            signals.add(signal)
    for events in data.events:
        for event in events.events:
            signals.add(
                Signal(
                    SignalKind.EVENT,
                    text=event.message,
                    reason=event.reason,
                    source=event.source,
                    timestamp=event.timestamp,
                    location=event.location,
                    instance=event.instance,
                    current=_is_current(event.instance, old),
                    count=event.count,
                    label=event.resource or event.source,
                )
            )
    for signal in _log_signals(data, old):
        signals.add(signal)
    return signals
