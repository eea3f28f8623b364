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
