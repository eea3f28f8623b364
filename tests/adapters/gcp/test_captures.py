"""gcloud captures normalise into the shared models."""

from __future__ import annotations

from tests.adapters.conftest import SCENARIOS


def test_logging_entries_separate_system_and_container_lines(read) -> None:  # type: ignore[no-untyped-def]
    """varlog/system lines are the platform's; stdout/stderr the container's."""
    data = read(SCENARIOS / "cr-memory" / "logs.json")
    sources = {e.attributes["source"] for log in data.logs for e in log.entries}
    assert sources == {"cloud-run", "cloud-run-system"}
    assert data.service_name == "web" and data.provider == "gcp"


def test_service_describe_gives_the_ready_condition_and_revisions(read) -> None:  # type: ignore[no-untyped-def]
    """The Ready=False message and the latest created revision as current rollout."""
    data = read(SCENARIOS / "cr-missing-env" / "service.json")
    assert data.inputs[0].reader == "gcloud-run-describe-json"
    ready = next(c for c in data.status.conditions if c.type == "Ready")
    assert ready.status == "False" and "PORT=8080" in (ready.message or "")
    assert data.status.current_rollout().id == "web-00007-xaz"


def test_deploy_error_becomes_a_ready_condition(read) -> None:  # type: ignore[no-untyped-def]
    """gcloud run deploy's ERROR line is the revision's Ready message."""
    data = read(SCENARIOS / "cr-image-not-found" / "deploy.txt")
    (condition,) = data.status.conditions
    assert condition.status == "False" and "not found" in (condition.message or "")
    assert data.deployment_id == "web-00007-xaz"


def _json_of(path):  # type: ignore[no-untyped-def]
    from scdiag.captures.jsontext import load_json_text

    return load_json_text(path.read_text(encoding="utf-8")).value


def test_logging_read_default_yaml_reads_like_its_json(read, read_text) -> None:  # type: ignore[no-untyped-def]
    """`gcloud logging read` without --format prints YAML documents separated by ---."""
    import yaml

    logs = SCENARIOS / "cr-memory" / "logs.json"
    entries = _json_of(logs)
    text = "".join("---\n" + yaml.safe_dump(entry, sort_keys=False) for entry in entries)
    as_yaml, as_json = read_text(text), read(logs)
    assert as_yaml.inputs[0].reader == "gcloud-logging-read-json"
    assert sum(len(log.entries) for log in as_yaml.logs) == sum(len(log.entries) for log in as_json.logs)
    assert len([e for g in as_yaml.events for e in g.events]) == len([e for g in as_json.events for e in g.events])


def test_services_describe_default_yaml_reads_like_its_json(read, read_text) -> None:  # type: ignore[no-untyped-def]
    """`gcloud run services describe` prints YAML by default."""
    import yaml

    service = SCENARIOS / "cr-memory" / "service.json"
    data = read_text(yaml.safe_dump(_json_of(service), sort_keys=False))
    assert data.inputs[0].reader == "gcloud-run-describe-json"
    def conditions(status):  # type: ignore[no-untyped-def]
        return [(c.type, c.status, c.reason, c.message) for c in status.conditions]

    assert conditions(data.status) == conditions(read(service).status) != []


