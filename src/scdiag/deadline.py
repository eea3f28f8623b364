"""Deadlines on the monotonic clock, shared by collection and cloud calls, and work run under one."""

from __future__ import annotations

import contextvars
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from scdiag._records import record

__all__ = ["Abandoned", "Deadline", "SourceOutcome", "call_within", "run_with_deadline", "unfinished_work"]

_WORKERS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_WORKERS_LOCK = threading.Lock()


@record
class Deadline:
    """A point in time (on the monotonic clock) by which work must finish."""

    expires_at: float
    """``time.monotonic()`` value of the deadline."""

    @classmethod
    def after(cls, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A deadline ``seconds`` from now."""
        return cls(clock() + seconds)

    @classmethod
    def never(cls) -> Deadline:
        """A deadline that never expires."""
        return cls(float("inf"))

    def remaining(self, *, clock: Callable[[], float] = time.monotonic) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.expires_at - clock())

    def expired(self, *, clock: Callable[[], float] = time.monotonic) -> bool:
        """Whether the deadline has passed."""
        return self.remaining(clock=clock) <= 0.0


@record
class SourceOutcome:
    """What one concurrently run task produced: a value, an error, or nothing in time."""

    name: str
    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False


def run_with_deadline(
    tasks: dict[str, Callable[[], Any]], deadline: Deadline, *, stop: Callable[[SourceOutcome], bool] | None = None
) -> dict[str, SourceOutcome]:
    """Run the tasks on daemon threads and wait for them until the deadline.

    Daemon threads, not an executor: a cloud call that hangs past the deadline
    must not keep the process alive once the diagnosis is done. When ``stop``
    says so of an outcome, the others are not waited for (they come back as
    timed out, and run on to their own end).
    """
    results: queue.Queue[SourceOutcome] = queue.Queue()

    def run(name: str, task: Callable[[], Any]) -> None:
        try:
            results.put(SourceOutcome(name, value=task()))
        except BaseException as error:  # isolation seam: becomes a data gap
            results.put(SourceOutcome(name, error=error))

    for name, task in tasks.items():
        # Each thread runs in a copy of the caller's context: the run's redaction rules reach its spans.
        context = contextvars.copy_context()
        worker = threading.Thread(target=context.run, args=(run, name, task), name=f"scdiag-{name}", daemon=True)
        with _WORKERS_LOCK:
            _WORKERS.add(worker)
        worker.start()
    outcomes: dict[str, SourceOutcome] = {}
    while len(outcomes) < len(tasks):
        remaining = deadline.remaining()
        if remaining <= 0:
            break
        try:
            # Waits are capped so an infinite deadline still polls (a lock cannot wait forever in one call).
            outcome = results.get(timeout=min(remaining, 60.0))
        except queue.Empty:
            continue
        outcomes[outcome.name] = outcome
        if deadline.expired() or (stop is not None and stop(outcome)):
            break
    for name in tasks:
        outcomes.setdefault(name, SourceOutcome(name, timed_out=True))
    return outcomes


def unfinished_work(wait: float = 0.0) -> list[str]:
    """Names of the threads run here that are still running, after waiting up to ``wait`` seconds for them.

    Work past its deadline is abandoned, not stopped: it may still be inside
    native code that released the GIL (RE2 does while it matches). A process
    whose interpreter finalises under such a thread is aborted by the C++
    runtime, so an entry point that sees unfinished work leaves without
    finalising (see :func:`scdiag.cli.run`).
    """
    until = time.monotonic() + wait
    with _WORKERS_LOCK:
        workers = [worker for worker in _WORKERS if worker.is_alive()]
    for worker in workers:
        worker.join(max(0.0, until - time.monotonic()))
    return sorted(worker.name for worker in workers if worker.is_alive())


class Abandoned(TimeoutError):
    """Work that did not finish in its time; its thread was left to end on its own."""


def call_within(task: Callable[[], Any], seconds: float, *, name: str = "task") -> Any:
    """``task()`` on a daemon thread, waited for at most ``seconds``.

    Plugin code runs so: a hook, reader or renderer that never returns is
    abandoned, not waited for. ``SystemExit`` or ``KeyboardInterrupt`` raised
    by the task is the task's failure (a real Ctrl-C reaches the main thread,
    never this one) and comes back as a ``RuntimeError``.

    Raises:
        Abandoned: the task did not finish in time.
        BaseException: whatever the task raised.
    """
    outcome = run_with_deadline({name: task}, Deadline.after(seconds))[name]
    if outcome.timed_out:
        raise Abandoned(f"did not finish within {seconds:g} s; abandoned")
    if outcome.error is not None and not isinstance(outcome.error, Exception):
        raise RuntimeError(f"raised {type(outcome.error).__name__}: {outcome.error}") from outcome.error
    if outcome.error is not None:
        raise outcome.error
    return outcome.value
