"""Watching a Cloud Run deploy: a revision that never becomes ready ends the watch as failed, with its cause."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import CacheConfig, DiagnosticsConfig
from scdiag.models import DiagnosticRequest, RequestContext
from scdiag.watch import WatchEventType, WatchOutcome, WatchPolicy

from tests.adapters.conftest import SCENARIOS
from tests.adapters.gcp.fake_google import PROJECT, REGION, FakeGoogle, serve_google

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)


def _reconciling(fake: FakeGoogle) -> None:
    """The new revision was created a moment ago; Cloud Run is still starting it."""
    pending = {"type": "Ready", "state": "CONDITION_RECONCILING", "message": "Deploying revision."}
    fake.add_service("web", latest="web-00007-xaz", ready="web-00006-kol", traffic={"web-00006-kol": 100}, terminal=pending)
    fake.add_revision("web", "web-00007-xaz", conditions=[pending])
    fake.add_revision("web", "web-00006-kol", conditions=[{"type": "Ready", "state": "CONDITION_SUCCEEDED"}], created="2026-11-19T14:00:00Z")


class Stages:
    """A fake clock; each wait moves the service to its next state."""

    def __init__(self, fake: FakeGoogle, stages: list[str]) -> None:
        self.fake, self.stages, self.index, self.seconds = fake, stages, 0, 0.0
        self._load()

    def _load(self) -> None:
        self.fake.services.clear()
        self.fake.revisions.clear()
        self.fake.entries.clear()
        stage = self.stages[self.index]
        if stage == "reconciling":
            _reconciling(self.fake)
        else:
            self.fake.load_scenario(SCENARIOS / stage)

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds
        self.index = min(self.index + 1, len(self.stages) - 1)
        self._load()


@pytest.fixture(name="fake")
def _fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGoogle]:
    fake = serve_google(monkeypatch, tmp_path)
    yield fake
    fake.stop()


def test_a_revision_that_fails_to_start_ends_the_watch_failed_with_its_cause(fake: FakeGoogle) -> None:
    """Reconciling, then Ready=False with the app's missing variable in the logs: failed at that poll."""
    stages = Stages(fake, ["reconciling", "cr-missing-env"])
    request = DiagnosticRequest(provider="gcp", service_name="web", region=REGION, start_time=T0 - timedelta(hours=1), context=RequestContext(options={"project": PROJECT}))
    orchestrator = DiagnosticOrchestrator(config=DiagnosticsConfig(cache=CacheConfig(enabled=False), auto_collect_on_failure=False))
    events = list(orchestrator.watch(request, WatchPolicy(interval=timedelta(seconds=5)), clock=stages, sleep=stages.sleep))
    (verdict,) = [e for e in events if e.type is WatchEventType.VERDICT]
    assert verdict.verdict is not None and verdict.verdict.outcome is WatchOutcome.FAILED and verdict.poll == 2
    assert verdict.verdict.pattern_id == "container-missing-config"
    report = events[-1].result
    assert report is not None and report.rollout is not None and report.rollout.serving == "web-00006-kol"
