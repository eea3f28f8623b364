"""The Cloud Run provider, through the real Google clients over HTTP against a loopback fake."""

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

from tests.adapters.conftest import SCENARIOS
from tests.adapters.loopback import HANG
from tests.adapters.gcp.fake_google import PROJECT, REGION, FakeGoogle, Fault, serve_google
from tests.corpus.builders import T0

LIVE_SCENARIOS = sorted(p.name for p in SCENARIOS.glob("cr-*") if (p / "service.json").exists())


@pytest.fixture(name="fake")
def _fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGoogle]:
    """The fake, the endpoint overrides pointing at it, and a service account key whose token_uri is the fake."""
    fake = serve_google(monkeypatch, tmp_path)
    yield fake
    fake.stop()


def _request(**overrides: object) -> DiagnosticRequest:
    # The scenarios happened around T0; the window must hold them, as a real request's would.
    values: dict[str, object] = {
        "provider": "gcp",
        "service_name": "web",
        "region": REGION,
        "start_time": T0 - timedelta(hours=1),
        "end_time": T0 + timedelta(hours=1),
        "context": RequestContext(options={"project": PROJECT}),
        **overrides,
    }
    return DiagnosticRequest(**values)  # type: ignore[arg-type]


def _orchestrator(timeout: float = 20, **collection: object) -> DiagnosticOrchestrator:
    return DiagnosticOrchestrator(config=DiagnosticsConfig(collection=CollectionConfig(timeout=timedelta(seconds=timeout), **collection)))  # type: ignore[arg-type]


def _failed_rollout(fake: FakeGoogle, *, reason: str, message: str) -> None:
    """web-00008-new never became ready; traffic stays on web-00007-old."""
    failed = {"type": "Ready", "state": "CONDITION_FAILED", "reason": reason, "message": message, "severity": "ERROR"}
    fake.add_service("web", latest="web-00008-new", ready="web-00007-old", traffic={"web-00007-old": 100}, terminal=failed)
    fake.add_revision("web", "web-00008-new", conditions=[failed])
    fake.add_revision("web", "web-00007-old", conditions=[{"type": "Ready", "state": "CONDITION_SUCCEEDED"}], created="2026-11-19T10:00:00Z")


@pytest.mark.parametrize("scenario", LIVE_SCENARIOS)
def test_live_diagnosis_finds_the_labelled_cause(fake: FakeGoogle, scenario: str) -> None:
    """Each Cloud Run scenario of the corpus, served live, gives its labelled cause."""
    fake.load_scenario(SCENARIOS / scenario)
    expected = yaml.safe_load((SCENARIOS / scenario / "label.yaml").read_text())["expected"]
    result = _orchestrator().diagnose(_request())
    if expected == "healthy":
        assert result.status is DiagnosticStatus.HEALTHY
    else:
        assert result.root_cause is not None and result.root_cause.pattern_id == expected


@pytest.mark.parametrize("scenario", ["cr-memory", "cr-missing-env", "cr-healthy"])
def test_live_and_captured_give_the_same_verdict(fake: FakeGoogle, scenario: str) -> None:
    """The same service read from the API and from gcloud's captures: same verdict, cause and confidence."""
    import scdiag

    fake.load_scenario(SCENARIOS / scenario)
    live = _orchestrator().diagnose(_request())
    captured = scdiag.analyze_captures([SCENARIOS / scenario / "service.json", SCENARIOS / scenario / "logs.json"])

    def verdict(result: scdiag.DiagnosticResult) -> tuple[object, ...]:
        cause = result.root_cause
        return result.status, cause and cause.pattern_id, cause and round(cause.confidence, 2)

    assert verdict(live) == verdict(captured)


def test_a_revision_that_never_became_ready_fails_the_deploy_and_names_what_serves(fake: FakeGoogle) -> None:
    """Traffic stays on the previous revision: FAILED, about the new revision, naming the serving one."""
    _failed_rollout(fake, reason="CONTAINER_MISSING", message="Image 'europe-docker.pkg.dev/acme/app/web:2.15.0' not found.")
    result = _orchestrator().diagnose(_request())
    assert result.status is DiagnosticStatus.FAILED
    assert result.rollout is not None
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == ("web-00008-new", "web-00007-old", RolloutOutcome.FAILED)
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"


