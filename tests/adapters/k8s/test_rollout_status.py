"""``kubectl rollout status`` as a deploy step prints it, whole and in pieces.

The lines are written in kubectl's own wording (its rollout status viewers
for Deployments, StatefulSets and DaemonSets).
"""

from __future__ import annotations

import pytest

from scdiag.models import DiagnosticStatus, RolloutOutcome

from tests.adapters.k8s.test_text_captures import STATE_BLOCK

STUCK = """$ kubectl rollout status deployment/orders -n shop --timeout=10m
Waiting for deployment "orders" rollout to finish: 0 of 3 updated replicas are available...
Waiting for deployment "orders" rollout to finish: 1 of 3 updated replicas are available...
error: deployment "orders" exceeded its progress deadline
"""
DONE = """Waiting for deployment "orders" rollout to finish: 2 of 3 updated replicas are available...
Waiting for deployment "orders" rollout to finish: 1 old replicas are pending termination...
deployment "orders" successfully rolled out
"""


def test_a_rollout_past_its_deadline_is_a_failed_rollout_of_the_named_deployment(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The deadline line fails the attempted rollout; the service is the deployment kubectl watched."""
    result = diagnose_text(STUCK)
    assert result.status is DiagnosticStatus.FAILED and result.request.service_name == "orders"
    assert result.rollout is not None and result.rollout.outcome is RolloutOutcome.FAILED
    assert "k8s-progress-deadline-exceeded" in {s.pattern_id for s in result.symptoms}


def test_a_completed_rollout_is_healthy(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """'successfully rolled out' after the counts: healthy, with all replicas of the last count."""
    result = diagnose_text(DONE)
    assert result.status is DiagnosticStatus.HEALTHY
    assert result.data.status is not None and (result.data.status.desired_count, result.data.status.running_count) == (3, 3)


def test_the_waiting_lines_alone_give_the_counts(read_text) -> None:  # type: ignore[no-untyped-def]
    """A paste cut before the outcome: one of three available, still in progress."""
    data = read_text("\n".join(STUCK.splitlines()[1:3]) + "\n")
    assert data.status is not None and (data.status.desired_count, data.status.running_count) == (3, 1)
    assert [record.reader for record in data.inputs] == ["kubectl-rollout-status"]


def test_the_deadline_line_alone_is_enough(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """Only the error line, as CI logs often keep: still the named deployment, still failed."""
    result = diagnose_text('error: deployment "orders" exceeded its progress deadline\r\n')
    assert result.status is DiagnosticStatus.FAILED and result.request.service_name == "orders"


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ('Waiting for daemon set "node-agent" rollout to finish: 1 out of 4 new pods have been updated...\n', "node-agent"),
        ('Waiting for statefulset "db" rollout to finish: 1 out of 3 new pods have been updated...\nWaiting for 2 pods to be ready...\n', "db"),
    ],
    ids=["daemonset", "statefulset"],
)
def test_other_workloads_are_read_as_their_kind(read_text, text: str, service: str) -> None:  # type: ignore[no-untyped-def]
    """DaemonSets and StatefulSets word it their own way; each becomes its workload."""
    data = read_text(text)
    assert data.service_name == service and data.status is not None and data.status.desired_count in (3, 4)


def test_with_the_pods_state_the_cause_behind_the_deadline_is_named(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """rollout status, then the describe block of a pod: the deadline is the symptom, the OOM kill the cause."""
    result = diagnose_text(STUCK + "$ kubectl describe pod orders-7d4b9c6f5-4kq2m -n shop\nContainers:\n  orders:\n" + STATE_BLOCK)
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"
