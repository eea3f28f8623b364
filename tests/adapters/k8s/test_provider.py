"""The Kubernetes provider, through the real client over HTTP against a loopback API server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from scdiag.app import DiagnosticOrchestrator
from scdiag.cli import main
from scdiag.config import CollectionConfig, DiagnosticsConfig
from scdiag.errors import AccessDeniedError, CloudError
from scdiag.models import DiagnosticRequest, DiagnosticStatus, GapKind, RequestContext

from tests.adapters.conftest import SCENARIOS
from tests.corpus.builders import T0
from tests.adapters.loopback import HANG
from tests.adapters.k8s.fake_apiserver import FakeKubeAPI, Fault, kubeconfig

POD = "web-7f8c9d6b5-x2kqp"
LIVE_SCENARIOS = [
    "k8s-missing-env",
    "k8s-oom-kill",
    "k8s-image-not-found",
    "k8s-image-unauthorized",
    "k8s-insufficient-memory",
    "k8s-taint",
    "k8s-readiness",
    "k8s-missing-secret",
    "k8s-service-selector",
    "k8s-dependency-missing-behind-deadline",
    "k8s-healthy",
]


@pytest.fixture(name="api")
def _api() -> Iterator[FakeKubeAPI]:
    api = FakeKubeAPI().start()
    yield api
    api.stop()


def _request(config_path: Path, **context: str) -> DiagnosticRequest:
    # The scenarios happened around T0; the window must hold them, as a real request's would.
    return DiagnosticRequest(
        provider="kubernetes",
        service_name="web",
        start_time=T0 - timedelta(hours=1),
        end_time=T0 + timedelta(hours=1),
        context=RequestContext(options={"namespace": "shop", "kubeconfig": str(config_path), "context": context.get("kube_context", "fake")}),
    )


def _orchestrator(timeout: float = 20) -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator(config=DiagnosticsConfig(collection=CollectionConfig(timeout=timedelta(seconds=timeout))))


@pytest.mark.parametrize("scenario", LIVE_SCENARIOS)
def test_live_diagnosis_finds_the_labelled_cause(api: FakeKubeAPI, tmp_path: Path, scenario: str) -> None:
    """The cluster of each scenario, read live, gives the scenario's root cause."""
    api.load_directory(SCENARIOS / scenario, pod=POD)
    expected = yaml.safe_load((SCENARIOS / scenario / "label.yaml").read_text())["expected"]
    result = _orchestrator().diagnose(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    if expected == "healthy":
        assert result.status is DiagnosticStatus.HEALTHY
    else:
        assert result.root_cause is not None and result.root_cause.pattern_id == expected


def test_live_and_captured_objects_normalise_identically(api: FakeKubeAPI, tmp_path: Path) -> None:
    """The same pods read from the API and from kubectl's capture give the same instances."""
    import scdiag
    from scdiag.serialization import unstructure

    api.load_directory(SCENARIOS / "k8s-oom-kill", pod=POD)
    live = _orchestrator().collect(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    captured = scdiag.analyze_captures([SCENARIOS / "k8s-oom-kill" / "pods.json"]).data
    assert live.status is not None and captured is not None and captured.status is not None

    def without_locations(value: object) -> object:
        # Where a thing was read (file line or API object) differs by design; nothing else may.
        if isinstance(value, dict):
            return {k: without_locations(v) for k, v in value.items() if k != "location"}
        if isinstance(value, list):
            return [without_locations(v) for v in value]
        return value

    def comparable(instances: tuple) -> object:  # type: ignore[type-arg]
        return without_locations(unstructure(sorted(instances, key=lambda i: i.id)))

    assert comparable(live.status.instances) == comparable(captured.status.instances)


def test_previous_logs_of_the_crashing_container_are_read(api: FakeKubeAPI, tmp_path: Path) -> None:
    """After a restart the previous run's log is fetched, with timestamps parsed."""
    api.load_directory(SCENARIOS / "k8s-missing-env", pod=POD)
    data = _orchestrator().collect(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    previous = [log for log in data.logs if "(previous)" in log.attributes["stream"]]
    assert previous and any("KeyError: 'DATABASE_URL'" in e.message for e in previous[0].entries)
    assert all(e.timestamp is not None for e in previous[0].entries)
    assert any("previous=true" in r and "tailLines=1000" in r for r in api.requests)


def test_forbidden_logs_are_a_gap_naming_the_rbac_rule(api: FakeKubeAPI, tmp_path: Path) -> None:
    """No pods/log permission: the diagnosis goes on and says what is missing."""
    api.load_directory(SCENARIOS / "k8s-oom-kill", pod=POD)
    api.faults.append(Fault(path=r"/log$", status=403, times=10))
    result = _orchestrator().diagnose(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    gaps = [g for g in result.data.gaps if g.kind is GapKind.ACCESS_DENIED]  # type: ignore[union-attr]
    assert gaps and "get pods/log in namespace shop" in gaps[0].reason


def test_throttling_with_retry_after_is_retried(api: FakeKubeAPI, tmp_path: Path, spans: InMemorySpanExporter) -> None:
    """A 429 with Retry-After: 0 is retried once, and the span says two attempts."""
    api.load_directory(SCENARIOS / "k8s-oom-kill", pod=POD)
    api.faults.append(Fault(path=r"/api/v1/namespaces/shop/pods$", status=429, headers={"Retry-After": "0"}))
    data = _orchestrator().collect(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert data.status is not None and len(data.status.instances) == 2
    attempts = [s.attributes.get("scdiag.attempts") for s in spans.get_finished_spans() if s.name == "Kubernetes.list_namespaced_pod"]
    assert 2 in attempts


def test_a_5xx_in_the_middle_of_pagination_still_gives_every_item(api: FakeKubeAPI, tmp_path: Path) -> None:
    """Pages are retried one by one; the list is complete."""
    api.load_directory(SCENARIOS / "k8s-healthy", pod=POD)
    api.page_size = 1
    api.faults.append(Fault(path=r"/events$", status=503, times=1))
    data = _orchestrator().collect(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert sum(len(group.events) for group in data.events) == 3
    assert data.gaps == () or all(g.source != "events" for g in data.gaps)


def test_a_hanging_log_request_is_cut_by_the_deadline(api: FakeKubeAPI, tmp_path: Path) -> None:
    """A log endpoint that never answers costs the logs, not the diagnosis."""
    api.load_directory(SCENARIOS / "k8s-oom-kill", pod=POD)
    api.faults.append(Fault(path=r"/log$", status=200, times=10, delay=HANG))
    result = _orchestrator(timeout=3).diagnose(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
    assert any(g.source == "logs" and g.kind is GapKind.TIMED_OUT for g in result.data.gaps)  # type: ignore[union-attr]


def test_a_cluster_without_metrics_server_is_a_gap(api: FakeKubeAPI, tmp_path: Path) -> None:
    """metrics.k8s.io missing is recorded as unavailable, not as an error."""
    api.load_directory(SCENARIOS / "k8s-healthy", pod=POD)
    data = _orchestrator().collect(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert any(g.source == "metrics" and g.kind is GapKind.UNAVAILABLE for g in data.gaps)


def test_pod_metrics_are_read_when_the_cluster_has_them(api: FakeKubeAPI, tmp_path: Path) -> None:
    """metrics.k8s.io usage becomes memory and CPU points per container."""
    api.load_directory(SCENARIOS / "k8s-healthy", pod=POD)
    api.metrics = [{"metadata": {"name": POD, "namespace": "shop"}, "timestamp": "2026-11-20T14:05:00Z", "window": "30s", "containers": [{"name": "web", "usage": {"cpu": "250m", "memory": "300Mi"}}]}]
    data = _orchestrator().collect(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    points = {p.name: p.value for group in data.metrics for p in group.points}
    assert points == {"memory_working_set_mib": 300.0, "cpu_usage_cores": 0.25}


def test_an_unknown_context_is_one_clear_line(api: FakeKubeAPI, tmp_path: Path) -> None:
    """The kubeconfig's contexts are listed."""
    from scdiag_k8s.provider import KubernetesProvider

    provider = KubernetesProvider(DiagnosticsConfig())
    with pytest.raises(CloudError, match=r"kubeconfig has no context 'prod' \(available: fake\)"):
        provider.validate_credentials(_request(kubeconfig(tmp_path / "kubeconfig", api.url), kube_context="prod"))


def test_rejected_credentials_say_so(api: FakeKubeAPI, tmp_path: Path) -> None:
    """A 401 is an access error about the credentials."""
    from scdiag_k8s.provider import KubernetesProvider

    api.faults.append(Fault(path=r"/pods$", status=401, times=5))
    with pytest.raises(AccessDeniedError, match="credentials were rejected"):
        KubernetesProvider(DiagnosticsConfig()).validate_credentials(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))


def test_the_command_line_diagnoses_a_live_cluster(api: FakeKubeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """scdiag diagnose --provider kubernetes prints the root cause."""
    api.load_directory(SCENARIOS / "k8s-missing-secret", pod=POD)
    config_path = kubeconfig(tmp_path / "kubeconfig", api.url)
    code = main(["diagnose", "--provider", "kubernetes", "--namespace", "shop", "--service", "web", "--kubeconfig", str(config_path), "--context", "fake", "--format", "text", "--since", "30d"])
    assert code == 0
    assert "k8s-create-container-config-error" in capsys.readouterr().out


def test_an_unknown_service_is_nothing_collected(api: FakeKubeAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No workload and no pod by that name: exit 3 and say what was looked for."""
    config_path = kubeconfig(tmp_path / "kubeconfig", api.url)
    code = main(["diagnose", "--provider", "kubernetes", "--namespace", "shop", "--service", "nope", "--kubeconfig", str(config_path), "--context", "fake", "--no-cache"])
    assert code == 3
    assert "no Deployment, StatefulSet or DaemonSet named 'nope'" in capsys.readouterr().err


def test_an_undone_rollout_is_failed_live(api: FakeKubeAPI, tmp_path: Path) -> None:
    """Live: the restored ReplicaSet serves; the undone attempt is FAILED with its own cause."""
    from scdiag.models import RolloutOutcome
    from tests.adapters.k8s.test_rollback import ATTEMPTED, RESTORED, _write

    captures = tmp_path / "cluster"
    captures.mkdir()
    _write(captures, history="2")
    api.load_directory(captures, pod=POD)
    result = _orchestrator().diagnose(_request(kubeconfig(tmp_path / "kubeconfig", api.url)))
    assert result.status is DiagnosticStatus.FAILED
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == (ATTEMPTED, RESTORED, RolloutOutcome.ROLLED_BACK)


def test_switching_the_kubeconfig_context_changes_the_cache_identity(tmp_path: Path) -> None:
    """kubectl config use-context rewrites the file: the identity (and so the cache key) changes with it."""
    from scdiag_k8s.provider import KubernetesProvider

    path = tmp_path / "kubeconfig"
    path.write_text("current-context: prod\n")
    provider = KubernetesProvider(DiagnosticsConfig())
    request = DiagnosticRequest(provider="kubernetes", service_name="web", context=RequestContext(options={"kubeconfig": str(path)}))
    before = provider.cache_identity(request)
    path.write_text("current-context: staging-cluster\n")
    assert provider.cache_identity(request) != before
    other_context = DiagnosticRequest(provider="kubernetes", service_name="web", context=RequestContext(options={"kubeconfig": str(path), "context": "dev"}))
    assert provider.cache_identity(other_context)["context"] == "dev"