def test_the_logging_filter_names_the_service_its_region_and_the_window(fake: FakeGoogle) -> None:
    """No filter evaluation in the fake: the request body is the contract."""
    fake.load_scenario(SCENARIOS / "cr-memory")
    _orchestrator().collect(_request(deployment_id="web-00007-xaz"))
    body = next(r.body for r in fake.requests if r.path == "/v2/entries:list")
    assert body["resourceNames"] == [f"projects/{PROJECT}"] and body["orderBy"] == "timestamp desc"
    for term in ('resource.labels.service_name="web"', f'resource.labels.location="{REGION}"', 'timestamp>="2026-11-20T13:00:00.000000Z"', 'timestamp<="2026-11-20T15:00:00.000000Z"', 'resource.labels.revision_name="web-00007-xaz"'):
        assert term in body["filter"]


def test_log_entries_are_read_page_by_page_up_to_the_limit(fake: FakeGoogle) -> None:
    """log_lines_limit bounds what is read; the newest entries are the ones kept."""
    fake.load_scenario(SCENARIOS / "cr-healthy")
    fake.entries = [{"logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout", "textPayload": f"line {i}", "timestamp": f"2026-11-20T14:{i // 60:02d}:{i % 60:02d}Z", "resource": {"type": "cloud_run_revision", "labels": {"service_name": "web"}}} for i in range(2500)]
    data = _orchestrator(log_lines_limit=1500).collect(_request())
    messages = [entry.message for log in data.logs for entry in log.entries]
    assert len(messages) == 1500 and messages[-1] == "line 2499" and messages[0] == "line 1000"
    sizes = [r.body["pageSize"] for r in fake.requests if r.path == "/v2/entries:list"]
    assert sizes == [1000, 500]


def test_throttling_mid_pagination_is_retried_and_loses_nothing(fake: FakeGoogle, spans: InMemorySpanExporter) -> None:
    """A 429 with Retry-After on the second page: that page is asked again, every entry is kept."""
    fake.load_scenario(SCENARIOS / "cr-healthy")
    fake.entries = [{"logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout", "textPayload": f"line {i}", "timestamp": f"2026-11-20T14:00:{i:02d}Z"} for i in range(3)]
    fake.page_limit = 1
    fake.faults.append(Fault(path=r"entries:list$", status=429, headers={"Retry-After": "0"}, body={"pageToken": "1"}))
    data = _orchestrator().collect(_request())
    assert sorted(e.message for log in data.logs for e in log.entries) == ["line 0", "line 1", "line 2"]
    attempts = [s.attributes.get("scdiag.attempts") for s in spans.get_finished_spans() if s.name == "CloudLogging.ListLogEntries"]
    assert sorted(attempts) == [1, 1, 2]


def test_a_5xx_on_the_service_is_retried(fake: FakeGoogle) -> None:
    """Two 503s, then the answer: the status is complete and no gap is left."""
    fake.load_scenario(SCENARIOS / "cr-memory")
    fake.faults.append(Fault(path=r"/services/web$", status=503, times=2, headers={"Retry-After": "0"}))
    data = _orchestrator().collect(_request())
    assert data.status is not None and data.status.name == "web"
    assert not [g for g in data.gaps if g.source == "status"]


def test_a_hanging_logging_endpoint_is_cut_by_the_deadline(fake: FakeGoogle) -> None:
    """Logging that never answers costs the logs, not the diagnosis."""
    fake.load_scenario(SCENARIOS / "cr-memory")
    fake.faults.append(Fault(path=r"entries:list$", status=200, times=10, delay=HANG))
    result = _orchestrator(timeout=3).diagnose(_request())
    assert result.status is DiagnosticStatus.FAILED and result.rollout is not None and result.rollout.attempted == "web-00007-xaz"
    assert any(g.source == "logs" and g.kind is GapKind.TIMED_OUT for g in result.data.gaps)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "source", "permission"),
    [
        (r"entries:list$", "logs", "logging.logEntries.list (roles/logging.viewer)"),
        (r"/timeSeries$", "metrics", "monitoring.timeSeries.list (roles/monitoring.viewer)"),
        (r"/services/web$", "status", "run.services.get (roles/run.viewer)"),
    ],
)
def test_a_missing_permission_is_a_gap_naming_it_and_its_role(fake: FakeGoogle, path: str, source: str, permission: str) -> None:
    """403 on one API: the others are still read, and the gap says what to grant."""
    fake.load_scenario(SCENARIOS / "cr-memory")
    fake.faults.append(Fault(path=path, status=403, times=10))
    data = _orchestrator().collect(_request())
    gaps = [g for g in data.gaps if g.source == source]
    assert gaps and gaps[0].kind is GapKind.ACCESS_DENIED and permission in gaps[0].reason
    assert len([g for g in data.gaps if g.kind is GapKind.ACCESS_DENIED]) == 1


