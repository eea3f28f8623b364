"""Watching a Kubernetes rollout whose state changes between polls, against the loopback API server.

The watch runs on a fake clock: each wait between polls advances it and moves
the cluster to its next state, so every poll sees the state the test
scripted, and no test waits in real time.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import CacheConfig, DiagnosticsConfig
from scdiag.models import DiagnosticRequest, RequestContext
from scdiag.watch import WatchEvent, WatchEventType, WatchOutcome, WatchPolicy

from tests.adapters.conftest import SCENARIOS
from tests.adapters.k8s.fake_apiserver import FakeKubeAPI, Fault, kubeconfig

POD = "web-7f8c9d6b5-x2kqp"
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)


class FakeTime:
    """A clock whose every sleep moves the cluster to its next scripted state."""

    def __init__(self, api: FakeKubeAPI, stages: list[str]) -> None:
        self.api, self.stages, self.seconds, self.slept = api, stages, 0.0, []  # type: ignore[var-annotated]
        self.stage = 0
        load(api, stages[0])

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.seconds += seconds
        self.stage = min(self.stage + 1, len(self.stages) - 1)
        load(self.api, self.stages[self.stage])


def _pods(directory: str) -> list[dict[str, Any]]:
    value = json.loads((SCENARIOS / directory / "pods.json").read_text())
    return value.get("items", [value])


def _creating() -> dict[str, list[dict[str, Any]]]:
    """The image-not-found rollout a moment earlier: the new pod is still being created, no event yet."""
    pods = copy.deepcopy(_pods("k8s-image-not-found"))
    for pod in pods:
        for status in pod["status"].get("containerStatuses", []):
            if "waiting" in status.get("state", {}):
                status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    return {"pods": pods}


def load(api: FakeKubeAPI, stage: str) -> None:
    """Serve one state: a corpus scenario's cluster, or a scripted variant of one."""
    api.objects.clear()
    api.logs.clear()
    if stage == "creating":
        api.load_directory(SCENARIOS / "k8s-image-not-found", pod=POD)
        api.objects[("Pod", "shop")] = []
        api.objects[("Event", "shop")] = []
        for pod in _creating()["pods"]:
            api.add({**pod, "kind": "Pod"})
        return
    if stage == "scale-up":
        api.load_directory(SCENARIOS / "k8s-insufficient-memory", pod=POD)
        api.add({"kind": "Event", "metadata": {"name": "web.scale-up"}, "type": "Normal", "reason": "TriggeredScaleUp", "message": "pod triggered scale-up: [{eks-general 2->3 (max: 6)}]", "involvedObject": {"kind": "Pod", "name": POD, "namespace": "shop", "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"Pod/{POD}"))}, "lastTimestamp": "2026-11-20T14:00:30Z", "count": 1})
        return
    api.load_directory(SCENARIOS / stage, pod=POD)


@pytest.fixture(name="api")
def _api() -> Iterator[FakeKubeAPI]:
    api = FakeKubeAPI().start()
    yield api
    api.stop()


@pytest.fixture(name="request_for")
def _request_for(api: FakeKubeAPI, tmp_path: Path):  # type: ignore[no-untyped-def]
    config = kubeconfig(tmp_path / "kubeconfig", api.url)

    def request_for(**overrides: Any) -> DiagnosticRequest:
        values: dict[str, Any] = {
            "provider": "kubernetes",
            "service_name": "web",
            "start_time": T0 - timedelta(hours=1),
            "timeout": timedelta(seconds=10),
            "context": RequestContext(options={"namespace": "shop", "kubeconfig": str(config), "context": "fake"}),
            **overrides,
        }
        return DiagnosticRequest(**values)

    return request_for


def _watch(api: FakeKubeAPI, request: DiagnosticRequest, stages: list[str], **policy: Any) -> tuple[list[WatchEvent], FakeTime]:
    clock = FakeTime(api, stages)
    orchestrator = DiagnosticOrchestrator(config=DiagnosticsConfig(cache=CacheConfig(enabled=False), auto_collect_on_failure=False))
    events = list(orchestrator.watch(request, WatchPolicy(**{"interval": timedelta(seconds=5), "timeout": timedelta(minutes=10), **policy}), clock=clock, sleep=clock.sleep))
    return events, clock


def _verdict(events: list[WatchEvent]) -> WatchEvent:
    (verdict,) = [e for e in events if e.type is WatchEventType.VERDICT]
    return verdict


def test_an_image_that_does_not_exist_is_doomed_on_the_poll_after_it_appears(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """ContainerCreating, then ImagePullBackOff at poll 2: doomed at poll 3, the report names the image."""
    events, _clock = _watch(api, request_for(), ["creating", "k8s-image-not-found"])
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.DOOMED
    assert verdict.verdict.pattern_id == "image-not-found" and verdict.poll == 3
    assert events[-1].type is WatchEventType.REPORT and events[-1].result is not None
    assert events[-1].result.root_cause is not None and events[-1].result.root_cause.pattern_id == "image-not-found"


def test_a_rollout_that_becomes_ready_is_healthy(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """Creating, then all ready: healthy at the poll that sees it."""
    events, _clock = _watch(api, request_for(), ["creating", "k8s-healthy"])
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.HEALTHY and verdict.poll == 2


def test_probes_failing_while_the_app_warms_up_are_given_their_grace(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """Readiness fails for three polls, then the pods are ready: healthy, never doomed."""
    events, _clock = _watch(api, request_for(), ["creating", "k8s-readiness", "k8s-readiness", "k8s-readiness", "k8s-healthy"])
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.HEALTHY and verdict.poll == 5


def test_probes_that_keep_failing_past_the_grace_are_doomed(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """The same readiness failure, for longer than --grace: doomed, naming the probe."""
    events, clock = _watch(api, request_for(), ["k8s-readiness"], grace=timedelta(seconds=20))
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.DOOMED
    assert verdict.verdict.pattern_id == "readiness-probe-failure" and clock.seconds >= 20


def test_a_crash_loop_with_a_diagnosed_cause_is_doomed_once_confirmed(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """OOM kills with five restarts already: doomed on the poll after it first shows."""
    events, _clock = _watch(api, request_for(), ["creating", "k8s-oom-kill"])
    verdict = _verdict(events)
    assert verdict.verdict is not None and (verdict.verdict.outcome, verdict.verdict.pattern_id, verdict.poll) == (WatchOutcome.DOOMED, "container-oom-kill", 3)


def test_an_unschedulable_pod_is_doomed_when_no_capacity_is_coming(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """Insufficient memory and no autoscaler event: doomed once confirmed."""
    events, _clock = _watch(api, request_for(), ["k8s-insufficient-memory"])
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.DOOMED and verdict.poll == 2


def test_a_pending_pod_waits_while_the_autoscaler_adds_a_node(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """TriggeredScaleUp: not doomed while the node comes; healthy once the pod runs."""
    events, _clock = _watch(api, request_for(), ["scale-up", "scale-up", "scale-up", "k8s-healthy"])
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.HEALTHY and verdict.poll == 4


def test_progress_and_new_events_are_emitted_once_each(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """Only what changed: the same event on two polls is one watch event; the pod's state change is one."""
    events, _clock = _watch(api, request_for(), ["creating", "k8s-image-not-found"])
    messages = [e.event.message for e in events if e.event is not None]
    assert len(messages) == len(set(messages))
    assert f"{POD}: ContainerCreating -> ImagePullBackOff" in messages
    assert [e.type for e in events][:1] == [WatchEventType.PROGRESS]


def test_a_rollout_still_progressing_at_the_timeout_ends_with_timeout(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """Creating for ever: the watch gives up at --timeout and says so."""
    events, clock = _watch(api, request_for(), ["creating"], timeout=timedelta(seconds=30))
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.TIMEOUT
    assert clock.seconds == 30


def test_an_api_that_fails_while_watching_is_polled_less_often(api: FakeKubeAPI, request_for) -> None:  # type: ignore[no-untyped-def]
    """Pods answering 503 for a while: the interval doubles, then returns to normal once they answer."""
    clock = FakeTime(api, ["creating", "creating", "creating", "k8s-healthy"])
    api.faults.append(Fault(path=r"/pods$", status=503, times=10, headers={"Retry-After": "0"}))
    orchestrator = DiagnosticOrchestrator(config=DiagnosticsConfig(cache=CacheConfig(enabled=False)))
    policy = WatchPolicy(interval=timedelta(seconds=5), timeout=timedelta(minutes=5))
    events = list(orchestrator.watch(request_for(timeout=timedelta(seconds=3)), policy, clock=clock, sleep=clock.sleep))
    assert clock.slept[0] == 10.0
    verdict = _verdict(events)
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.HEALTHY
