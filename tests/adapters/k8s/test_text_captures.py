"""kubectl's text renderings, whole and in pieces, read as what they describe.

Every input here is written in the shape kubectl prints (describe's
``Key: value`` column and Events table; get's aligned tables), then cut
the way people paste it.
"""

from __future__ import annotations

import pytest

from tests.adapters.k8s.test_captures import DESCRIBE

EVENTS_ONLY = """Events:
  Type     Reason     Age                  From               Message
  ----     ------     ----                 ----               -------
  Normal   Scheduled  5m                   default-scheduler  Successfully assigned shop/web-1 to node-a
  Warning  Failed     4m (x4 over 5m)      kubelet            Failed to pull image "registry.example.com/shop/web:2.15.0": rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/web:2.15.0": failed to resolve reference "registry.example.com/shop/web:2.15.0": registry.example.com/shop/web:2.15.0: not found
  Warning  Failed     4m (x4 over 5m)      kubelet            Error: ErrImagePull
  Normal   BackOff    3m (x6 over 5m)      kubelet            Back-off pulling image "registry.example.com/shop/web:2.15.0"
"""

STATE_BLOCK = """    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
    Ready:          False
    Restart Count:  7
"""

DEPLOYMENT = """Name:                   web
Namespace:              shop
CreationTimestamp:      Fri, 20 Nov 2026 13:00:00 +0000
Labels:                 app=web
Selector:               app=web
Replicas:               3 desired | 1 updated | 4 total | 3 available | 1 unavailable
StrategyType:           RollingUpdate
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    False   ProgressDeadlineExceeded
OldReplicaSets:  web-5d4b8f7c9 (3/3 replicas created)
NewReplicaSet:   web-7f8c9d6b5 (1/1 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  12m   deployment-controller  Scaled up replica set web-7f8c9d6b5 to 1
"""

PVC = """Name:          data-web-0
Namespace:     shop
StorageClass:  fast-ssd
Status:        Pending
Volume:
Labels:        app=web
Capacity:
Access Modes:
VolumeMode:    Filesystem
Events:
  Type     Reason              Age                From                         Message
  ----     ------              ----               ----                         -------
  Warning  ProvisioningFailed  2m (x9 over 10m)   persistentvolume-controller  storageclass.storage.k8s.io "fast-ssd" not found
"""

PODS_TABLE = """NAME                   READY   STATUS             RESTARTS      AGE   IP           NODE     NOMINATED NODE   READINESS GATES
web-7f8c9d6b5-x2kqp    0/1     CrashLoopBackOff   7 (32s ago)   11m   10.0.1.12    node-a   <none>           <none>
web-5d4b8f7c9-q8r2m    1/1     Running            0             2d    10.0.1.9     node-b   <none>           <none>
worker-6c9d8-abcde     0/1     OOMKilled          3 (1m ago)    9m    10.0.1.13    node-a   <none>           <none>
"""

EVENTS_TABLE = """LAST SEEN   TYPE      REASON             OBJECT                    MESSAGE
10m         Normal    Scheduled          pod/web-7f8c9d6b5-x2kqp   Successfully assigned shop/web-7f8c9d6b5-x2kqp to node-a
2m          Warning   FailedScheduling   pod/web-7f8c9d6b5-zz9qp   0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.
30s         Warning   BackOff            pod/web-7f8c9d6b5-x2kqp   Back-off restarting failed container web in pod web-7f8c9d6b5-x2kqp_shop(b9a2)
"""


def _events(data):  # type: ignore[no-untyped-def]
    return [event for group in data.events for event in group.events]


def test_a_describe_after_a_label_line_is_still_a_describe(read_text) -> None:  # type: ignore[no-untyped-def]
    """`stdout:` above the output does not hide it from its reader."""
    data = read_text("stdout:\n" + DESCRIBE)
    assert data.inputs[0].reader == "kubectl-describe"
    assert data.status.instances[0].containers[0].last_termination.reason == "OOMKilled"


def test_the_events_section_alone_gives_events(read_text) -> None:  # type: ignore[no-untyped-def]
    """The Events table pasted without the rest of the description."""
    data = read_text(EVENTS_ONLY)
    reasons = [(e.reason, e.count) for e in _events(data)]
    assert reasons == [("Scheduled", 1), ("Failed", 4), ("Failed", 4), ("BackOff", 6)]