def test_logging_yaml_too_large_to_segment_is_converted_while_read(read, read_text, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Past the paste limit, YAML documents stream as JSON, each on the line its document starts."""
    import yaml

    from scdiag.captures import pipeline

    monkeypatch.setattr(pipeline, "MAX_PASTE_CHARS", 200)
    logs = SCENARIOS / "cr-memory" / "logs.json"
    text = "".join("---\n" + yaml.safe_dump(entry, sort_keys=False) for entry in _json_of(logs))
    data = read_text(text)
    assert data.inputs[0].reader == "gcloud-logging-read-json" and data.inputs[0].problems == ()
    lines = text.split("\n")
    for log in data.logs:
        for entry in log.entries:
            assert lines[entry.location.line - 2] == "---"


def test_a_new_revision_that_failed_leaves_the_traffic_where_it_was(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The attempt is the latest created revision; the summary says which one still serves."""
    import json

    from scdiag.app import DiagnosticOrchestrator
    from scdiag.models import DiagnosticStatus, RolloutOutcome

    service = _json_of(SCENARIOS / "cr-memory" / "service.json")
    service["status"]["traffic"] = [{"revisionName": "web-00006-kol", "percent": 100}]
    (tmp_path / "service.json").write_text(json.dumps(service))
    result = DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert result.status is DiagnosticStatus.FAILED
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == ("web-00007-xaz", "web-00006-kol", RolloutOutcome.FAILED)
    assert result.summary.endswith("; the traffic stays on web-00006-kol")


_V2_SERVICE = """{
  "name": "projects/acme-prod/locations/europe-west1/services/web",
  "uid": "5e1c0001",
  "generation": "8",
  "template": {"containers": [{"image": "europe-docker.pkg.dev/acme/app/web:2.15.0", "ports": [{"name": "http1", "containerPort": 8080}], "resources": {"limits": {"cpu": "1000m", "memory": "524288Ki"}}}]},
  "terminalCondition": {
    "type": "Ready",
    "state": "CONDITION_FAILED",
    "message": "Revision 'web-00008-new' is not ready and cannot serve traffic. Image 'europe-docker.pkg.dev/acme/app/web:2.15.0' not found.",
    "lastTransitionTime": "2026-11-20T14:02:00Z",
    "severity": "ERROR",
    "reason": "CONTAINER_MISSING"
  },
  "latestReadyRevision": "projects/acme-prod/locations/europe-west1/services/web/revisions/web-00007-old",
  "latestCreatedRevision": "projects/acme-prod/locations/europe-west1/services/web/revisions/web-00008-new",
  "trafficStatuses": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": "web-00007-old", "percent": 100}],
  "uri": "https://web-abc123-ew.a.run.app"
}
"""


def test_an_admin_api_v2_service_reads_like_the_live_one(read_text) -> None:  # type: ignore[no-untyped-def]
    """The v2 JSON (curl, client libraries) goes through the live provider's normaliser: attempt, serving, reason."""
    data = read_text(_V2_SERVICE, name="service-v2.json")
    assert data.inputs[0].reader == "gcloud-run-describe-json"
    attempt = data.status.current_rollout()
    assert (attempt.id, attempt.outcome.value if attempt.outcome else None, attempt.serving) == ("web-00008-new", "failed", False)
    assert [r.id for r in data.status.rollouts if r.serving] == ["web-00007-old"]
    ready = next(c for c in data.status.conditions if c.type == "Ready")
    assert (ready.status, ready.reason, ready.failing) == ("False", "ContainerMissing", True)
    assert data.status.containers[0].memory_limit_mib == 512.0 and data.status.containers[0].cpu_limit == 1.0


def test_an_admin_api_v2_service_is_diagnosed_as_the_failed_attempt(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The failed new revision is the verdict's subject, whatever serves now."""
    result = diagnose_text(_V2_SERVICE, name="service-v2.json")
    assert result.status.value == "failed" and result.rollout.serving == "web-00007-old"
    assert result.root_cause is not None and result.root_cause.pattern_id == "image-not-found"


def test_admin_api_v2_job_execution_and_tasks_read_like_the_live_ones(read_text) -> None:  # type: ignore[no-untyped-def]
    """A job, its execution and its task (as curl or the client libraries print them) in one paste."""
    import json

    base = "projects/acme-prod/locations/europe-west1/jobs/migrate"
    items = [
        {"name": base, "latestCreatedExecution": {"name": f"{base}/executions/migrate-x7k2p"}, "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"}},
        {"name": f"{base}/executions/migrate-x7k2p", "taskCount": 1, "failedCount": 1, "completionTime": "2026-11-20T14:01:10Z", "conditions": [{"type": "Completed", "state": "CONDITION_FAILED", "message": "Task migrate-x7k2p-task0 failed with message: The container exited with an error."}]},
        {"name": f"{base}/executions/migrate-x7k2p/tasks/migrate-x7k2p-task0", "execution": "migrate-x7k2p", "completionTime": "2026-11-20T14:01:10Z", "lastAttemptResult": {"exitCode": 1, "status": {"code": 2, "message": "The container exited with an error."}}},
    ]
    data = read_text(json.dumps(items, indent=2), name="job.json")
    attempt = data.status.current_rollout()
    assert (attempt.id, attempt.outcome.value) == ("migrate-x7k2p", "failed")
    (task,) = data.status.instances
    assert task.failing and task.containers[0].termination.exit_code == 1


def test_one_malformed_document_in_streamed_yaml_costs_only_itself(read_text, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Documents are parsed in batches; a batch with a broken document is parsed again one by one."""
    import yaml

    from scdiag.captures import pipeline

    monkeypatch.setattr(pipeline, "MAX_PASTE_CHARS", 200)
    from scdiag.captures.inputs import HEAD_BYTES

    entries = _json_of(SCENARIOS / "cr-memory" / "logs.json")
    documents = ["---\n" + yaml.safe_dump(entry, sort_keys=False) for entry in entries]
    while sum(map(len, documents)) < 2 * HEAD_BYTES:
        documents += documents
    # Past the head, which decides the format: the broken document sits in a later batch.
    broken = len(documents) - 3
    documents.insert(broken, "---\ntextPayload: [unclosed\n")
    text = "".join(documents)
    data = read_text(text)
    assert data.inputs[0].reader == "gcloud-logging-read-json"
    messages = [entry.message for log in data.logs for entry in log.entries]
    expected = [entry.message for log in read_text("".join(documents[:broken] + documents[broken + 1 :])).logs for entry in log.entries]
    assert sorted(messages) == sorted(expected) != []
    lines = text.split("\n")
    for log in data.logs:
        for entry in log.entries:
            assert lines[entry.location.line - 2] == "---"


DEPLOYED = """Deploying container to Cloud Run service [catalog] in project [shop-prod] region [europe-west1]
OK Deploying... Done.
  OK Creating Revision...
  OK Routing traffic...
Done.
Service [catalog] revision [catalog-00012-vup] has been deployed and is serving 100 percent of traffic.
Service URL: https://catalog-5rtq3wz7ka-ew.a.run.app
"""


def test_a_deploy_that_went_through_is_the_serving_attempt(read_text) -> None:  # type: ignore[no-untyped-def]
    """gcloud run deploy's last line names the revision it deployed and the traffic it serves."""
    data = read_text(DEPLOYED)
    assert data.inputs[0].reader == "gcloud-run-deploy-error"
    attempt = data.status.current_rollout()
    assert (attempt.id, attempt.outcome.value, attempt.serving) == ("catalog-00012-vup", "succeeded", True)
    assert data.service_name == "catalog"


def test_a_deploy_that_went_through_is_healthy(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    assert diagnose_text(DEPLOYED).status.value == "healthy"


def test_a_revision_serving_no_traffic_does_not_serve(read_text) -> None:  # type: ignore[no-untyped-def]
    """--no-traffic deploys: the revision is up, the traffic stays where it was."""
    data = read_text(DEPLOYED.replace("serving 100 percent", "serving 0 percent"))
    assert data.status.current_rollout().serving is False