def test_metrics_become_utilisation_percentages(fake: FakeGoogle) -> None:
    """Cloud Monitoring's utilisation fractions are read as the percentages the patterns expect."""
    fake.load_scenario(SCENARIOS / "cr-healthy")
    fake.series = [{"metric": {"type": "run.googleapis.com/container/memory/utilizations"}, "resource": {"labels": {"revision_name": "web-00007-xaz"}}, "points": [{"interval": {"endTime": "2026-11-20T14:01:00Z"}, "value": {"doubleValue": 0.97}}]}]
    data = _orchestrator().collect(_request())
    points = [p for group in data.metrics for p in group.points]
    assert [(p.name, round(p.value, 1), p.unit, dict(p.tags)) for p in points] == [("MemoryUtilization", 97.0, "Percent", {"revision": "web-00007-xaz"})]
    query = next(r.query for r in fake.requests if r.path.endswith("/timeSeries"))
    assert query["aggregation.alignmentPeriod"] == ["60s"] and query["interval.startTime"] == ["2026-11-20T13:00:00.000000Z"]


def test_a_service_account_key_is_exchanged_at_its_token_uri(fake: FakeGoogle) -> None:
    """GOOGLE_APPLICATION_CREDENTIALS works: the token comes from the key's token_uri and authorises Logging and Monitoring."""
    fake.load_scenario(SCENARIOS / "cr-healthy")
    _orchestrator().collect(_request())
    assert any(r.path == "/token" for r in fake.requests)
    token_calls = [r for r in fake.requests if r.path == "/v2/entries:list" or r.path.endswith("/timeSeries")]
    assert token_calls and all(r.headers.get("authorization") == "Bearer ya29.fake-token" for r in token_calls)
    # The Cloud Run client signs its own JWT with the key instead of exchanging it.
    assert all(r.headers.get("authorization", "").startswith("Bearer ") for r in fake.requests if r.path.startswith("/v2/projects/"))


def test_an_unknown_service_is_a_status_gap_saying_not_found(fake: FakeGoogle) -> None:
    """404 from the Admin API is reported as such, not retried."""
    data = _orchestrator().collect(_request(service_name="nope"))
    gaps = [g for g in data.gaps if g.source == "status"]
    assert gaps and "not found" in gaps[0].reason
    assert len([r for r in fake.requests if r.path.endswith("/services/nope")]) == 1


