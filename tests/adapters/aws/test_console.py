"""Task and service details copied from the ECS console read like describe-tasks and describe-services."""

from __future__ import annotations

import pytest

TASK = """Task\t8d3e2a1f0b6c4e2f9a7d3c1b5e8f2a4d
Task definition\tweb:42
Group\tservice:web
Last status\tSTOPPED
Desired status\tSTOPPED
Stop code\tEssentialContainerExited
Stopped reason\tEssential container in task exited
Containers
Container name\tLast status\tExit code\tHealth status\tReason
web\tSTOPPED\t137\t-\tOutOfMemoryError: Container killed due to memory usage
"""

SERVICE = """Service name\tweb
Cluster\tprod
Status\tACTIVE
Desired tasks\t2
Running tasks\t2
Pending tasks\t0
Deployments
Deployment ID\tStatus\tRollout state\tTask definition\tDesired\tPending\tRunning\tFailed\tRollout state reason
ecs-svc/4711\tPRIMARY\tCOMPLETED\tweb:41\t2\t0\t2\t0\tECS deployment circuit breaker: rolling back to deploymentId ecs-svc/3300.
ecs-svc/9999\tACTIVE\tFAILED\tweb:42\t0\t0\t0\t6\tECS deployment circuit breaker: tasks failed to start.
Events
Event ID\tStarted at\tMessage
e1\t2026-11-20T14:02:10Z\t(service web) (deployment ecs-svc/9999) deployment failed: tasks failed to start.
"""


def _separated(text: str, separator: str) -> str:
    return text.replace("\t", separator)


@pytest.mark.parametrize("separator", ["\t", " | ", "    "], ids=["tabs", "pipes", "spaces"])
def test_task_details_become_a_stopped_task(read_text, separator: str) -> None:  # type: ignore[no-untyped-def]
    """Stop code, stopped reason and the container's exit code, however the copy separated them."""
    data = read_text(_separated(TASK, separator))
    assert data.inputs[0].reader == "ecs-console-text"
    (task,) = data.status.instances
    assert (task.reason, task.message) == ("EssentialContainerExited", "Essential container in task exited")
    (container,) = task.containers
    assert container.termination.exit_code == 137
    assert container.reason == "OutOfMemoryError: Container killed due to memory usage"


def test_a_value_on_the_line_under_its_label(read_text) -> None:  # type: ignore[no-untyped-def]
    """The console's own layout: each label on one line, its value on the next."""
    stacked = "Last status\nSTOPPED\nStop code\nTaskFailedToStart\nStopped reason\nCannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref registry.example.com/shop/web:v2: not found\n"
    (task,) = read_text(stacked).status.instances
    assert task.reason == "TaskFailedToStart" and task.message.startswith("CannotPullContainerError")


def test_task_details_are_diagnosed_as_oom(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The container's reason names the OOM kill."""
    assert diagnose_text(TASK).root_cause.pattern_id == "container-oom-kill"


def test_service_details_give_deployments_and_events(read_text) -> None:  # type: ignore[no-untyped-def]
    """The deployments table becomes rollouts; the circuit breaker rolled 9999 back, so 9999 is the attempt and 4711 serves."""
    data = read_text(SERVICE)
    rollouts = {r.id: r for r in data.status.rollouts}
    assert rollouts["ecs-svc/9999"].current and not rollouts["ecs-svc/4711"].current
    assert rollouts["ecs-svc/4711"].serving and not rollouts["ecs-svc/9999"].serving
    assert rollouts["ecs-svc/9999"].failed == 6
    (event,) = [e for group in data.events for e in group.events]
    assert event.message.startswith("(service web) (deployment ecs-svc/9999) deployment failed")
    assert data.service_name == "web"


EVENTS_TAB = """Events
Event ID\tStarted at\tMessage
0c1d9a3e\t2026-11-24T09:41:07Z\tservice orders-api has reached a steady state.
7e2f4b1c\t2026-11-24T09:40:52Z\tservice orders-api (deployment ecs-svc/4620) deployment completed.
f0e1d2c3\t2026-11-24T09:37:02Z\tservice orders-api has started 2 tasks: task 3f9c2e1a.
"""


def test_the_events_tab_alone_is_read_as_the_service(read_text) -> None:  # type: ignore[no-untyped-def]
    """Only the Events tab copied: the service is named by its events, and the newest deployment they end is the attempt."""
    data = read_text(EVENTS_TAB)
    assert data.inputs[0].reader == "ecs-console-text"
    assert data.service_name == "orders-api"
    attempt = data.status.current_rollout()
    assert (attempt.id, attempt.outcome.value) == ("ecs-svc/4620", "succeeded")


def test_a_completed_deployment_in_the_events_tab_is_healthy(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """ECS's own 'deployment completed' is the verdict when nothing failed."""
    result = diagnose_text(EVENTS_TAB)
    assert result.status.value == "healthy"
    assert result.rollout.attempted == "ecs-svc/4620"


def test_a_failed_deployment_in_the_events_tab_is_not_healthy(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The newest deployment event decides, wherever the copy put it."""
    failed = EVENTS_TAB + "a9b8c7d6\t2026-11-24T10:12:44Z\tservice orders-api (deployment ecs-svc/5120) deployment failed: tasks failed to start.\n"
    result = diagnose_text(failed)
    assert result.status.value == "failed"
    assert result.rollout.attempted == "ecs-svc/5120"
