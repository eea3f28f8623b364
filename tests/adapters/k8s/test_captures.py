"""kubectl captures normalise into the shared models."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.conftest import SCENARIOS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8s-oom-kill"

DESCRIBE = """Name:             web-7f8c9d6b5-x2kqp
Namespace:        shop
Node:             gke-pool-1/10.128.0.14
Start Time:       Fri, 20 Nov 2026 14:02:11 +0000
Labels:           app=web
                  pod-template-hash=7f8c9d6b5
Status:           Running
Controlled By:  ReplicaSet/web-7f8c9d6b5
Containers:
  web:
    Image:          registry.example.com/shop/web:2.14.0
    Port:           8080/TCP
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Fri, 20 Nov 2026 14:08:58 +0000
      Finished:     Fri, 20 Nov 2026 14:09:47 +0000
    Ready:          False
    Restart Count:  5
    Limits:
      memory:  256Mi
Conditions:
  Type              Status
  Initialized       True
  Ready             False
Events:
  Type     Reason     Age                  From     Message
  ----     ------     ----                 ----     -------
  Warning  BackOff    3m (x27 over 10m)    kubelet  Back-off restarting failed container web in pod web-7f8c9d6b5-x2kqp_shop(b9a2)
"""


def test_pods_list_gives_instances_with_last_termination(read) -> None:  # type: ignore[no-untyped-def]
    """lastState.terminated of the crashing pod is kept; the old pod belongs to the old ReplicaSet."""
    data = read(EXAMPLE / "pods.json")
    new, old = data.status.instances
    assert new.containers[0].last_termination.reason == "OOMKilled"
    assert new.containers[0].state == "waiting" and new.containers[0].reason == "CrashLoopBackOff"
    assert (new.rollout_id, old.rollout_id) == ("orders-api-7f8c9d6b5", "orders-api-5d4b8f7c9")


def test_the_deployment_names_the_current_replicaset(read) -> None:  # type: ignore[no-untyped-def]
    """The Progressing condition's message names the ReplicaSet of the rollout."""
    rollout = read(EXAMPLE / "deployment.json").status.current_rollout()
    assert rollout is not None and rollout.id == "orders-api-7f8c9d6b5" and rollout.rollout_state == "FAILED"


def test_events_keep_reason_count_and_pod(read) -> None:  # type: ignore[no-untyped-def]
    """Events fold repeats into a count and point at their pod."""
    events = [e for group in read(EXAMPLE / "events.json").events for e in group.events]
    backoff = next(e for e in events if e.reason == "BackOff")
    assert (backoff.count, backoff.instance) == (27, "orders-api-7f8c9d6b5-x2kqp")


def test_describe_pod_text_reads_like_the_json(read, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """kubectl describe pod gives the same states, limits and events."""
    target = tmp_path / "describe.txt"
    target.write_text(DESCRIBE)
    data = read(target)
    assert data.inputs[0].reader == "kubectl-describe"
    (pod,) = data.status.instances
    (container,) = pod.containers
    assert container.last_termination.exit_code == 137 and container.last_termination.reason == "OOMKilled"
    assert container.restart_count == 5
    assert data.status.containers[0].memory_limit_mib == 256.0
    (event,) = [e for g in data.events for e in g.events]
    assert (event.reason, event.count) == ("BackOff", 27)


def test_service_and_endpoints_from_separate_files_merge(read) -> None:  # type: ignore[no-untyped-def]
    """A Service read from one file and its Endpoints from another are one endpoint."""
    scenario = SCENARIOS / "k8s-service-selector"
    data = read(scenario / "services.json", scenario / "endpoints.json")
    (endpoint,) = data.status.endpoints
    assert (endpoint.name, endpoint.target_port, endpoint.ready_addresses) == ("web", 8080, 0)


def test_each_pods_conditions_point_into_that_pods_object(read) -> None:  # type: ignore[no-untyped-def]
    """Two pods with the same condition types: the second pod's conditions are on its own lines, below its name."""
    lines = (EXAMPLE / "pods.json").read_text(encoding="utf-8").splitlines()
    second_starts = next(number for number, line in enumerate(lines, 1) if '"name": "orders-api-5d4b8f7c9-mz7wn"' in line)
    _new, old = read(EXAMPLE / "pods.json").status.instances
    located = {condition.type: condition.location.line for condition in old.conditions}
    assert set(located) == {"Initialized", "Ready", "ContainersReady", "PodScheduled"}
    assert all(line > second_starts and f'"{kind}"' in lines[line - 1] for kind, line in located.items())


def _pods_list(count: int) -> dict:  # type: ignore[type-arg]
    """The example's pods, copied ``count`` times under new names, as one List."""
    import copy
    import json

    template = json.loads((EXAMPLE / "pods.json").read_text(encoding="utf-8"))["items"]
    items = []
    for index in range(count):
        for pod in template:
            copied = copy.deepcopy(pod)
            copied["metadata"]["name"] = f"{pod['metadata']['name']}-{index}"
            items.append(copied)
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def test_a_list_larger_than_the_document_limit_is_read_item_by_item(tmp_path: Path) -> None:
    """A List never sits in memory whole, so captures.max_document_size does not bound it."""
    import json

    from scdiag.app import DiagnosticOrchestrator
    from scdiag.config import config_from_mapping

    target = tmp_path / "pods.json"
    target.write_text(json.dumps(_pods_list(150), indent=4), encoding="utf-8")
    assert target.stat().st_size > 256 * 1024
    orchestrator = DiagnosticOrchestrator(config=config_from_mapping({"diagnostics": {"captures": {"max_document_size": "64KiB"}}}))
    result = orchestrator.analyze_captures([str(target)])
    assert result.data is not None and len(result.data.status.instances) == 300
    assert result.root_cause is not None and result.root_cause.pattern_id == "container-oom-kill"


def test_items_without_a_kind_take_the_lists(read_text) -> None:  # type: ignore[no-untyped-def]
    """The API's own PodList names the kind once, before its items."""
    import json

    listed = _pods_list(1)
    items = [{key: value for key, value in pod.items() if key != "kind"} for pod in listed["items"]]
    data = read_text(json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}, indent=2), name="pods.json")
    assert [i.kind for i in data.status.instances] == ["pod", "pod"]


def test_a_list_cut_short_keeps_the_items_before_the_cut(read_text) -> None:  # type: ignore[no-untyped-def]
    import json

    text = json.dumps(_pods_list(3), indent=4)
    cut = text[: text.index('"name": "orders-api-5d4b8f7c9-mz7wn-2"')]
    data = read_text(cut, name="pods.json")
    assert len(data.status.instances) == 5
    assert any("truncated" in problem for read in data.inputs for problem in read.problems)


def test_a_malformed_item_costs_only_itself(read_text) -> None:  # type: ignore[no-untyped-def]
    import json

    text = json.dumps(_pods_list(2), indent=4)
    second = text.index('"name": "orders-api-5d4b8f7c9-mz7wn-0"')
    broken = text[:second] + '"name": orders-api-broken,\n' + text[second + len('"name": "orders-api-5d4b8f7c9-mz7wn-0",') :]
    data = read_text(broken, name="pods.json")
    assert len(data.status.instances) == 3
    assert any("not valid JSON" in problem for problem in data.inputs[0].problems)
