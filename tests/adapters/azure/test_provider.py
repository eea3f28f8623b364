"""The Container Apps provider, through azure-core, azure-identity and azure-monitor-query over HTTPS against a loopback fake."""

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
from scdiag.models import DiagnosticRequest, DiagnosticStatus, GapKind, RequestContext, RolloutOutcome

from tests.adapters.loopback import HANG
from tests.adapters.azure.fake_azure import GROUP, SUBSCRIPTION, WORKSPACE, FakeAzure, Fault
from tests.adapters.conftest import SCENARIOS
from tests.corpus.builders import T0

LIVE_SCENARIOS = sorted(p.name for p in SCENARIOS.glob("aca-*") if (p / "app.json").exists())
TENANT = "72f988bf-0000-0000-0000-000000000000"


@pytest.fixture(name="fake")
def _fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeAzure]:
    """The fake, the endpoint overrides and its CA, and a service principal whose authority is the fake."""
    fake = FakeAzure(tls_directory=tmp_path).start()
    for api in ("ARM", "LOGS", "METRICS"):
        monkeypatch.setenv(f"SCDIAG_AZURE_{api}_ENDPOINT", fake.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_path))
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", fake.url)
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    yield fake
    fake.stop()


def _request(**options: str) -> DiagnosticRequest:
    # The scenarios happened around T0; the window must hold them, as a real request's would.
    return DiagnosticRequest(
        provider="azure",
        service_name="web",
        start_time=T0 - timedelta(hours=1),
        end_time=T0 + timedelta(hours=1),
        context=RequestContext(options={"subscription": SUBSCRIPTION, "resource-group": GROUP, **options}),
    )


def _orchestrator(timeout: float = 20) -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator(config=DiagnosticsConfig(collection=CollectionConfig(timeout=timedelta(seconds=timeout))))


@pytest.mark.parametrize("scenario", LIVE_SCENARIOS)
def test_live_diagnosis_finds_the_labelled_cause(fake: FakeAzure, scenario: str) -> None:
    """Each Container Apps scenario of the corpus, served live, gives its labelled cause."""
    fake.load_scenario(SCENARIOS / scenario)
    expected = yaml.safe_load((SCENARIOS / scenario / "label.yaml").read_text())["expected"]
    result = _orchestrator().diagnose(_request())
    if expected == "healthy":
        assert result.status is DiagnosticStatus.HEALTHY
    else:
        assert result.root_cause is not None and result.root_cause.pattern_id == expected


@pytest.mark.parametrize("scenario", ["aca-oom", "aca-startup-port", "aca-healthy", "aca-healthy-new-tables"])
def test_live_and_captured_give_the_same_verdict(fake: FakeAzure, scenario: str) -> None:
    """The same app read from ARM and Log Analytics and from az's captures: same verdict, cause and confidence."""
    import scdiag

    fake.load_scenario(SCENARIOS / scenario)
    live = _orchestrator().diagnose(_request())
    captured = scdiag.analyze_captures([SCENARIOS / scenario])

    def verdict(result: scdiag.DiagnosticResult) -> tuple[object, ...]:
        cause = result.root_cause
        return result.status, cause and cause.pattern_id, cause and round(cause.confidence, 2), result.rollout and result.rollout.serving

    assert verdict(live) == verdict(captured)


def test_a_failed_latest_revision_fails_the_deploy_and_names_what_serves(fake: FakeAzure) -> None:
    """web--rev7 failed to provision; traffic stays on web--rev6: FAILED about rev7, naming rev6."""
    fake.load_scenario(SCENARIOS / "aca-healthy")
    fake.app["properties"].update(latestRevisionName="web--rev7", latestReadyRevisionName="web--rev6")  # type: ignore[index]
    rev6 = {"id": f"{fake.app_path}/revisions/web--rev6", "name": "web--rev6", "type": "Microsoft.App/containerapps/revisions", "properties": {"createdTime": "2026-11-19T14:00:00Z", "provisioningState": "Provisioned", "runningState": "Running", "healthState": "Healthy", "trafficWeight": 100}}
    rev7 = {"id": f"{fake.app_path}/revisions/web--rev7", "name": "web--rev7", "type": "Microsoft.App/containerapps/revisions", "properties": {"createdTime": "2026-11-20T14:00:00Z", "provisioningState": "Failed", "runningState": "Failed", "healthState": "None", "trafficWeight": 0, "provisioningError": "Failed to provision revision for container app 'web'. Error details: The following field(s) are either invalid or missing. Field 'template.containers.web.image' is invalid with details: 'Invalid value: \"acme.azurecr.io/web:2.15.0\": GET https:: MANIFEST_UNKNOWN: manifest tagged by \"2.15.0\" is not found'"}}
    fake.revisions = [rev6, rev7]
    fake.system_rows, fake.console_rows = [], []  # rev7 never ran: nothing logged
    result = _orchestrator().diagnose(_request())
    assert result.status is DiagnosticStatus.FAILED and result.rollout is not None
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == ("web--rev7", "web--rev6", RolloutOutcome.FAILED)
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"


