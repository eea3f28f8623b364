"""The reader of ``kubectl rollout status`` output, as a deploy step prints it.

``kubectl rollout status`` polls a Deployment, StatefulSet or DaemonSet and
prints one line per change, then the outcome::

    Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...
    error: deployment "web" exceeded its progress deadline

The lines become the workload's API object as kubectl read it (desired,
updated and available replicas; the Progressing condition when the deadline
passed, or the rollout's completion), which the normaliser the live provider
uses turns into the status. Each line is also a log line of the deploy step.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scdiag import regex
from scdiag.captures.jsontext import locate_status, unexpected_shape
from scdiag.captures.text import stream_blocks
from scdiag.ports import CaptureSink, CaptureSource

from scdiag_k8s.normalize import status_from_objects

__all__ = ["RolloutStatusReader"]

_KINDS = {"deployment": "Deployment", "daemon set": "DaemonSet", "statefulset": "StatefulSet"}
_LINE = regex.deferred(
    r"(?m)^(?:error: )?(?:Waiting for (?:deployment|daemon set|statefulset) \"[^\"]+\" rollout to finish|"
    r"(?:deployment|daemon set|statefulset) \"[^\"]+\" (?:successfully rolled out|exceeded its progress deadline)|"
    r"Waiting for deployment spec update to be observed|statefulset rolling update complete|partitioned roll out complete)"
)
_NAMED = regex.deferred(r"(?P<kind>deployment|daemon set|statefulset) \"(?P<name>[^\"]+)\"")
_UPDATED_AVAILABLE = regex.deferred(r"(?P<available>\d+) of (?P<desired>\d+) updated replicas are available")
_OUT_OF = regex.deferred(r"(?P<updated>\d+) out of (?P<desired>\d+) new (?:replicas|pods) have been updated")
_OLD_PENDING = regex.deferred(r"(?P<old>\d+) old replicas are pending termination")
_NOT_READY = regex.deferred(r"Waiting for (?P<pending>\d+) pods to be ready")


class RolloutStatusReader:
    """``kubectl rollout status deployment|statefulset|daemonset/NAME``, whole or its last lines."""

    name: ClassVar[str] = "kubectl-rollout-status"
    provider: ClassVar[str | None] = "kubernetes"

    def sniff(self, source: CaptureSource) -> float:
        """Sure when the head holds the command's own wording."""
        return 0.85 if _LINE.search(source.head) else 0.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        """The workload's rollout as the last lines say it; every line is also a log line."""
        with unexpected_shape(source, self.name):
            with source.open() as stream:
                text = stream.read(source.document_limit)
            workload = _workload(text)
            if workload is not None:
                status = status_from_objects([workload])
                if status is not None:
                    sink.add_status(locate_status(status, text, source.name))
                sink.hint(provider="kubernetes", service=workload["metadata"]["name"])
            stream_blocks(source, sink, log_source="deploy-output", stream="kubectl rollout status")
            return 1 if workload is not None else 0


def _workload(text: str) -> dict[str, Any] | None:
    """The API object kubectl was watching, with what its lines said last."""
    named = None
    desired = updated = available = old = pending = None
    outcome: str | None = None
    for line in text.splitlines():
        match = _NAMED.search(line)
        if match is not None:
            named = (match.group("kind"), match.group("name"))
        if (found := _UPDATED_AVAILABLE.search(line)) is not None:
            available, desired = int(found.group("available")), int(found.group("desired"))
            updated = desired
        if (found := _OUT_OF.search(line)) is not None:
            updated, desired = int(found.group("updated")), int(found.group("desired"))
        if (found := _OLD_PENDING.search(line)) is not None:
            old = int(found.group("old"))
        if (found := _NOT_READY.search(line)) is not None:
            pending = int(found.group("pending"))
        if "exceeded its progress deadline" in line:
            outcome = "deadline"
        elif "successfully rolled out" in line or "rolling update complete" in line or "partitioned roll out complete" in line:
            outcome = "complete"
    if named is None:
        return None
    kind, name = _KINDS[named[0]], named[1]
    status: dict[str, Any] = {"observedGeneration": 1}
    spec: dict[str, Any] = {}
    if desired is not None:
        spec["replicas"] = desired
        status["replicas"] = desired + (old or 0)
        status["updatedReplicas"] = updated if updated is not None else 0
        ready = available if available is not None else (desired - pending if pending is not None else None)
        if ready is not None:
            status["readyReplicas"] = status["availableReplicas"] = ready
    if outcome == "complete" and desired is not None:
        status.update(replicas=desired, updatedReplicas=desired, readyReplicas=desired, availableReplicas=desired)
    conditions = []
    if outcome == "deadline":
        conditions.append({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": f'{kind} "{name}" exceeded its progress deadline (kubectl rollout status)'})
    elif outcome == "complete" and kind == "Deployment":
        conditions.append({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": f'{kind} "{name}" successfully rolled out'})
        conditions.append({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."})
    if conditions:
        status["conditions"] = conditions
    if kind == "DaemonSet":
        # A DaemonSet counts scheduled pods, not replicas.
        status = {
            "observedGeneration": 1,
            "desiredNumberScheduled": spec.pop("replicas", None),
            "updatedNumberScheduled": status.get("updatedReplicas"),
            "numberReady": status.get("readyReplicas"),
            "numberAvailable": status.get("availableReplicas"),
        }
        status = {key: value for key, value in status.items() if value is not None}
    return {"kind": kind, "apiVersion": "apps/v1", "metadata": {"name": name, "generation": 1}, "spec": spec, "status": status}
