"""Watching a rollout as it happens: progress, new events, and a verdict as soon as the data allows one.

:class:`RolloutWatcher` polls a provider through the orchestrator, emits a
:class:`WatchEvent` for every change (the attempted rollout's counts, a new
platform event, an instance changing state), and stops with a verdict:

- **healthy**: the attempted rollout completed and its instances serve;
- **failed**: the platform gave up on it (rolled back, refused, failed);
- **doomed**: the data shows a state that does not recover on its own, seen
  on two polls in a row. What counts as doomed comes from the knowledge
  base's own ranking of the cause (its tier and category), never from a
  cloud's field values:

  - a pre-start failure (image, configuration, permissions, secrets): doomed
    at once, once confirmed;
  - a crash with a diagnosed cause (out of memory, a missing variable, a
    dependency refused): doomed once the failing instances restarted or
    stopped at least ``crash_restarts`` times;
  - scheduling: doomed once confirmed, unless the platform reports capacity
    being added (a cluster autoscaler scaling up), then only after ``grace``;
  - health checks, probes, and causes the knowledge base marks ``may_recover``
    (pull timeouts, rate limits, capacity): only after failing for ``grace``,
    as an application warming up or one retried pull is not a failure;
- **timeout**: still progressing at ``timeout``.

The last event is the report of the final data, as ``diagnose`` gives it.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import attrs

from scdiag._records import mutable_record, record
from scdiag.models import (
    DiagnosticData,
    DiagnosticEvent,
    DiagnosticRequest,
    DiagnosticResult,
    DiagnosticStatus,
    GapKind,
    RolloutOutcome,
    RootCause,
    ServiceStatus,
)
from scdiag.ports import Clock, SystemClock

__all__ = ["RolloutProgress", "RolloutWatcher", "WatchEvent", "WatchEventType", "WatchPolicy", "WatchVerdict", "WatchOutcome"]

SCHEMA_VERSION = "1.0"
"""Version of the watch-event lines (``docs/watch-event-schema.json``)."""


class WatchEventType(str, enum.Enum):
    """What a :class:`WatchEvent` carries."""

    PROGRESS = "progress"
    EVENT = "event"
    VERDICT = "verdict"
    REPORT = "report"


class WatchOutcome(str, enum.Enum):
    """How a watch ended."""

    HEALTHY = "healthy"
    FAILED = "failed"
    DOOMED = "doomed"
    TIMEOUT = "timeout"
    NOTHING_COLLECTED = "nothing_collected"


@record
class RolloutProgress:
    """The attempted rollout's counts at one poll."""

    attempted: str | None
    desired: int | None = None
    running: int | None = None
    ready: int | None = None
    pending: int | None = None
    failed: int | None = None
    restarts: int = 0
    """Restarts and failed stops of the attempted rollout's instances, summed."""
    outcome: RolloutOutcome | None = None


@record
class WatchVerdict:
    """Why the watch stopped."""

    outcome: WatchOutcome
    summary: str
    pattern_id: str | None = None
    confidence: float | None = None
    seen_for: float | None = None
    """Seconds between the poll that first showed the deciding state and the verdict."""


@record
class WatchEvent:
    """One change seen while watching (one line of ``--output jsonl``)."""

    type: WatchEventType
    poll: int
    elapsed: float
    """Seconds since the watch started."""
    at: datetime
    progress: RolloutProgress | None = None
    event: DiagnosticEvent | None = None
    verdict: WatchVerdict | None = None
    result: DiagnosticResult | None = None
    """The final diagnosis (``report`` events)."""


@record
class WatchPolicy:
    """How often to look, how long to wait, and when a state counts as doomed."""

    interval: timedelta = timedelta(seconds=5)
    timeout: timedelta = timedelta(minutes=15)
    grace: timedelta = timedelta(minutes=3)
    """How long a state that may recover (probes failing while the app warms up) is given."""
    confirm_polls: int = 2
    """Polls in a row a doomed state must be seen on."""
    crash_restarts: int = 2
    """Restarts (or failed stops) after which a crash with a diagnosed cause is doomed."""
    max_interval: timedelta = timedelta(seconds=60)
    """The longest wait between polls when the API throttles or fails."""
    lookback: timedelta = timedelta(minutes=5)
    """Events and logs from this long before the watch started belong to the rollout too."""


# The knowledge base's categories of causes that may recover on their own within the grace period.
_WAIT_CATEGORIES = frozenset({"health_checks", "external_dependencies"})
_SCHEDULING = "scheduling"