def test_replicas_of_the_latest_revision_become_instances(fake: FakeAzure) -> None:
    """Restart counts and the waiting reason of each container are read."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    fake.replicas = [{"id": f"{fake.app_path}/revisions/web--rev7/replicas/web--rev7-5d8f7b9c4-x2kqp", "name": "web--rev7-5d8f7b9c4-x2kqp", "type": "Microsoft.App/containerApps/revisions/replicas", "properties": {"createdTime": "2026-11-20T14:00:00Z", "runningState": "NotRunning", "containers": [{"name": "web", "ready": False, "started": False, "restartCount": 4, "runningState": "Waiting", "runningStateDetails": "back-off restarting failed container"}]}}]
    data = _orchestrator().collect(_request())
    assert data.status is not None
    (replica,) = data.status.instances
    assert (replica.id, replica.rollout_id, replica.failing) == ("web--rev7-5d8f7b9c4-x2kqp", "web--rev7", True)
    assert (replica.containers[0].restart_count, replica.containers[0].state) == (4, "waiting")


def test_the_workspace_is_found_through_the_managed_environment(fake: FakeAzure) -> None:
    """Without --workspace, the environment's appLogsConfiguration names it; both table generations are queried."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    _orchestrator().collect(_request())
    queries = [r for r in fake.requests if r.path.endswith("/query")]
    assert {r.path for r in queries} == {f"/v1/workspaces/{WORKSPACE}/query"}
    texts = " ".join(r.body["query"] for r in queries)
    for table in ("ContainerAppSystemLogs_CL", "ContainerAppSystemLogs", "ContainerAppConsoleLogs_CL", "ContainerAppConsoleLogs"):
        assert f" {table}" in texts
    assert 'column_ifexists("ContainerAppName_s", "") == "web"' in texts and "take 1000" in texts
    assert len([r for r in fake.requests if r.path.endswith("/managedEnvironments/shop-env")]) == 1


def test_an_explicit_workspace_skips_the_environment(fake: FakeAzure) -> None:
    """--workspace is used as given: no environment read."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    _orchestrator().collect(_request(workspace=WORKSPACE))
    assert not [r for r in fake.requests if "managedEnvironments" in r.path]


def test_throttling_with_retry_after_is_retried(fake: FakeAzure, spans: InMemorySpanExporter) -> None:
    """A 429 with Retry-After: 0 on the app is asked again, and the span says two attempts."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    fake.faults.append(Fault(path=r"/containerApps/web$", status=429, headers={"Retry-After": "0"}))
    data = _orchestrator().collect(_request())
    assert data.status is not None and data.status.name == "web"
    attempts = [s.attributes.get("scdiag.attempts") for s in spans.get_finished_spans() if s.name == "ARM.GetContainerApp"]
    assert attempts == [2]


def test_a_5xx_on_a_page_of_revisions_is_retried_and_loses_nothing(fake: FakeAzure) -> None:
    """nextLink pages are retried one by one; every revision is read."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    fake.page_size = 1
    fake.faults.append(Fault(path=r"/revisions$", status=503, times=1))
    data = _orchestrator().collect(_request())
    assert data.status is not None and {r.id for r in data.status.rollouts} >= {"web--rev6", "web--rev7"}
    assert not [g for g in data.gaps if g.source.startswith("status")]


def test_a_hanging_log_query_is_cut_by_the_deadline(fake: FakeAzure) -> None:
    """Log Analytics that never answers costs the logs and events, not the diagnosis."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    fake.faults.append(Fault(path=r"/query$", status=200, times=10, delay=HANG))
    result = _orchestrator(timeout=3).diagnose(_request())
    assert result.rollout is not None and result.rollout.attempted == "web--rev7"
    assert {g.source for g in result.data.gaps if g.kind is GapKind.TIMED_OUT} == {"logs", "events"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "source", "role"),
    [
        (r"/query$", "logs", "Log Analytics Reader role on the workspace"),
        (r"/Microsoft.Insights/metrics$", "metrics", "Monitoring Reader role"),
        (r"/containerApps/web$", "status", "Reader role on the app"),
    ],
)
def test_a_missing_role_is_a_gap_naming_it(fake: FakeAzure, path: str, source: str, role: str) -> None:
    """403 on one API: the others are still read, and the gap says which role to assign."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    fake.faults.append(Fault(path=path, status=403, times=10))
    data = _orchestrator().collect(_request(workspace=WORKSPACE))
    gaps = [g for g in data.gaps if g.source == source]
    assert gaps and gaps[0].kind is GapKind.ACCESS_DENIED and role in gaps[0].reason


def test_the_service_principal_token_comes_from_the_authority_host(fake: FakeAzure) -> None:
    """DefaultAzureCredential's environment credential is used, its token reaches ARM and Log Analytics."""
    fake.load_scenario(SCENARIOS / "aca-oom")
    _orchestrator().collect(_request())
    assert any(r.path == f"/{TENANT}/oauth2/v2.0/token" for r in fake.requests)
    api_calls = [r for r in fake.requests if r.path.startswith(("/subscriptions/", "/v1/"))]
    assert api_calls and all(r.headers.get("authorization") == "Bearer entra-fake-token" for r in api_calls)


