"""The orchestrator collects concurrently under one deadline; failures become gaps."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.collection import nothing_collected
from scdiag.config import CollectionConfig, DiagnosticsConfig, ProvidersConfig, AwsProviderConfig
from scdiag.errors import AccessDeniedError, CloudError, NothingCollected, PluginError
from scdiag.models import (
    ContainerStatus,
    DiagnosticRequest,
    DiagnosticStatus,
    EventData,
    DiagnosticEvent,
    GapKind,
    Instance,
    LogData,
    LogEntry,
    Rollout,
    ServiceStatus,
    Termination,
)
from scdiag.ports import CollectionScope
from scdiag.testing import StaticProvider, host_with, provider_plugin

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)


class FixedClock:
    def now(self) -> datetime:
        return NOW

    def monotonic(self) -> float:
        return time.monotonic()


def _orchestrator(provider: Any, *, timeout: float = 5.0, name: str = "static", config: DiagnosticsConfig | None = None) -> DiagnosticOrchestrator:
    config = config or DiagnosticsConfig(collection=CollectionConfig(timeout=timedelta(seconds=timeout)))
    return DiagnosticOrchestrator(config=config, host=host_with((name, provider_plugin(name, provider))), clock=FixedClock())


REQUEST = DiagnosticRequest(provider="static", service_name="web")
OOM_STATUS = ServiceStatus(
    name="web",
    desired_count=1,
    running_count=0,
    rollouts=(Rollout(id="rs-2", rollout_state="IN_PROGRESS", desired=1, running=0),),
    instances=(
        Instance(
            id="web-2",
            kind="pod",
            rollout_id="rs-2",
            containers=(ContainerStatus(name="app", state="waiting", reason="CrashLoopBackOff", restart_count=3, last_termination=Termination(exit_code=137, reason="OOMKilled")),),
        ),
    ),
)


def test_every_source_is_collected() -> None:
    """The credentials, status, events, logs and metrics are all asked for."""
    provider = StaticProvider(status=OOM_STATUS)
    data = _orchestrator(provider).collect(REQUEST)
    assert sorted(provider.calls) == ["credentials", "events", "logs", "metrics", "status"]
    assert data.status == OOM_STATUS
    assert data.gaps == ()


def test_sources_run_concurrently() -> None:
    """Four sources that each wait for the others finish: they run at once."""
    barrier = threading.Barrier(4, timeout=5)

    def wait(value: Any) -> Any:
        def run(_scope: CollectionScope) -> Any:
            barrier.wait()
            return value

        return run

    provider = StaticProvider(status=wait(OOM_STATUS), logs=wait(()), events=wait(()), metrics=wait(()))
    data = _orchestrator(provider).collect(REQUEST)
    assert data.gaps == ()


def test_a_failing_source_becomes_a_gap_and_the_others_are_kept() -> None:
    """A cloud error in one source loses that source only."""

    def fail(_scope: CollectionScope) -> Any:
        raise CloudError("CloudWatch unavailable", provider="static", operation="logs.FilterLogEvents", status=503)

    data = _orchestrator(StaticProvider(status=OOM_STATUS, logs=fail)).collect(REQUEST)
    assert data.status == OOM_STATUS
    (gap,) = data.gaps
    assert (gap.source, gap.kind) == ("logs", GapKind.FAILED)
    assert "CloudWatch unavailable" in gap.reason


def test_access_denied_names_the_missing_permission() -> None:
    """A permission gap says which permission is needed."""

    def deny(_scope: CollectionScope) -> Any:
        raise AccessDeniedError("not authorized", permission="logs:FilterLogEvents")

    data = _orchestrator(StaticProvider(status=OOM_STATUS, logs=deny)).collect(REQUEST)
    (gap,) = data.gaps
    assert gap.kind is GapKind.ACCESS_DENIED
    assert "logs:FilterLogEvents" in gap.reason


def test_a_source_that_hangs_is_cut_at_the_deadline() -> None:
    """A stalled source is a timed-out gap; the rest is kept. The source outlasts the test: only the deadline can end the wait."""
    release = threading.Event()

    def hang(_scope: CollectionScope) -> Any:
        release.wait(3600)
        return ()

    data = _orchestrator(StaticProvider(status=OOM_STATUS, metrics=hang), timeout=0.3).collect(REQUEST)
    release.set()
    assert [(g.source, g.kind) for g in data.gaps] == [("metrics", GapKind.TIMED_OUT)]
    assert data.status == OOM_STATUS


def test_bad_credentials_drop_what_the_collection_brought() -> None:
    """The collection runs beside the check; when the check fails, one gap says why and nothing collected is kept."""
    provider = StaticProvider(status=OOM_STATUS, credentials_error=AccessDeniedError("the SSO session has expired"))
    data = _orchestrator(provider).collect(REQUEST)
    assert nothing_collected(data)
    assert [(gap.source, gap.reason) for gap in data.gaps] == [("credentials", "the SSO session has expired")]


def test_the_collection_starts_beside_the_credential_check() -> None:
    """A check that returns only once the status was asked for: run one after the other, it would wait out its deadline."""
    asked = threading.Event()

    class Overlapping(StaticProvider):
        def validate_credentials(self, request: DiagnosticRequest) -> None:
            assert asked.wait(5), "the status was not asked for while the check ran"

    def status(_scope: CollectionScope) -> Any:
        asked.set()
        return OOM_STATUS

    data = _orchestrator(Overlapping(status=status)).collect(REQUEST)
    assert data.status == OOM_STATUS and data.gaps == ()


def test_diagnose_raises_nothing_collected_when_every_source_failed() -> None:
    """The library does not hand back an UNKNOWN result the caller could take for a diagnosis; the gaps come with it."""
    provider = StaticProvider(credentials_error=AccessDeniedError("the SSO session has expired"))
    with pytest.raises(NothingCollected, match="nothing could be collected: .*the SSO session has expired") as raised:
        _orchestrator(provider).diagnose(REQUEST)
    assert [gap.reason for gap in raised.value.data.gaps] == ["the SSO session has expired"]


def test_analyze_captures_raises_nothing_collected_when_no_input_could_be_read(tmp_path: Path) -> None:
    """Only an empty file: the exception carries each input's problem."""
    (tmp_path / "empty.log").write_text("")
    with pytest.raises(NothingCollected) as raised:
        DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert raised.value.reasons == [f"{tmp_path / 'empty.log'}: empty file, nothing to read"]