def _tier(cause: RootCause) -> int:
    try:
        return int(cause.attributes.get("tier", "3"))
    except ValueError:
        return 3


def progress_of(status: ServiceStatus | None) -> RolloutProgress:
    """The attempted rollout's counts, from its rollout and its instances."""
    if status is None:
        return RolloutProgress(attempted=None)
    rollout = status.current_rollout()
    attempted = rollout.id if rollout else None
    mine = [i for i in status.instances if attempted is None or i.rollout_id in (None, attempted)]
    restarts = sum(max((c.restart_count for c in i.containers), default=0) for i in mine if not i.terminating)
    restarts += sum(1 for i in mine if i.failing and i.stopped_at is not None)
    running = rollout.running if rollout and rollout.running is not None else (sum(1 for i in mine if not i.terminating and i.failing is not True and i.stopped_at is None) if mine else None)
    return RolloutProgress(
        attempted=attempted,
        desired=rollout.desired if rollout else status.desired_count,
        running=running,
        ready=rollout.ready if rollout else None,
        pending=rollout.pending if rollout and rollout.pending is not None else (status.pending_count if status.pending_count is not None else None),
        failed=rollout.failed if rollout and rollout.failed is not None else (sum(1 for i in mine if i.failing) if mine else None),
        restarts=restarts,
        outcome=rollout.outcome if rollout else None,
    )


def _instance_states(status: ServiceStatus | None) -> dict[str, str]:
    states = {}
    for instance in status.instances if status else ():
        waiting = next((c.reason for c in instance.containers if c.reason), None)
        state = waiting or instance.phase or ("failing" if instance.failing else "unknown")
        if instance.ready is not None and not waiting:
            state = f"{state}, {'ready' if instance.ready else 'not ready'}"
        states[instance.id] = state
    return states


def _event_key(event: DiagnosticEvent) -> tuple[object, ...]:
    return (event.source, event.reason, event.resource, event.instance, event.message, event.count)