def test_no_resource_group_is_one_clear_line(fake: FakeAzure) -> None:
    """The request is refused with the flag to pass."""
    from scdiag.errors import InvalidRequestError
    from scdiag_azure.provider import ContainerAppsProvider

    request = DiagnosticRequest(provider="azure", service_name="web", context=RequestContext(options={"subscription": SUBSCRIPTION}))
    with pytest.raises(InvalidRequestError, match="pass --resource-group"):
        ContainerAppsProvider(DiagnosticsConfig()).validate_credentials(request)


def test_the_command_line_diagnoses_a_live_app(fake: FakeAzure, capsys: pytest.CaptureFixture[str]) -> None:
    """scdiag diagnose --provider azure --subscription S --resource-group G prints the root cause."""
    fake.load_scenario(SCENARIOS / "aca-unauthorized")
    code = main(["diagnose", "--provider", "azure", "--subscription", SUBSCRIPTION, "--resource-group", GROUP, "--service", "web", "--format", "text", "--since", "30d"])
    assert code == 0
    assert "image-pull-auth-failure" in capsys.readouterr().out


def test_scdiag_providers_lists_container_apps_as_live(capsys: pytest.CaptureFixture[str]) -> None:
    """The installed scdiag-azure registers a live provider."""
    assert main(["providers"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("azure"))
    assert "available" in line and "not available" not in line


def _failed_job(fake: FakeAzure) -> None:
    """Job migrate: its newest execution failed; its console log says why."""
    base = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.App/jobs/migrate"
    fake.job = {"id": base, "name": "migrate", "type": "Microsoft.App/jobs", "properties": {"provisioningState": "Succeeded", "environmentId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.App/managedEnvironments/shop-env", "template": {"containers": [{"name": "migrate", "image": "acme.azurecr.io/migrate:3.1.0", "resources": {"cpu": 0.5, "memory": "1Gi"}}]}}}
    fake.executions = [
        {"id": f"{base}/executions/migrate-8f2k1", "name": "migrate-8f2k1", "type": "Microsoft.App/jobs/executions", "properties": {"status": "Succeeded", "startTime": "2026-11-19T14:00:00Z", "endTime": "2026-11-19T14:01:00Z"}},
        {"id": f"{base}/executions/migrate-x7k2p", "name": "migrate-x7k2p", "type": "Microsoft.App/jobs/executions", "properties": {"status": "Failed", "startTime": "2026-11-20T14:00:00Z", "endTime": "2026-11-20T14:01:10Z"}},
    ]
    lines = ["Traceback (most recent call last):", '  File "/app/migrate.py", line 4, in <module>', "    url = os.environ['DATABASE_URL']", "KeyError: 'DATABASE_URL'"]
    fake.console_rows = [{"TimeGenerated": f"2026-11-20T14:01:0{i}Z", "ContainerJobName_s": "migrate", "ContainerGroupName_s": "migrate-x7k2p-4hq9z", "ContainerName_s": "migrate", "Stream_s": "stderr", "Log_s": line} for i, line in enumerate(lines)]


def test_a_failed_job_execution_is_diagnosed_from_its_logs(fake: FakeAzure) -> None:
    """--job: the newest execution is the attempt; its console log names the cause; the query asks for the job's lines."""
    _failed_job(fake)
    result = _orchestrator().diagnose(_request(job="migrate"))
    assert result.status is DiagnosticStatus.FAILED and result.rollout is not None
    assert (result.rollout.attempted, result.rollout.outcome) == ("migrate-x7k2p", RolloutOutcome.FAILED)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-missing-config"
    query = " ".join(r.body["query"] for r in fake.requests if r.path.endswith("/query"))
    assert 'column_ifexists("ContainerJobName_s", "") == "migrate"' in query
