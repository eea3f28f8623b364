"""The one way a provider calls a cloud API: retries and a span around each call.

Every adapter makes its SDK calls through :func:`cloud_call`::

    from scdiag.cloudcall import CloudOperation, cloud_call

    op = CloudOperation(provider="aws", service="ECS", method="DescribeServices", region="eu-west-1")
    response = cloud_call(op, lambda: ecs.describe_services(...), classify=map_boto_error, deadline=scope.deadline)

``classify`` turns the SDK's exception into one of :mod:`scdiag.errors`; only
:class:`~scdiag.errors.TransientCloudError` (throttling, 429, 5xx, timeouts,
dropped connections) is retried, with jittered exponential backoff, honouring
the API's Retry-After, and never past the deadline. Each call is one CLIENT
span named ``"{service}.{method}"`` carrying the attributes the OpenTelemetry
botocore instrumentation uses, plus the attempt count and outcome. Paginated
reads call :func:`cloud_call` once per page: a generator cannot be replayed.

This module is the only one that touches tenacity and OpenTelemetry.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import attrs
import tenacity
from opentelemetry import trace

from scdiag._records import record
from scdiag._version import __version__
from scdiag.deadline import Deadline
from scdiag.errors import CloudError, ThrottledError, TransientCloudError
from scdiag.redaction import redact_for_telemetry

__all__ = ["CloudOperation", "Deadline", "RetryPolicy", "cloud_call", "retry_after_seconds"]

T = TypeVar("T")
_JITTER = random.Random()
"""Its own generator: retry jitter must not disturb (or be disturbed by) the global random state."""
_log = logging.getLogger(__name__)


def retry_after_seconds(value: object) -> float | None:
    """Seconds a ``Retry-After`` header asks for: delta seconds or an HTTP date; ``None`` when absent or unreadable."""
    import email.utils

    if value is None:
        return None
    try:
        return max(0.0, float(str(value)))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


@record
class RetryPolicy:
    """How hard :func:`cloud_call` retries transient failures."""

    max_attempts: int = 5
    initial_delay: float = 0.25
    """Seconds before the second attempt; doubles with each retry."""
    max_delay: float = 8.0
    """Cap of one wait, before Retry-After is considered."""
    jitter: float = 0.25
    """Up to this many seconds of random jitter added to each wait."""


@record
class CloudOperation:
    """Names one API call for retries, spans and error messages."""

    provider: str
    """``aws``, ``gcp``, ``kubernetes``, ``azure``..."""
    service: str
    """The API's service, e.g. ``ECS``, ``CloudWatchLogs``, ``CoreV1``."""
    method: str
    """The operation, e.g. ``DescribeServices``, ``list_namespaced_pod``."""
    region: str | None = None
    target: str | None = None
    """The service being diagnosed, for the span."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def name(self) -> str:
        """``"{service}.{method}"``: the span name."""
        return f"{self.service}.{self.method}"


def _classified(error: BaseException, op: CloudOperation, classify: Callable[[BaseException], BaseException | None] | None) -> BaseException:
    if isinstance(error, CloudError) or classify is None:
        return error
    try:
        mapped = classify(error)
    except Exception:  # a broken classifier must not hide the real error
        _log.debug("error classifier failed for %s", op.name, exc_info=True)
        return error
    return error if mapped is None else mapped


class _Wait:
    """Jittered exponential backoff that honours Retry-After."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, state: tenacity.RetryCallState) -> float:
        policy = self._policy
        delay = min(policy.max_delay, policy.initial_delay * 2 ** (state.attempt_number - 1))
        delay += _JITTER.uniform(0, policy.jitter) if policy.jitter else 0.0
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, ThrottledError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return float(delay)


class _Stop:
    """Stop after the policy's attempts, or when the next wait would pass the deadline."""

    def __init__(self, policy: RetryPolicy, deadline: Deadline, clock: Callable[[], float]) -> None:
        self._policy = policy
        self._deadline = deadline
        self._clock = clock
        self.deadline_hit = False

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self._policy.max_attempts:
            return True
        if self._deadline.remaining(clock=self._clock) <= state.upcoming_sleep:
            self.deadline_hit = True
            return True
        return False