def test_the_window_defaults_to_the_event_lookback() -> None:
    """Without a start time the scope starts event_lookback before now."""
    seen: list[CollectionScope] = []

    def record(scope: CollectionScope) -> Any:
        seen.append(scope)
        return OOM_STATUS

    _orchestrator(StaticProvider(status=record)).collect(REQUEST)
    assert seen[0].window_end == NOW
    assert seen[0].window_start == NOW - timedelta(hours=1)


def test_diagnose_runs_the_analysis() -> None:
    """diagnose() collects and analyses in one call."""
    result = _orchestrator(StaticProvider(status=OOM_STATUS)).diagnose(REQUEST)
    assert result.status is DiagnosticStatus.FAILED
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"


def test_a_disabled_provider_is_refused() -> None:
    """providers.<name>.enabled: false stops a diagnosis with that provider."""
    config = DiagnosticsConfig(providers=ProvidersConfig(aws=AwsProviderConfig(enabled=False)))
    orchestrator = _orchestrator(StaticProvider(), name="aws", config=config)
    with pytest.raises(PluginError, match="disabled"):
        orchestrator.collect(DiagnosticRequest(provider="aws", service_name="web"))


def test_collected_data_keeps_logs_and_events() -> None:
    """What the provider returns arrives in the data unchanged."""
    logs = (LogData(source="cloudwatch", entries=(LogEntry(message="boot"),), total_lines=1),)
    events = (EventData(source="ecs-service", events=(DiagnosticEvent(message="has started 1 tasks"),)),)
    data = _orchestrator(StaticProvider(status=OOM_STATUS, logs=logs, events=events)).collect(REQUEST)
    assert data.logs == logs
    assert data.events == events


def test_run_with_deadline_accepts_a_deadline_that_never_expires() -> None:
    """Tasks run to completion under Deadline.never()."""
    from scdiag.deadline import run_with_deadline
    from scdiag.deadline import Deadline

    outcomes = run_with_deadline({"a": lambda: 1, "b": lambda: 2}, Deadline.never())
    assert {name: o.value for name, o in outcomes.items()} == {"a": 1, "b": 2}


def test_live_diagnosis_can_be_turned_off() -> None:
    """diagnostics.enabled: false refuses live collection with a config error."""
    from scdiag.errors import ConfigError

    orchestrator = _orchestrator(StaticProvider(status=OOM_STATUS), config=DiagnosticsConfig(enabled=False))
    with pytest.raises(ConfigError, match="diagnostics.enabled"):
        orchestrator.collect(REQUEST)


def test_one_orchestrator_analyses_concurrently_without_cross_talk(tmp_path: Path) -> None:
    """Analyses on threads sharing one engine give what each gives alone."""
    from concurrent.futures import ThreadPoolExecutor

    corpus = Path(__file__).resolve().parents[1] / "corpus" / "scenarios"
    scenarios = ["k8s-oom-kill", "ecs-image-not-found", "cr-missing-env", "aca-oom", "k8s-healthy", "ecs-circuit-breaker-pull-denied"]
    orchestrator = DiagnosticOrchestrator()

    def outcome(name: str) -> tuple[str, str]:
        files = [str(p) for p in sorted((corpus / name).iterdir()) if p.name != "label.yaml"]
        result = orchestrator.analyze_captures(files)
        return result.status.value, result.root_cause.pattern_id if result.root_cause else ""

    alone = {name: outcome(name) for name in scenarios}
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(outcome, scenarios * 4))
    assert together == [alone[name] for name in scenarios * 4]