@mutable_record
class RolloutWatcher:
    """Polls a deployment until it is healthy, failed, doomed or out of time.

    Attributes:
        collect: one collection of the request (the orchestrator's, without cache).
        analyze: the analysis of collected data.
        policy: intervals, timeouts and the doom rules' thresholds.
        clock: the time (tests pass a fake one).
        sleep: how to wait between polls (tests pass one that advances their clock).
        final_collect: collects the final report's data when the watch fails
            (``auto_collect_on_failure``); ``None`` reports the last poll's data.
    """

    collect: Callable[[DiagnosticRequest], DiagnosticData]
    analyze: Callable[[DiagnosticData, DiagnosticRequest], DiagnosticResult]
    policy: WatchPolicy = attrs.field(factory=WatchPolicy)
    clock: Clock = attrs.field(factory=SystemClock)
    sleep: Callable[[float], None] = time.sleep
    final_collect: Callable[[DiagnosticRequest], DiagnosticData] | None = None

    def watch(self, request: DiagnosticRequest) -> Iterator[WatchEvent]:
        """Every change, then a ``verdict`` event and a ``report`` event."""
        policy = self.policy
        started = self.clock.monotonic()
        window_start = request.start_time or self.clock.now() - policy.lookback
        polled = attrs.evolve(request, start_time=window_start, end_time=None)
        seen_events: set[tuple[object, ...]] = set()
        states: dict[str, str] = {}
        last_progress: RolloutProgress | None = None
        suspect: tuple[str, float, int] | None = None  # (pattern id, first seen at, polls seen)
        interval = policy.interval.total_seconds()
        data: DiagnosticData | None = None
        result: DiagnosticResult | None = None
        collected_any = False
        poll = 0
        while True:
            poll += 1
            poll_started = self.clock.monotonic()
            data = self.collect(polled)
            elapsed = self.clock.monotonic() - started
            now = self.clock.now()

            def emit(kind: WatchEventType, **fields: object) -> WatchEvent:
                return WatchEvent(type=kind, poll=poll, elapsed=round(elapsed, 3), at=now, **fields)  # type: ignore[arg-type]

            delivered = data.status is not None or any(log.entries for log in data.logs) or any(group.events for group in data.events)
            collected_any = collected_any or delivered
            result = self.analyze(data, polled) if delivered else None
            progress = progress_of(data.status)
            if delivered and progress != last_progress:
                last_progress = progress
                yield emit(WatchEventType.PROGRESS, progress=progress)
            for event in sorted((e for group in data.events for e in group.events), key=lambda e: (e.timestamp is None, e.timestamp)):
                key = _event_key(event)
                if key not in seen_events:
                    seen_events.add(key)
                    yield emit(WatchEventType.EVENT, event=event)
            for instance, state in _instance_states(data.status).items():
                if states.get(instance) != state:
                    before = states.get(instance)
                    states[instance] = state
                    change = f"{instance}: {before} -> {state}" if before else f"{instance}: {state}"
                    yield emit(WatchEventType.EVENT, event=DiagnosticEvent(message=change, timestamp=now, source="watch", resource=instance, instance=instance))

            verdict: WatchVerdict | None = None
            if result is not None:
                verdict, suspect = self._decide(result, data, progress, suspect, elapsed)
            if verdict is None and elapsed >= policy.timeout.total_seconds():
                outcome = WatchOutcome.TIMEOUT if collected_any else WatchOutcome.NOTHING_COLLECTED
                what = "still progressing" if collected_any else "nothing could be collected"
                verdict = WatchVerdict(outcome, f"{request.service_name}: {what} after {int(elapsed)} s (--timeout)")
            if verdict is not None:
                yield emit(WatchEventType.VERDICT, verdict=verdict)
                final = result
                if verdict.outcome in (WatchOutcome.FAILED, WatchOutcome.DOOMED) and self.final_collect is not None:
                    final_data = self.final_collect(request)
                    final = self.analyze(final_data, request)
                if final is not None:
                    yield emit(WatchEventType.REPORT, result=final)
                return
            # Throttled or failing sources: look less often until the API answers again.
            troubled = any(gap.kind in (GapKind.FAILED, GapKind.TIMED_OUT) for gap in data.gaps)
            interval = min(policy.max_interval.total_seconds(), interval * 2) if troubled else policy.interval.total_seconds()
            # The interval runs from the start of one poll to the start of the next.
            spent = self.clock.monotonic() - poll_started
            remaining = policy.timeout.total_seconds() - (self.clock.monotonic() - started)
            self.sleep(max(0.0, min(interval - spent, remaining)))

    def _decide(
        self, result: DiagnosticResult, data: DiagnosticData, progress: RolloutProgress, suspect: tuple[str, float, int] | None, elapsed: float
    ) -> tuple[WatchVerdict | None, tuple[str, float, int] | None]:
        name = result.request.service_name
        # The platform's own outcome for the attempted rollout, as its adapter read it; the verdict's
        # outcome also says FAILED for a rollout whose instances fail, which is for the rules below.
        outcome = progress.outcome
        cause = result.root_cause
        if result.status is DiagnosticStatus.HEALTHY:
            return WatchVerdict(WatchOutcome.HEALTHY, result.summary), None
        if outcome in (RolloutOutcome.FAILED, RolloutOutcome.ROLLED_BACK, RolloutOutcome.NOT_STARTED):
            return WatchVerdict(WatchOutcome.FAILED, result.summary, cause.pattern_id if cause else None, cause.confidence if cause else None, 0.0), None
        if result.status is not DiagnosticStatus.FAILED or cause is None or cause.guess or cause.pattern_id == "unknown":
            return None, None
        if suspect is None or suspect[0] != cause.pattern_id:
            suspect = (cause.pattern_id, elapsed, 1)
        else:
            suspect = (suspect[0], suspect[1], suspect[2] + 1)
        _pattern, first_seen, polls = suspect
        seen_for = elapsed - first_seen
        if polls < self.policy.confirm_polls:
            return None, suspect
        tier = _tier(cause)
        grace = self.policy.grace.total_seconds()
        capacity_coming = any(e.attributes.get("capacity") == "adding" for group in data.events for e in group.events)
        if cause.category in _WAIT_CATEGORIES or cause.attributes.get("may_recover") == "true" or tier >= 4:
            doomed = seen_for >= grace
        elif cause.category == _SCHEDULING:
            doomed = seen_for >= grace if capacity_coming else True
        elif tier == 1:
            doomed = True
        else:
            doomed = progress.restarts >= self.policy.crash_restarts
        if not doomed:
            return None, suspect
        summary = f"{name}: doomed: {cause.name} ({cause.confidence:.0%} confidence), seen on {polls} polls over {int(seen_for)} s"
        return WatchVerdict(WatchOutcome.DOOMED, summary, cause.pattern_id, cause.confidence, round(seen_for, 3)), suspect