def test_no_credentials_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without ADC the diagnosis says how to log in."""
    from scdiag.errors import AccessDeniedError
    from scdiag_gcp.provider import CloudRunProvider

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(AccessDeniedError, match="gcloud auth application-default login"):
        CloudRunProvider(DiagnosticsConfig()).validate_credentials(_request())


def test_no_region_is_one_clear_line(fake: FakeGoogle) -> None:
    """Cloud Run services live in a region; without one the request is refused with the flag to pass."""
    from scdiag.errors import InvalidRequestError
    from scdiag_gcp.provider import CloudRunProvider

    with pytest.raises(InvalidRequestError, match="pass --region"):
        CloudRunProvider(DiagnosticsConfig()).validate_credentials(_request(region=None))


def test_the_command_line_diagnoses_a_live_service(fake: FakeGoogle, capsys: pytest.CaptureFixture[str]) -> None:
    """scdiag diagnose --provider gcp --project P --region R prints the root cause."""
    fake.load_scenario(SCENARIOS / "cr-missing-env")
    code = main(["diagnose", "--provider", "gcp", "--project", PROJECT, "--region", REGION, "--service", "web", "--format", "text", "--since", "30d"])
    out = capsys.readouterr().out
    assert code == 0
    assert "container-missing-config" in out


def test_a_silent_token_endpoint_is_cut_by_the_timeout(fake: FakeGoogle) -> None:
    """The credential check lives inside --timeout: a token endpoint that never answers costs seconds, not minutes."""
    fake.load_scenario(SCENARIOS / "cr-memory")
    fake.faults.append(Fault(path=r"^/token$", status=200, times=10, delay=HANG))
    data = _orchestrator(timeout=2).collect(_request())
    assert [g.source for g in data.gaps] == ["credentials"] and "OAuth2 token request" in data.gaps[0].reason


def test_scdiag_providers_lists_cloud_run_as_live(capsys: pytest.CaptureFixture[str]) -> None:
    """The installed scdiag-gcp registers a live provider and its --project flag."""
    assert main(["providers"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("gcp"))
    assert "available" in line and "not available" not in line


def _failed_job(fake: FakeGoogle) -> None:
    """Job migrate: its latest execution failed, its one task exited 1 after a missing variable."""
    base = f"projects/{PROJECT}/locations/{REGION}/jobs/migrate"
    execution = f"{base}/executions/migrate-x7k2p"
    failed = {"type": "Completed", "state": "CONDITION_FAILED", "message": "Task migrate-x7k2p-task0 failed with message: The container exited with an error.", "reason": "NON_ZERO_EXIT_CODE"}
    fake.jobs[base] = {"name": base, "latestCreatedExecution": {"name": execution, "createTime": "2026-11-20T14:00:00Z", "completionStatus": "EXECUTION_FAILED"}, "template": {"taskCount": 1, "template": {"containers": [{"image": "europe-docker.pkg.dev/acme/app/migrate:3.1.0"}]}}, "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"}}
    fake.jobs[execution] = {"name": execution, "job": "migrate", "createTime": "2026-11-20T14:00:00Z", "completionTime": "2026-11-20T14:01:10Z", "taskCount": 1, "failedCount": 1, "conditions": [failed, {"type": "ResourcesAvailable", "state": "CONDITION_SUCCEEDED"}, {"type": "Started", "state": "CONDITION_SUCCEEDED"}]}
    fake.jobs[f"{execution}/tasks/migrate-x7k2p-task0"] = {"name": f"{execution}/tasks/migrate-x7k2p-task0", "execution": "migrate-x7k2p", "index": 0, "retried": 3, "startTime": "2026-11-20T14:00:05Z", "completionTime": "2026-11-20T14:01:10Z", "lastAttemptResult": {"status": {"code": 2, "message": "The container exited with an error."}, "exitCode": 1}}
    log = {"type": "cloud_run_job", "labels": {"job_name": "migrate", "location": REGION, "project_id": PROJECT}}
    lines = ["Traceback (most recent call last):", '  File "/app/migrate.py", line 4, in <module>', "    url = os.environ['DATABASE_URL']", "KeyError: 'DATABASE_URL'"]
    fake.entries = [{"logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Fstderr", "resource": log, "textPayload": line, "timestamp": f"2026-11-20T14:01:0{i}Z", "labels": {"run.googleapis.com/execution_name": "migrate-x7k2p"}} for i, line in enumerate(lines)]


def test_a_failed_job_execution_is_diagnosed_from_its_tasks_and_logs(fake: FakeGoogle) -> None:
    """--job: the latest execution is the attempt; its failed task and its log name the cause."""
    _failed_job(fake)
    result = _orchestrator().diagnose(_request(service_name="migrate", context=RequestContext(options={"project": PROJECT, "job": "migrate"})))
    assert result.status is DiagnosticStatus.FAILED and result.rollout is not None
    assert (result.rollout.attempted, result.rollout.outcome) == ("migrate-x7k2p", RolloutOutcome.FAILED)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-missing-config"
    body = next(r.body for r in fake.requests if r.path == "/v2/entries:list")
    assert 'resource.type="cloud_run_job"' in body["filter"] and 'resource.labels.job_name="migrate"' in body["filter"]


def test_a_job_task_becomes_an_instance_with_its_exit_code(fake: FakeGoogle) -> None:
    """The task's last attempt: exit code 1, three retries, failing."""
    _failed_job(fake)
    data = _orchestrator().collect(_request(service_name="migrate", context=RequestContext(options={"project": PROJECT, "job": "migrate"})))
    assert data.status is not None
    (task,) = data.status.instances
    container = task.containers[0]
    assert (task.id, task.rollout_id, task.failing) == ("migrate-x7k2p-task0", "migrate-x7k2p", True)
    assert container.termination is not None and (container.termination.exit_code, container.restart_count) == (1, 3)
