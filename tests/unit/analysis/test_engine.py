"""The engine ranks causes over symptoms, weighs where signals appear, and calls health honestly."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from scdiag.analysis.engine import AnalysisEngine
from scdiag.analysis.loader import patterns_from_data
from scdiag.app import DiagnosticOrchestrator
from scdiag.config import AnalysisConfig, DiagnosticsConfig, PatternRegistryConfig
from scdiag.models import (
    ContainerStatus,
    DiagnosticData,
    DiagnosticRequest,
    DiagnosticStatus,
    Instance,
    LogData,
    LogEntry,
    Rollout,
    ServiceStatus,
    Termination,
)

REQUEST = DiagnosticRequest(provider="kubernetes", service_name="web")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module", name="engine")
def _engine() -> AnalysisEngine:
    engine = DiagnosticOrchestrator().engine()
    assert isinstance(engine, AnalysisEngine)
    return engine


def _crashing(last: Termination, *, rollout: str = "rs-new", instance: str = "web-new") -> Instance:
    return Instance(
        id=instance,
        kind="pod",
        rollout_id=rollout,
        phase="Running",
        containers=(ContainerStatus(name="web", state="waiting", reason="CrashLoopBackOff", restart_count=4, last_termination=last),),
    )


def _data(*instances: Instance, logs: tuple[str, ...] = (), rollout_state: str = "IN_PROGRESS", old: Instance | None = None, instance_of_logs: str | None = "web-new") -> DiagnosticData:
    rollouts = (Rollout(id="rs-new", current=True, rollout_state=rollout_state, desired=1, running=1, ready=0 if rollout_state != "COMPLETED" else 1), Rollout(id="rs-old", current=False))
    status = ServiceStatus(name="web", rollouts=rollouts, instances=instances + ((old,) if old else ()))
    entries = tuple(LogEntry(message=line, stream="web", instance=instance_of_logs) for line in logs)
    return DiagnosticData(provider="kubernetes", service_name="web", status=status, logs=(LogData(source="container-log", entries=entries, total_lines=len(entries)),))


def test_a_wrapper_is_never_the_root_cause(engine: AnalysisEngine) -> None:
    """CrashLoopBackOff with an unexplained exit is a symptom; the crash is the cause."""
    result = engine.analyze(_data(_crashing(Termination(exit_code=1, reason="Error")), logs=("Traceback (most recent call last):", "ValueError: bad")), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-application-crash"
    assert "k8s-crashloop-backoff" in {s.pattern_id for s in result.symptoms}


def test_a_specific_cause_outranks_the_generic_crash(engine: AnalysisEngine) -> None:
    """A missing module and the traceback around it: the module wins, the crash is a symptom."""
    logs = ("Traceback (most recent call last):", "ModuleNotFoundError: No module named 'uvicorn'")
    result = engine.analyze(_data(_crashing(Termination(exit_code=1, reason="Error")), logs=logs), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-dependency-missing"
    assert "container-application-crash" in {s.pattern_id for s in result.symptoms}


def test_oomkilled_beats_a_bare_137(engine: AnalysisEngine) -> None:
    """Exit 137 with reason OOMKilled is an OOM kill, with high confidence."""
    result = engine.analyze(_data(_crashing(Termination(exit_code=137, reason="OOMKilled"))), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    assert result.root_cause.confidence >= 0.9


def test_a_bare_137_is_not_a_confident_oom(engine: AnalysisEngine) -> None:
    """SIGKILL without OOMKilled may be a probe kill: never a confident OOM."""
    result = engine.analyze(_data(_crashing(Termination(exit_code=137, reason="Error"))), REQUEST)
    cause = result.root_cause
    assert cause is None or cause.pattern_id != "container-oom-kill" or cause.confidence < 0.7


def test_signals_of_the_old_rollout_weigh_less(engine: AnalysisEngine) -> None:
    """An OOM on the old ReplicaSet's pod does not outrank the new pod's real failure."""
    old = _crashing(Termination(exit_code=137, reason="OOMKilled"), rollout="rs-old", instance="web-old")
    new = _crashing(Termination(exit_code=1, reason="Error"))
    result = engine.analyze(_data(new, logs=("Error: getaddrinfo ENOTFOUND postgres",), old=old), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "dns-resolution-failure"


def test_an_error_that_recovered_is_discounted(engine: AnalysisEngine) -> None:
    """ECONNREFUSED followed by 'connected to database' is not the cause."""
    logs = ("Error: connect ECONNREFUSED 10.0.0.5:5432", "connected to database orders", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")
    result = engine.analyze(_data(_crashing(Termination(exit_code=134, reason="Error")), logs=logs), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "runtime-heap-oom"


def test_a_complete_rollout_is_healthy_whatever_its_logs_say(engine: AnalysisEngine) -> None:
    """Alarming lines in a healthy rollout do not make it failed."""
    ready = Instance(id="web-new", kind="pod", rollout_id="rs-new", phase="Running", containers=(ContainerStatus(name="web", state="running", ready=True),))
    result = engine.analyze(_data(ready, logs=("Error: connect ECONNREFUSED 127.0.0.1:5432", "Traceback (most recent call last):"), rollout_state="COMPLETED"), REQUEST)
    assert result.status is DiagnosticStatus.HEALTHY and result.root_cause is None


def test_nothing_known_gives_unknown_with_the_error_lines(engine: AnalysisEngine) -> None:
    """No pattern: an honest 'unknown' with the most relevant error lines, never a guess."""
    logs = ("starting", "ERROR flux capacitor misaligned", "shutting down")
    result = engine.analyze(_data(_crashing(Termination(exit_code=3, reason="Error")), logs=logs), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "unknown"
    assert result.root_cause.confidence == 0.0
    assert result.root_cause.evidence[0].excerpt == "ERROR flux capacitor misaligned"


def test_tail_only_indicators_ignore_early_lines(engine: AnalysisEngine) -> None:
    """A traceback far before the end of a long log is not 'the last lines before the exit'."""
    logs = ("Traceback (most recent call last):", "ValueError: handled and logged") + tuple(f"INFO request {i} ok" for i in range(200))
    result = engine.analyze(_data(_crashing(Termination(exit_code=3, reason="Error")), logs=logs), REQUEST)
    assert result.root_cause is None or result.root_cause.pattern_id != "container-application-crash"


def test_low_confidence_causes_are_labelled_possible() -> None:
    """Below the threshold the summary says 'possible cause', and the status stays honest."""
    patterns = patterns_from_data(
        [{"id": "weak-signal", "name": "Weak", "category": "application", "severity": "low", "providers": [],
          "indicators": [{"kind": "log", "pattern": "SOMETHING ODD", "weight": 0.4, "examples": ["SOMETHING ODD happened"]}]}],
        "test",
    )
    engine = AnalysisEngine(patterns)
    data = DiagnosticData(provider="other", service_name="web", logs=(LogData(source="x", entries=(LogEntry(message="SOMETHING ODD happened"),)),))
    result = engine.analyze(data, REQUEST)
    assert result.root_cause is not None and result.root_cause.confidence < 0.7
    assert "possible cause" in result.summary and result.status is DiagnosticStatus.UNKNOWN


def test_the_config_can_disable_patterns_by_glob() -> None:
    """analysis.patterns.disabled removes patterns from the knowledge base."""
    config = DiagnosticsConfig(analysis=AnalysisConfig(patterns=PatternRegistryConfig(disabled=("container-oom-*",))))
    engine = DiagnosticOrchestrator(config=config).engine()
    assert "container-oom-kill" not in {p.id for p in engine.patterns}  # type: ignore[attr-defined]


def test_per_severity_thresholds_apply() -> None:
    """analysis.patterns.thresholds sets a severity's threshold."""
    config = DiagnosticsConfig(analysis=AnalysisConfig(patterns=PatternRegistryConfig(thresholds={"critical": 1.0})))
    engine = DiagnosticOrchestrator(config=config).engine()
    assert isinstance(engine, AnalysisEngine)
    result = engine.analyze(_data(_crashing(Termination(exit_code=137, reason="OOMKilled"))), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    assert "possible cause" in result.summary


def test_the_classifier_guess_is_labelled_a_guess() -> None:
    """With ml_classification on and no pattern matching, the guess says it is one."""
    patterns = patterns_from_data(
        [
            {"id": "disk-quota", "name": "Disk quota", "category": "resource_constraints", "severity": "high", "providers": [],
             "indicators": [{"kind": "log", "pattern": "QUOTA EXCEEDED EXACTLY", "weight": 0.9, "examples": ["QUOTA EXCEEDED EXACTLY on /data volume"]}]},
        ],
        "test",
    )
    from scdiag.analysis.classifier import NaiveBayesClassifier

    engine = AnalysisEngine(patterns, classifier=NaiveBayesClassifier.from_patterns(patterns))
    data = DiagnosticData(provider="other", service_name="web", logs=(LogData(source="x", entries=(LogEntry(message="volume data quota nearly exceeded"),)),))
    result = engine.analyze(data, DiagnosticRequest(provider="other", service_name="web"))
    assert result.root_cause is not None and result.root_cause.guess
    assert result.root_cause.confidence <= 0.6


def test_fix_steps_carry_the_real_memory_limit(engine: AnalysisEngine) -> None:
    """The OOM fix's config change starts from the container's current limit."""
    from scdiag.models import ContainerSpec

    data = _data(_crashing(Termination(exit_code=137, reason="OOMKilled")))
    status = data.status
    assert status is not None
    import attrs

    data = attrs.evolve(data, status=attrs.evolve(status, containers=(ContainerSpec(name="web", memory_limit_mib=384),)))
    change = engine.analyze(data, REQUEST).root_cause.solutions[0].config_changes[0]  # type: ignore[union-attr]
    assert (change.before, change.after) == ("384", "768")


class _Exploding:
    """A regular expression whose search fails, as a broken plugin's might."""

    source = "flask"

    def search(self, text: str) -> None:
        raise RuntimeError("backtracking limit")


def test_a_pattern_that_fails_mid_analysis_is_a_gap_of_that_analysis_only(engine: AnalysisEngine) -> None:
    """The other patterns still decide; the result names the broken one; the engine keeps no trace."""
    import attrs

    module = next(p for p in engine.patterns if p.id == "container-dependency-missing")
    broken = attrs.evolve(module, id="plugin-broken", recovered_by=(_Exploding(),))  # type: ignore[arg-type]
    with_broken = AnalysisEngine([*engine.patterns, broken])
    logs = ("Traceback (most recent call last):", "ModuleNotFoundError: No module named 'flask'", "worker exited")
    data = _data(_crashing(Termination(exit_code=137, reason="OOMKilled")), logs=logs)
    first = with_broken.analyze(data, REQUEST)
    second = with_broken.analyze(data, REQUEST)
    assert first.root_cause is not None and first.root_cause.pattern_id == "container-oom-kill"
    gaps = [g for g in first.data.gaps if g.source == "pattern:plugin-broken"]  # type: ignore[union-attr]
    assert len(gaps) == 1 and "RuntimeError: backtracking limit" in gaps[0].reason
    assert [g.source for g in second.data.gaps] == [g.source for g in first.data.gaps]  # type: ignore[union-attr]
    assert with_broken.problems == []