@contextmanager
def _safe_span(op: CloudOperation) -> Iterator[Any]:
    """A CLIENT span; if telemetry itself fails, the call goes on without one."""
    try:
        tracer = trace.get_tracer("scdiag", __version__)
        span_cm = tracer.start_as_current_span(
            op.name,
            kind=trace.SpanKind.CLIENT,
            record_exception=False,
            set_status_on_exception=False,
        )
        span = span_cm.__enter__()
    except Exception:
        _log.debug("could not start a span for %s", op.name, exc_info=True)
        yield None
        return
    try:
        yield span
    finally:
        try:
            span_cm.__exit__(None, None, None)
        except Exception:
            _log.debug("could not end the span for %s", op.name, exc_info=True)


def _span_do(span: Any, action: Callable[[Any], object]) -> None:
    if span is None:
        return
    try:
        action(span)
    except Exception:
        _log.debug("telemetry call failed", exc_info=True)


def _start_attributes(op: CloudOperation) -> dict[str, str]:
    attributes = {
        "cloud.provider": op.provider,
        "rpc.system": f"{op.provider}-api",
        "rpc.service": op.service,
        "rpc.method": op.method,
    }
    if op.region:
        attributes["cloud.region"] = op.region
    if op.target:
        attributes["scdiag.service"] = op.target
    attributes.update({f"scdiag.{key}": value for key, value in op.attributes.items()})
    return attributes


def cloud_call(
    op: CloudOperation,
    fn: Callable[[], T],
    *,
    classify: Callable[[BaseException], BaseException | None] | None = None,
    deadline: Deadline | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call a cloud API with retries on transient failures, inside one span.

    Args:
        op: which call this is.
        fn: makes the call; called again for each attempt.
        classify: maps an SDK exception to a :mod:`scdiag.errors` exception,
            or returns ``None`` to keep it. Only ``TransientCloudError`` is retried.
        deadline: no retry waits past it; the last error is raised instead.
        policy: attempts and backoff; :class:`RetryPolicy` defaults otherwise.
        sleep: how to wait between attempts (tests pass a fake).
        clock: the monotonic clock the deadline is measured on.

    Returns:
        What ``fn`` returned.

    Raises:
        The classified exception of the last attempt.
    """
    policy = policy or RetryPolicy()
    deadline = deadline or Deadline.never()
    stop = _Stop(policy, deadline, clock)
    attempts = 0

    with _safe_span(op) as span:
        _span_do(span, lambda s: s.set_attributes(_start_attributes(op)))

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            event = {
                "scdiag.attempt": state.attempt_number,
                "scdiag.wait_seconds": round(state.upcoming_sleep, 3),
                "exception.type": type(error).__name__,
                "exception.message": redact_for_telemetry(str(error))[:500],
            }
            _span_do(span, lambda s: s.add_event("retry", event))
            _log.debug("retrying %s after %s (attempt %d)", op.name, type(error).__name__, state.attempt_number)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(TransientCloudError),
            stop=stop,
            wait=_Wait(policy),
            sleep=sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    try:
                        result = fn()
                    except BaseException as error:
                        mapped = _classified(error, op, classify)
                        if mapped is error:
                            raise
                        raise mapped from error
        except BaseException as error:
            if isinstance(error, TransientCloudError):
                outcome = "deadline" if stop.deadline_hit else "retries_exhausted"
            else:
                outcome = "error"

            def record_failure(s: Any, failure: BaseException = error) -> None:
                s.set_attribute("scdiag.attempts", attempts)
                s.set_attribute("scdiag.outcome", outcome)
                s.set_attribute("error.type", type(failure).__name__)
                if isinstance(failure, CloudError) and failure.status is not None:
                    s.set_attribute("scdiag.status", str(failure.status))
                s.set_status(trace.Status(trace.StatusCode.ERROR, redact_for_telemetry(str(failure))[:500]))

            _span_do(span, record_failure)
            raise
        _span_do(span, lambda s: s.set_attributes({"scdiag.attempts": attempts, "scdiag.outcome": "ok"}))
        return result
    raise AssertionError("unreachable")  # pragma: no cover - the span context always yields
