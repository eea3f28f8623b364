"""A rollout that `kubectl rollout undo` (or helm rollback, Argo CD) reverted is the failed attempt."""

from __future__ import annotations

import json
from pathlib import Path

from scdiag.app import DiagnosticOrchestrator
from scdiag.models import DiagnosticStatus, RolloutOutcome

RESTORED, ATTEMPTED = "web-5d4b8f7c9", "web-7f8c9d6b5"


def _replica_set(name: str, revision: int, replicas: int, history: str | None = None) -> dict[str, object]:
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    if history:
        annotations["deployment.kubernetes.io/revision-history"] = history
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": f"uid-{name}",
            "labels": {"app": "web"},
            "annotations": annotations,
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "uid-web"}],
            "creationTimestamp": "2026-11-20T14:00:00Z",
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas},
    }


def _write(directory: Path, *, history: str | None) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 7, "uid": "uid-web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "registry.example.com/shop/web:2.14.0"}]}},
        },
        "status": {
            "observedGeneration": 7,
            "replicas": 2,
            "updatedReplicas": 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": f'ReplicaSet "{RESTORED}" has successfully progressed.'},
            ],
        },
    }
    replica_sets = {"apiVersion": "v1", "kind": "List", "items": [_replica_set(RESTORED, 4, 2, history), _replica_set(ATTEMPTED, 3, 0)]}
    pull_failed = (
        'Failed to pull image "registry.example.com/shop/web:2.15.0": rpc error: code = NotFound desc = failed to pull and unpack image '
        '"registry.example.com/shop/web:2.15.0": failed to resolve reference "registry.example.com/shop/web:2.15.0": '
        "registry.example.com/shop/web:2.15.0: not found"
    )
    events = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"kind": "Event", "type": "Warning", "reason": "Failed", "message": pull_failed, "count": 5, "lastTimestamp": "2026-11-20T14:05:00Z",
             "involvedObject": {"kind": "Pod", "name": f"{ATTEMPTED}-x2kqp", "namespace": "shop"}},
            {"kind": "Event", "type": "Normal", "reason": "ScalingReplicaSet", "message": f"Scaled down replica set {ATTEMPTED} to 0 from 1", "lastTimestamp": "2026-11-20T14:09:00Z",
             "involvedObject": {"kind": "Deployment", "name": "web", "namespace": "shop", "uid": "uid-web"}},
        ],
    }
    (directory / "deployment.json").write_text(json.dumps(deployment))
    (directory / "replicasets.json").write_text(json.dumps(replica_sets))
    (directory / "events.json").write_text(json.dumps(events))


def test_an_undone_rollout_is_failed_with_its_own_cause(tmp_path: Path) -> None:
    """The restored ReplicaSet serves and is healthy; the attempt failed to pull its image."""
    _write(tmp_path, history="2")
    result = DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert result.status is DiagnosticStatus.FAILED
    assert result.root_cause.pattern_id == "image-not-found"
    assert (result.rollout.attempted, result.rollout.serving, result.rollout.outcome) == (ATTEMPTED, RESTORED, RolloutOutcome.ROLLED_BACK)
    assert f"rollout {ATTEMPTED} was rolled back, {RESTORED} serves now" in result.summary


def test_a_newer_rollout_that_completed_is_healthy(tmp_path: Path) -> None:
    """Without a revision history, the newest ReplicaSet is the attempt and it completed."""
    _write(tmp_path, history=None)
    result = DiagnosticOrchestrator().analyze_captures([str(tmp_path)])
    assert result.status is DiagnosticStatus.HEALTHY
    assert result.rollout.attempted == RESTORED
