"""Watching an ECS deployment whose tasks stop, against moto's server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import CacheConfig, DiagnosticsConfig
from scdiag.models import DiagnosticRequest, RequestContext
from scdiag.watch import WatchEventType, WatchOutcome, WatchPolicy

from tests.adapters.aws.moto_ecs import REGION, EcsWorld

PULL_NOT_FOUND = f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.{REGION}.amazonaws.com/web:2.15.0: 123456789012.dkr.ecr.{REGION}.amazonaws.com/web:2.15.0: not found"


class Script:
    """A fake clock; each wait runs the next step against moto."""

    def __init__(self, steps: list) -> None:  # type: ignore[type-arg]
        self.steps, self.seconds = steps, 0.0

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds
        if self.steps:
            self.steps.pop(0)()


def _watch(steps: list) -> list:  # type: ignore[type-arg]
    script = Script(steps)
    request = DiagnosticRequest(provider="aws", service_name="web", region=REGION, context=RequestContext(options={"cluster": "prod"}))
    orchestrator = DiagnosticOrchestrator(config=DiagnosticsConfig(cache=CacheConfig(enabled=False), auto_collect_on_failure=False))
    return list(orchestrator.watch(request, WatchPolicy(interval=timedelta(seconds=5)), clock=script, sleep=script.sleep))


def test_tasks_stopping_on_a_missing_image_are_doomed_on_the_next_poll(world: EcsWorld) -> None:
    """Running, then a task stopped with CannotPullContainerError ... not found: doomed one poll later."""
    world.build()
    events = _watch([lambda: world.stop(world.task_ids[0], stop_code="TaskFailedToStart", reason=PULL_NOT_FOUND)])
    (verdict,) = [e for e in events if e.type is WatchEventType.VERDICT]
    assert verdict.verdict is not None and (verdict.verdict.outcome, verdict.verdict.pattern_id, verdict.poll) == (WatchOutcome.DOOMED, "image-not-found", 3)


def test_the_circuit_breaker_tripping_ends_the_watch_failed_at_once(world: EcsWorld) -> None:
    """ECS itself gives up: failed on the poll that sees it, with the stopped task's cause."""
    world.build()

    def trip() -> None:
        world.stop(world.task_ids[0], stop_code="TaskFailedToStart", reason=PULL_NOT_FOUND)
        world.rollout("FAILED", "ECS deployment circuit breaker: tasks failed to start.")

    events = _watch([trip])
    (verdict,) = [e for e in events if e.type is WatchEventType.VERDICT]
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.FAILED and verdict.poll == 2
