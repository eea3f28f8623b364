"""cloud_call: retries only what is transient, within the deadline, inside one span."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from scdiag.cloudcall import CloudOperation, Deadline, RetryPolicy, cloud_call
from scdiag.errors import AccessDeniedError, ThrottledError, TransientCloudError

OP = CloudOperation(provider="aws", service="ECS", method="DescribeServices", region="eu-west-1", target="web")


class Flaky:
    """Fails with the given errors, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@pytest.fixture(name="sleeps")
def _sleeps() -> list[float]:
    return []


@pytest.fixture(name="call")
def _call(sleeps: list[float]) -> Callable[..., Any]:
    def call(fn: Callable[[], Any], **kwargs: Any) -> Any:
        kwargs.setdefault("policy", RetryPolicy(max_attempts=4, initial_delay=0.1, max_delay=1.0, jitter=0.0))
        return cloud_call(OP, fn, sleep=sleeps.append, **kwargs)

    return call


def test_a_successful_call_returns_its_value_in_one_client_span(call: Callable[..., Any], spans: InMemorySpanExporter) -> None:
    """One span named service.method, CLIENT kind, with the botocore attribute names."""
    assert call(lambda: 42) == 42
    (span,) = spans.get_finished_spans()
    assert span.name == "ECS.DescribeServices"
    assert span.kind is SpanKind.CLIENT
    assert span.attributes is not None
    assert span.attributes["rpc.service"] == "ECS"
    assert span.attributes["rpc.method"] == "DescribeServices"
    assert span.attributes["cloud.region"] == "eu-west-1"
    assert span.attributes["cloud.provider"] == "aws"
    assert span.attributes["scdiag.service"] == "web"
    assert span.attributes["scdiag.attempts"] == 1
    assert span.attributes["scdiag.outcome"] == "ok"


def test_transient_errors_are_retried_with_backoff(call: Callable[..., Any], sleeps: list[float], spans: InMemorySpanExporter) -> None:
    """Two transient failures, then success: three attempts, two waits, a retry event each."""
    flaky = Flaky(TransientCloudError("503"), TransientCloudError("503"))
    assert call(flaky) == "ok"
    assert flaky.calls == 3
    assert sleeps == [0.1, 0.2]
    (span,) = spans.get_finished_spans()
    assert [event.name for event in span.events] == ["retry", "retry"]
    assert span.attributes is not None and span.attributes["scdiag.attempts"] == 3


def test_access_denied_is_never_retried(call: Callable[..., Any], spans: InMemorySpanExporter) -> None:
    """A permission problem fails at once and marks the span as an error."""
    flaky = Flaky(AccessDeniedError("no", permission="ecs:DescribeServices"))
    with pytest.raises(AccessDeniedError):
        call(flaky)
    assert flaky.calls == 1
    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None and span.attributes["scdiag.outcome"] == "error"


def test_the_classifier_maps_sdk_errors_before_retrying(call: Callable[..., Any]) -> None:
    """An SDK exception the adapter calls transient is retried; the original is chained."""
    flaky = Flaky(ConnectionResetError("reset"))
    assert call(flaky, classify=lambda e: TransientCloudError(str(e)) if isinstance(e, ConnectionResetError) else None) == "ok"
    assert flaky.calls == 2


def test_unclassified_errors_propagate_unchanged(call: Callable[..., Any]) -> None:
    """Without a mapping the SDK's own exception comes out, not retried."""
    flaky = Flaky(KeyError("x"))
    with pytest.raises(KeyError):
        call(flaky, classify=lambda e: None)
    assert flaky.calls == 1


def test_retry_after_is_honoured(call: Callable[..., Any], sleeps: list[float]) -> None:
    """A throttle asking for 3 s waits 3 s, more than the backoff would."""
    call(Flaky(ThrottledError("slow down", retry_after=3.0)))
    assert sleeps == [3.0]


def test_attempts_are_bounded(call: Callable[..., Any], spans: InMemorySpanExporter) -> None:
    """After max_attempts the last error is raised and the span says so."""
    flaky = Flaky(*[TransientCloudError("503")] * 10)
    with pytest.raises(TransientCloudError):
        call(flaky)
    assert flaky.calls == 4
    (span,) = spans.get_finished_spans()
    assert span.attributes is not None and span.attributes["scdiag.outcome"] == "retries_exhausted"


def test_no_wait_goes_past_the_deadline(call: Callable[..., Any], sleeps: list[float], spans: InMemorySpanExporter) -> None:
    """A Retry-After longer than the time left stops retrying at once."""
    now = [100.0]
    flaky = Flaky(ThrottledError("slow down", retry_after=30.0))
    with pytest.raises(ThrottledError):
        call(flaky, deadline=Deadline(110.0), clock=lambda: now[0])
    assert flaky.calls == 1
    assert sleeps == []
    (span,) = spans.get_finished_spans()
    assert span.attributes is not None and span.attributes["scdiag.outcome"] == "deadline"


def test_secrets_in_errors_do_not_reach_the_span(call: Callable[..., Any], spans: InMemorySpanExporter) -> None:
    """The error text on a span is redacted."""
    with pytest.raises(AccessDeniedError):
        call(Flaky(AccessDeniedError("denied for AKIAABCDEFGHIJKLMNOP password=hunter2")))
    (span,) = spans.get_finished_spans()
    assert "hunter2" not in (span.status.description or "")
    assert "ABCDEFGHIJKLMNOP" not in (span.status.description or "")


def test_a_broken_tracer_does_not_break_the_call(call: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Telemetry failures stay invisible to callers."""
    from scdiag import cloudcall

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("tracer down")

    monkeypatch.setattr(cloudcall.trace, "get_tracer", broken)
    assert call(lambda: "fine") == "fine"