def test_the_events_section_alone_is_diagnosed(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """A pull of a tag that does not exist, from the events alone."""
    result = diagnose_text(EVENTS_ONLY)
    assert result.root_cause.pattern_id == "image-not-found"


def test_an_event_message_wrapped_by_the_terminal_is_joined(read_text) -> None:  # type: ignore[no-untyped-def]
    """A message cut at the terminal width continues on the next indented line."""
    wrapped = EVENTS_ONLY.replace(
        "failed to resolve reference", "failed to resolve\n                                                  reference"
    )
    failed = next(e for e in _events(read_text(wrapped)) if "Failed to pull" in e.message)
    assert failed.message.endswith("registry.example.com/shop/web:2.15.0: not found")
    assert "failed to resolve reference" in failed.message


def test_a_container_state_block_alone_is_one_container(read_text) -> None:  # type: ignore[no-untyped-def]
    """State and Last State of one container, without the pod around them."""
    (pod,) = read_text(STATE_BLOCK).status.instances
    (container,) = pod.containers
    assert (container.reason, container.last_termination.reason, container.last_termination.exit_code) == ("CrashLoopBackOff", "OOMKilled", 137)
    assert container.restart_count == 7


def test_a_state_block_alone_is_diagnosed_as_oom(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The OOM kill is the cause; CrashLoopBackOff is its wrapper."""
    result = diagnose_text(STATE_BLOCK)
    assert result.root_cause.pattern_id == "container-oom-kill"
    assert [s.pattern_id for s in result.symptoms] == ["k8s-crashloop-backoff"]


def test_describe_deployment_gives_the_rollout_and_its_replicaset(read_text) -> None:  # type: ignore[no-untyped-def]
    """Replicas, conditions and NewReplicaSet become the current rollout."""
    rollout = read_text(DEPLOYMENT).status.current_rollout()
    assert (rollout.id, rollout.rollout_state, rollout.reason) == ("web-7f8c9d6b5", "FAILED", "ProgressDeadlineExceeded")
    assert (rollout.desired, rollout.running) == (3, 1)


def test_describe_pvc_gives_a_pending_claim(read_text) -> None:  # type: ignore[no-untyped-def]
    """A Pending claim is a status condition; its events say why."""
    data = read_text(PVC)
    assert [c.type for c in data.status.conditions] == ["PersistentVolumeClaim/data-web-0"]
    assert _events(data)[0].resource == "PersistentVolumeClaim/data-web-0"


def test_describe_pvc_is_diagnosed_as_unbound(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """The claim's ProvisioningFailed event names the cause."""
    assert diagnose_text(PVC).root_cause.pattern_id == "pvc-unbound"


def test_two_descriptions_in_one_paste_are_two_objects(read_text) -> None:  # type: ignore[no-untyped-def]
    """A deployment and one of its pods, described one after the other."""
    data = read_text(DEPLOYMENT + "\n" + DESCRIBE.replace("web-7f8c9d6b5-x2kqp", "web-7f8c9d6b5-aaaaa"))
    assert data.status.current_rollout().id == "web-7f8c9d6b5"
    assert [i.id for i in data.status.instances] == ["web-7f8c9d6b5-aaaaa"]


def test_pods_table_rows_become_pods_with_their_status_word(read_text) -> None:  # type: ignore[no-untyped-def]
    """The STATUS column lands in the field the API holds it in."""
    data = read_text(PODS_TABLE)
    assert data.inputs[0].reader == "kubectl-get-pods-table"
    by_id = {i.id: i for i in data.status.instances}
    assert by_id["web-7f8c9d6b5-x2kqp"].containers[0].reason == "CrashLoopBackOff"
    assert by_id["web-7f8c9d6b5-x2kqp"].containers[0].restart_count == 7
    assert by_id["worker-6c9d8-abcde"].containers[0].termination.reason == "OOMKilled"
    assert by_id["web-5d4b8f7c9-q8r2m"].containers[0].state == "running"


def test_a_pods_table_whose_alignment_was_lost_still_reads(read_text) -> None:  # type: ignore[no-untyped-def]
    """Spaces squeezed to two by a chat: columns are split at runs of spaces."""
    squeezed = "\n".join("  ".join(line.split("   ")).replace("    ", "  ") for line in PODS_TABLE.splitlines())
    by_id = {i.id: i for i in read_text(squeezed).status.instances}
    assert by_id["worker-6c9d8-abcde"].containers[0].termination.reason == "OOMKilled"


@pytest.mark.parametrize("header", ["LAST SEEN   TYPE      REASON             OBJECT                    MESSAGE", "NAMESPACE   LAST SEEN   TYPE      REASON             OBJECT                    MESSAGE"])
def test_events_table_rows_become_events(read_text, header: str) -> None:  # type: ignore[no-untyped-def]
    """`kubectl get events` with and without -A."""
    rows = EVENTS_TABLE.splitlines()[1:]
    if header.startswith("NAMESPACE"):
        rows = [f"shop        {row}" for row in rows]
    events = _events(read_text("\n".join([header, *rows]) + "\n"))
    assert [(e.reason, e.instance) for e in events] == [
        ("Scheduled", "web-7f8c9d6b5-x2kqp"),
        ("FailedScheduling", "web-7f8c9d6b5-zz9qp"),
        ("BackOff", "web-7f8c9d6b5-x2kqp"),
    ]
    assert events[1].message.startswith("0/3 nodes are available: 3 Insufficient memory.")


def test_events_table_is_diagnosed(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """Insufficient memory on every node is the cause."""
    assert diagnose_text(EVENTS_TABLE).root_cause.pattern_id == "k8s-insufficient-resources"


def test_pod_yaml_reads_like_pod_json(read_text) -> None:  # type: ignore[no-untyped-def]
    """`kubectl get pod -o yaml` is read by the JSON reader through its JSON."""
    yaml_text = """apiVersion: v1
kind: Pod
metadata:
  name: web-7f8c9d6b5-x2kqp
  namespace: shop
  ownerReferences:
  - kind: ReplicaSet
    name: web-7f8c9d6b5
status:
  phase: Running
  containerStatuses:
  - name: web
    ready: false
    restartCount: 4
    state:
      waiting:
        reason: CrashLoopBackOff
    lastState:
      terminated:
        exitCode: 137
        reason: OOMKilled
"""
    data = read_text(yaml_text)
    assert data.inputs[0].reader == "kubectl-get-json"
    (pod,) = data.status.instances
    assert pod.containers[0].last_termination.exit_code == 137


def test_a_session_of_prompts_and_outputs_is_read_whole(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """A terminal session pasted in a code fence: each output goes to its reader."""
    session = f"```\n$ kubectl get pods -n shop\n{PODS_TABLE}$ kubectl describe pod web-7f8c9d6b5-x2kqp -n shop\n{DESCRIBE}```\n"
    result = diagnose_text(session)
    assert set(result.data.inputs[0].reader.split("+")) == {"kubectl-get-pods-table", "kubectl-describe"}
    assert result.root_cause.pattern_id == "container-oom-kill"


def test_descriptions_back_to_back_after_a_long_event_row_are_two_pods(read_text) -> None:  # type: ignore[no-untyped-def]
    """No blank line between descriptions: the next Name: is a new pod, not the rest of a wrapped event."""
    second = DESCRIBE.replace("web-7f8c9d6b5-x2kqp", "web-7f8c9d6b5-bbbbb")
    data = read_text(DESCRIBE + second)
    assert sorted(i.id for i in data.status.instances) == ["web-7f8c9d6b5-bbbbb", "web-7f8c9d6b5-x2kqp"]


_RUNNING_ROW = "web-7f8c9d6b5-{n:05d}   1/1     Running            0          2d\n"
_RUNNING_POD = """Name:             web-7f8c9d6b5-{n:05d}
Namespace:        shop
Status:           Running
Containers:
  web:
    Image:          registry.example.com/shop/web:2.14.0
    State:          Running
      Started:      Fri, 20 Nov 2026 14:02:20 +0000
    Ready:          True
    Restart Count:  0
Conditions:
  Type              Status
  Ready             True

"""


def test_a_pods_table_of_thousands_of_running_pods_keeps_every_pod_that_shows_something(read_text) -> None:  # type: ignore[no-untyped-def]
    """Past the budget, rows that are running, ready and never restarted are counted, not built."""
    header = "NAME                    READY   STATUS             RESTARTS   AGE\n"
    rows = [_RUNNING_ROW.format(n=n) for n in range(3000)]
    rows[2000] = "web-7f8c9d6b5-oomed   0/1     OOMKilled          3          9m\n"
    rows[2500] = "web-7f8c9d6b5-01234   1/1     Running            2          2d\n"
    by_id = {i.id: i for i in read_text(header + "".join(rows)).status.instances}
    assert by_id["web-7f8c9d6b5-oomed"].containers[0].termination.reason == "OOMKilled"
    assert by_id["web-7f8c9d6b5-01234"].containers[0].restart_count == 2
    assert len(by_id) <= 1002


def test_thousands_of_healthy_descriptions_keep_the_one_that_is_not(read_text) -> None:  # type: ignore[no-untyped-def]
    """A description that says anything (a restart, another state) is built past the budget of plain ones."""
    text = "".join(_RUNNING_POD.format(n=n) for n in range(1500)) + DESCRIBE
    data = read_text(text)
    by_id = {i.id: i for i in data.status.instances}
    assert by_id["web-7f8c9d6b5-x2kqp"].containers[0].restart_count > 0
    assert len(by_id) <= 1001


READY_PODS = """NAME                      READY   STATUS    RESTARTS   AGE
orders-7d4b9c6f5-4kq2m    1/1     Running   0          6m12s
orders-7d4b9c6f5-9xw7d    1/1     Running   0          5m58s
"""


def test_a_pods_table_of_ready_pods_is_healthy(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """Every listed pod ready and never restarted; the verdict says the desired count is not in the data."""
    result = diagnose_text(READY_PODS)
    assert result.status.value == "healthy"
    assert any("does not say how many the rollout wants" in check for check in result.rollout.checks)


def test_a_ready_pod_that_restarted_leaves_the_verdict_open(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    """Ready now after a restart is how a crash loop looks between crashes."""
    restarted = READY_PODS.replace("Running   0          5m58s", "Running   3 (40s ago)   5m58s")
    assert diagnose_text(restarted).status.value != "healthy"


def test_a_pod_not_ready_leaves_the_verdict_open(diagnose_text) -> None:  # type: ignore[no-untyped-def]
    assert diagnose_text(READY_PODS.replace("1/1     Running   0          6m12s", "0/1     Running   0          6m12s")).status.value != "healthy"
