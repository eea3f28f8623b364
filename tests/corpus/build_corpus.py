"""Writes the labelled corpus: python tests/corpus/build_corpus.py (files are checked in).

Every scenario is a directory of native CLI captures plus label.yaml. They mix
the failure's signals with ordinary noise, red herrings (errors that
recovered, old pods, earlier deployments' events, scary-but-harmless lines)
and causes that only show when two sources are read together.
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from builders import (  # noqa: E402
    aca_app,
    aca_console_rows,
    aca_revision,
    aca_system_rows,
    cr_log_entries,
    cr_service,
    cw_metric_data,
    ecs_logs,
    ecs_service,
    ecs_task,
    ecs_task_definition,
    elb_target_health,
    k8s_deployment,
    k8s_event,
    k8s_list,
    k8s_logs,
    k8s_pod,
    noise,
    write_json,
    write_label,
)

ROOT = Path(__file__).parent / "scenarios"
SCENARIOS: list[Callable[[Path, random.Random], None]] = []


def scenario(function: Callable[[Path, random.Random], None]) -> Callable[[Path, random.Random], None]:
    SCENARIOS.append(function)
    return function


# -- Kubernetes -------------------------------------------------------------------------------

NEW_RS = "web-7f8c9d6b5"
OLD_RS = "web-5d4b8f7c9"
NEW_POD = "web-7f8c9d6b5-x2kqp"


def _k8s_crash(d: Path, rng: random.Random, *, expected: str, description: str, previous: list[str], runtime: str, exit_code: int, reason: str = "Error", extra_events: list[dict] | None = None, notes: str = "", memory: str = "512Mi", deployment_state: str = "failed") -> None:
    last = {"exitCode": exit_code, "reason": reason, "startedAt": "2026-11-20T14:08:58Z", "finishedAt": "2026-11-20T14:09:47Z"}
    pods = [
        k8s_pod(NEW_POD, NEW_RS, waiting=("CrashLoopBackOff", f"back-off 2m40s restarting failed container=web pod={NEW_POD}_shop(b9a2)"), last=last, restarts=5, memory=memory),
        k8s_pod("web-5d4b8f7c9-mz7wn", OLD_RS, created=-86400, ready=True, memory=memory),
    ]
    write_json(d / "pods.json", k8s_list(pods))
    events = [
        k8s_event(NEW_POD, "Scheduled", f"Successfully assigned shop/{NEW_POD} to gke-shop-pool-1-3f9a2c1d-7kqz", warning=False, first=0),
        k8s_event(NEW_POD, "Pulled", 'Container image "registry.example.com/shop/web:2.14.0" already present on machine', warning=False, count=6, first=2, last=300),
        k8s_event(NEW_POD, "BackOff", f"Back-off restarting failed container web in pod {NEW_POD}_shop(b9a2)", count=27, first=40, last=600),
        *(extra_events or []),
    ]
    write_json(d / "events.json", k8s_list(events))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state=deployment_state, memory=memory))
    k8s_logs(d / "web-previous.log", noise(runtime, rng.randint(15, 40), rng) + previous)
    write_label(d, expected, "kubernetes", description, notes)


@scenario
def k8s_oom_kill(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-oom-kill", description="JVM sized above the pod limit is OOM-killed; readiness failures follow", previous=["INFO 1 --- [main] c.e.shop.cache.CatalogCache : Catalog cache loaded 171000 of 184233 entries"], runtime="java", exit_code=137, reason="OOMKilled", memory="256Mi",
               extra_events=[k8s_event(NEW_POD, "Unhealthy", 'Readiness probe failed: Get "http://10.24.3.17:8080/healthz": dial tcp 10.24.3.17:8080: connect: connection refused', count=14, first=9, last=580)],
               notes="readiness 'connection refused' is a consequence of the OOM loop")


@scenario
def k8s_oom_with_recovered_errors(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-oom-kill", description="OOM kill; logs carry a DB error that recovered", runtime="node",
               previous=["[error] Error: connect ECONNREFUSED 10.3.0.12:5432", "[info] retrying database connection in 2s", "[info] connected to database orders (pool size 10)", "[info] loading product index into memory"],
               exit_code=137, reason="OOMKilled", notes="ECONNREFUSED recovered: a red herring")


@scenario
def k8s_missing_env(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-missing-config", description="CrashLoopBackOff: os.environ lookup of an unset variable", runtime="python",
               previous=["Traceback (most recent call last):", '  File "/app/main.py", line 14, in <module>', "    settings = Settings.from_env()", '  File "/app/settings.py", line 22, in from_env', "    database_url=os.environ['DATABASE_URL'],", '  File "/usr/local/lib/python3.12/os.py", line 714, in __getitem__', "    raise KeyError(key) from None", "KeyError: 'DATABASE_URL'"],
               exit_code=1)


@scenario
def k8s_dependency_missing_behind_deadline(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-dependency-missing", description="ProgressDeadlineExceeded wrapping a ModuleNotFoundError", runtime="python",
               previous=["Traceback (most recent call last):", '  File "/app/server.py", line 3, in <module>', "    import uvicorn", "ModuleNotFoundError: No module named 'uvicorn'"], exit_code=1,
               notes="the wrapper (progress deadline) must not win")


@scenario
def k8s_generic_crash(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-application-crash", description="unhandled ValueError at start-up", runtime="python",
               previous=["Traceback (most recent call last):", '  File "/app/main.py", line 41, in <module>', "    app = create_app()", '  File "/app/factory.py", line 17, in create_app', "    limit = int(config['rate_limit'])", "ValueError: invalid literal for int() with base 10: '100/min'"], exit_code=1)


@scenario
def k8s_go_panic(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-application-crash", description="Go nil pointer panic", runtime="go",
               previous=["panic: runtime error: invalid memory address or nil pointer dereference", "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x8a1b2c]", "", "goroutine 1 [running]:", "main.(*Server).routes(0x0)", "\t/src/server.go:88 +0x2c"], exit_code=2)


@scenario
def k8s_heap_oom(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="runtime-heap-oom", description="Node heap limit reached (exit 134), container far below its limit", runtime="node",
               previous=["<--- Last few GCs --->", "[1:0x5f1e0a0]   120450 ms: Mark-Compact 2043.1 (2082.5) -> 2041.9 (2083.7) MB", "<--- JS stacktrace --->", "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory"], exit_code=134, memory="4Gi")


@scenario
def k8s_exec_format(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="image-architecture-mismatch", description="arm64 image on amd64 nodes", runtime="node", previous=["exec /usr/local/bin/docker-entrypoint.sh: exec format error"], exit_code=1)


@scenario
def k8s_db_localhost(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-database-connection-failure", description="DATABASE_URL left at localhost", runtime="python",
               previous=["Traceback (most recent call last):", '  File "/app/db.py", line 9, in connect', "    conn = psycopg2.connect(dsn)", 'psycopg2.OperationalError: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused', "\tIs the server running on that host and accepting TCP/IP connections?"], exit_code=1)


@scenario
def k8s_dns_compose_name(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="dns-resolution-failure", description="compose host name 'postgres' used in the cluster", runtime="node",
               previous=["[info] connecting to database", "Error: getaddrinfo ENOTFOUND postgres", "    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:109:26)"], exit_code=1)


@scenario
def k8s_privileged_port(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="privileged-port-bind-denied", description="non-root nginx binding port 80", runtime="go",
               previous=["/docker-entrypoint.sh: Configuration complete; ready for start up", "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)"], exit_code=1)


@scenario
def k8s_port_in_use(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-port-binding-failure", description="app binds the sidecar's port", runtime="node",
               previous=["[info] starting http server", "Error: listen EADDRINUSE: address already in use :::8080", "    at Server.setupListenHandle [as _listen2] (node:net:1817:16)"], exit_code=1)


@scenario
def k8s_readonly_fs(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="read-only-filesystem", description="readOnlyRootFilesystem with nginx temp dirs", runtime="go",
               previous=['nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)'], exit_code=1)


@scenario
def k8s_tls(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="tls-certificate-error", description="distroless image without CA bundle", runtime="go",
               previous=['level=error msg="fetching feature flags" err="Get \\"https://flags.internal.example.com/v1\\": tls: failed to verify certificate: x509: certificate signed by unknown authority"', 'level=fatal msg="cannot start without feature flags"'], exit_code=1)


@scenario
def k8s_liveness_kill(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-health-check-failure", description="liveness probe kills a slow app: exit 137 without OOMKilled", runtime="java",
               previous=["INFO 1 --- [main] c.e.shop.Application : Started Application in 48.2 seconds"], exit_code=137, reason="Error",
               extra_events=[k8s_event(NEW_POD, "Unhealthy", 'Liveness probe failed: Get "http://10.24.3.17:8080/actuator/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', count=15, first=30, last=590),
                             k8s_event(NEW_POD, "Killing", "Container web failed liveness probe, will be restarted", count=5, first=60, last=590)],
               notes="exit 137 here is a probe kill, not OOM")


def _k8s_pending(d: Path, *, expected: str, description: str, waiting: tuple[str, str] | None, events: list[dict], scheduled: tuple[str, str, str] | None = None, phase: str = "Pending") -> None:
    pods = [k8s_pod(NEW_POD, NEW_RS, phase=phase, waiting=waiting, scheduled=scheduled), k8s_pod("web-5d4b8f7c9-mz7wn", OLD_RS, created=-86400, ready=True)]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "events.json", k8s_list(events))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="progressing"))
    write_label(d, expected, "kubernetes", description)


@scenario
def k8s_image_not_found(d: Path, rng: random.Random) -> None:
    _k8s_pending(d, expected="image-not-found", description="tag typo: ErrImagePull then ImagePullBackOff", waiting=("ImagePullBackOff", 'Back-off pulling image "registry.example.com/shop/web:2.14.O"'),
                 events=[k8s_event(NEW_POD, "Pulling", 'Pulling image "registry.example.com/shop/web:2.14.O"', warning=False, first=2, count=4, last=200),
                         k8s_event(NEW_POD, "Failed", 'Failed to pull image "registry.example.com/shop/web:2.14.O": rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/web:2.14.O": failed to resolve reference "registry.example.com/shop/web:2.14.O": registry.example.com/shop/web:2.14.O: not found', first=3, count=4, last=200),
                         k8s_event(NEW_POD, "BackOff", 'Back-off pulling image "registry.example.com/shop/web:2.14.O"', first=10, count=30, last=600)])


@scenario
def k8s_image_unauthorized(d: Path, rng: random.Random) -> None:
    _k8s_pending(d, expected="image-pull-auth-failure", description="private registry without imagePullSecrets", waiting=("ErrImagePull", "pull access denied"),
                 events=[k8s_event(NEW_POD, "Failed", 'Failed to pull image "ghcr.io/acme/web:2.14.0": failed to pull and unpack image "ghcr.io/acme/web:2.14.0": failed to resolve reference "ghcr.io/acme/web:2.14.0": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fweb%3Apull&service=ghcr.io: 401 Unauthorized', first=3, count=5, last=300),
                         k8s_event(NEW_POD, "Failed", "Error: ErrImagePull", first=3, count=5, last=300)])


@scenario
def k8s_insufficient_memory(d: Path, rng: random.Random) -> None:
    message = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    _k8s_pending(d, expected="k8s-insufficient-resources", description="requests larger than any node's free memory", waiting=None, scheduled=("False", "Unschedulable", message),
                 events=[k8s_event(NEW_POD, "FailedScheduling", message, first=1, count=12, last=600)])


@scenario
def k8s_taint(d: Path, rng: random.Random) -> None:
    message = "0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    _k8s_pending(d, expected="k8s-unschedulable-constraints", description="only tainted GPU nodes in the pool", waiting=None, scheduled=("False", "Unschedulable", message),
                 events=[k8s_event(NEW_POD, "FailedScheduling", message, first=1, count=9, last=600)])


@scenario
def k8s_pvc_unbound(d: Path, rng: random.Random) -> None:
    _k8s_pending(d, expected="pvc-unbound", description="no default StorageClass", waiting=None, scheduled=("False", "Unschedulable", "pod has unbound immediate PersistentVolumeClaims"),
                 events=[k8s_event(NEW_POD, "FailedScheduling", "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", first=1, count=8, last=600),
                         k8s_event("data-web-0", "FailedBinding", "no persistent volumes available for this claim and no storage class is set", kind="PersistentVolumeClaim", first=1, count=20, last=600)])


@scenario
def k8s_missing_secret(d: Path, rng: random.Random) -> None:
    _k8s_pending(d, expected="k8s-create-container-config-error", description="Secret referenced by env not created", waiting=("CreateContainerConfigError", 'secret "orders-db" not found'),
                 events=[k8s_event(NEW_POD, "Failed", 'Error: secret "orders-db" not found', first=3, count=40, last=600),
                         k8s_event(NEW_POD, "Pulled", 'Container image "registry.example.com/shop/web:2.14.0" already present on machine', warning=False, first=2, count=40, last=600)])


@scenario
def k8s_entrypoint(d: Path, rng: random.Random) -> None:
    message = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "gunicorn": executable file not found in $PATH: unknown'
    pods = [k8s_pod(NEW_POD, NEW_RS, waiting=("CrashLoopBackOff", "back-off 40s restarting failed container"), last={"exitCode": 128, "reason": "StartError", "message": message, "finishedAt": "2026-11-20T14:05:00Z"}, restarts=4)]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "events.json", k8s_list([k8s_event(NEW_POD, "Failed", f"Error: {message}", count=5, first=3, last=300), k8s_event(NEW_POD, "BackOff", "Back-off restarting failed container web in pod web", count=20, first=20, last=600)]))
    write_label(d, "container-entrypoint-not-found", "kubernetes", "CMD names a binary the image lacks")


@scenario
def k8s_readiness(d: Path, rng: random.Random) -> None:
    pods = [k8s_pod(NEW_POD, NEW_RS, ready=False), k8s_pod("web-5d4b8f7c9-mz7wn", OLD_RS, created=-86400, ready=True)]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "events.json", k8s_list([k8s_event(NEW_POD, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", count=60, first=15, last=600)]))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="failed"))
    k8s_logs(d / "web.log", noise("python", 30, rng) + ["WARNING [app.health] readiness: dependency 'recommendations' unavailable, reporting 503"] * 3)
    write_label(d, "readiness-probe-failure", "kubernetes", "readiness depends on an optional downstream; no restarts")


@scenario
def k8s_service_selector(d: Path, rng: random.Random) -> None:
    pods = [k8s_pod(NEW_POD, NEW_RS, ready=True)]
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app.kubernetes.io/name": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "shop"}, "subsets": []}
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "services.json", k8s_list([service]))
    write_json(d / "endpoints.json", k8s_list([endpoints]))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="complete"))
    write_label(d, "k8s-service-no-endpoints", "kubernetes", "Service selects app.kubernetes.io/name=web, pods are labelled app=web", "pods and rollout are fine: only Service + Endpoints together show it")


@scenario
def k8s_evicted(d: Path, rng: random.Random) -> None:
    message = "The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1883424Ki. Container web was using 10304Ki, request is 0, has larger consumption of ephemeral-storage."
    pods = [k8s_pod(NEW_POD, NEW_RS, phase="Failed", pod_reason="Evicted", pod_message=message, terminated={"exitCode": 137, "reason": "Error"})]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "events.json", k8s_list([k8s_event(NEW_POD, "Evicted", message, first=300)]))
    write_label(d, "k8s-evicted", "kubernetes", "node disk pressure evicts the pod")


@scenario
def k8s_quota(d: Path, rng: random.Random) -> None:
    message = 'pods "web-7f8c9d6b5-" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=8Gi, limited: limits.memory=8Gi'
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="progressing", replica_failure=message))
    write_json(d / "events.json", k8s_list([k8s_event(NEW_RS, "FailedCreate", f"Error creating: {message}", kind="ReplicaSet", count=18, first=1, last=600)]))
    write_label(d, "quota-exceeded", "kubernetes", "namespace ResourceQuota full: no pod is ever created")


@scenario
def k8s_healthy(d: Path, rng: random.Random) -> None:
    pods = [k8s_pod(NEW_POD, NEW_RS, ready=True), k8s_pod("web-5d4b8f7c9-mz7wn", OLD_RS, created=-86400, ready=True, terminating=True)]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "events.json", k8s_list([k8s_event("web", "ScalingReplicaSet", f"Scaled up replica set {NEW_RS} to 1", kind="Deployment", warning=False, first=0),
                                              k8s_event(NEW_POD, "Unhealthy", 'Readiness probe failed: Get "http://10.24.3.17:8080/healthz": dial tcp 10.24.3.17:8080: connect: connection refused', count=2, first=4, last=8),
                                              k8s_event("web-5d4b8f7c9-mz7wn", "Killing", "Stopping container web", warning=False, first=30)]))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="complete"))
    k8s_logs(d / "web.log", noise("python", 25, rng) + ["ERROR [app.payments] card declined for order 8812 (402)", "WARNING [app.client] retrying request to inventory (attempt 2)", "INFO  [app.client] inventory request succeeded"])
    write_label(d, "healthy", "kubernetes", "rollout complete; early readiness failures during start-up and business errors in logs")


@scenario
def k8s_healthy_old_pod_crashing(d: Path, rng: random.Random) -> None:
    old_last = {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-20T13:50:00Z"}
    pods = [k8s_pod(NEW_POD, NEW_RS, ready=True, memory="1Gi"), k8s_pod("web-5d4b8f7c9-mz7wn", OLD_RS, created=-86400, waiting=("CrashLoopBackOff", "back-off"), last=old_last, restarts=9, terminating=True)]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="complete", memory="1Gi"))
    write_label(d, "healthy", "kubernetes", "the new rollout fixed an OOM loop; the old pod on its way out still shows it")


# -- AWS ECS ----------------------------------------------------------------------------------

ECS_EVENTS_LOOP = [(10, "(service web) has started 2 tasks: (task 8d3e2a1f) (task 1b9f3e77)."), (130, "(service web) has stopped 2 running tasks: (task 8d3e2a1f) (task 1b9f3e77)."), (140, "(service web) has started 2 tasks: (task 4c71aa02) (task 9e11b3c4).")]


def _ecs(d: Path, rng: random.Random, *, expected: str, description: str, stop_code: str | None, stopped_reason: str | None, containers: list[dict], log_lines: list[str] | None = None, runtime: str = "node", events: list[tuple[float, str]] | None = None, state: str = "IN_PROGRESS", reason: str | None = None, memory: int = 512, port: int = 8080, targets: list | None = None, notes: str = "", metrics: list[float] | None = None, health_command: list[str] | None = None) -> None:
    write_json(d / "describe-services.json", ecs_service("web", events=events if events is not None else ECS_EVENTS_LOOP, state=state, reason=reason, port=port))
    tasks = [ecs_task("8d3e2a1f0b6c4e2f9a7d3c1b5e8f2a4d", stop_code=stop_code, stopped_reason=stopped_reason, containers=containers)]
    write_json(d / "describe-tasks.json", {"tasks": tasks, "failures": []})
    write_json(d / "task-definition.json", ecs_task_definition("web", memory=memory, port=port, health_command=health_command))
    if log_lines is not None:
        write_json(d / "logs.json", ecs_logs("web", "8d3e2a1f0b6c4e2f9a7d3c1b5e8f2a4d", noise(runtime, rng.randint(10, 30), rng) + log_lines))
    if targets is not None:
        write_json(d / "target-health.json", elb_target_health(targets, port=port))
    if metrics is not None:
        write_json(d / "metrics.json", cw_metric_data("MemoryUtilization", metrics))
    write_label(d, expected, "aws", description, notes)


@scenario
def ecs_oom(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="container-oom-kill", description="Fargate task killed for memory", stop_code="EssentialContainerExited", stopped_reason="Essential container in task exited",
         containers=[{"name": "web", "exitCode": 137, "reason": "OutOfMemoryError: Container killed due to memory usage"}], log_lines=["[info] building search index (1.2M documents)"], metrics=[40, 62, 88, 97, 99, 99.6])


@scenario
def ecs_secret_iam(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="secrets-retrieval-failure", description="execution role cannot read SSM parameters", stop_code="TaskFailedToStart",
         stopped_reason="ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/web-execution/8d3e2a1f is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:eu-west-1:111122223333:parameter/web/DATABASE_URL because no identity-based policy allows the ssm:GetParameters action. Please check your task network configuration.",
         containers=[{"name": "web", "lastStatus": "PENDING"}], notes="the network-configuration suffix is a red herring: the inner error is IAM")


@scenario
def ecs_secret_network(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="secrets-retrieval-failure", description="private subnet cannot reach Secrets Manager", stop_code="TaskFailedToStart",
         stopped_reason="ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:eu-west-1:111122223333:secret:web/db-AbCdEf from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded. Please check your task network configuration.",
         containers=[{"name": "web", "lastStatus": "PENDING"}])


@scenario
def ecs_image_not_found(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="image-not-found", description="task definition references a tag never pushed", stop_code="TaskFailedToStart",
         stopped_reason="CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:2.14.0: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:2.14.0: not found",
         containers=[{"name": "web", "lastStatus": "STOPPED"}], events=ECS_EVENTS_LOOP + [(600, "(service web) is unable to consistently start tasks successfully.")])


@scenario
def ecs_pull_timeout(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="image-pull-network-timeout", description="private subnet without NAT or ECR endpoints", stop_code="TaskFailedToStart",
         stopped_reason='CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 111122223333.dkr.ecr.eu-west-1.amazonaws.com/web:2.14.0: failed to do request: Head "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/v2/web/manifests/2.14.0": dial tcp 52.95.145.10:443: i/o timeout',
         containers=[{"name": "web", "lastStatus": "STOPPED"}])


@scenario
def ecs_elb_404(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="lb-health-check-failure", description="target group checks / which the app answers with 404", stop_code="ServiceSchedulerInitiated", stopped_reason="Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09)",
         containers=[{"name": "web", "exitCode": 143}], log_lines=["[info] listening on port 8080", "[info] GET / 404 1ms", "[info] GET / 404 1ms", "[info] received SIGTERM, shutting down"],
         events=ECS_EVENTS_LOOP + [(200, "(service web) (port 8080) is unhealthy in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09) due to (reason Health checks failed with these codes: [404]).")],
         targets=[("10.0.3.17", "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]"), ("10.0.4.22", "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")],
         notes="exit 143 and ServiceSchedulerInitiated are consequences")


@scenario
def ecs_listen_port_mismatch(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="container-not-listening-on-port", description="app listens on 3000, task definition and target group use 8080", stop_code="ServiceSchedulerInitiated", stopped_reason="Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09)",
         containers=[{"name": "web", "exitCode": 143}], log_lines=["> web@2.14.0 start", "Server listening on port 3000"],
         events=ECS_EVENTS_LOOP + [(200, "(service web) (port 8080) is unhealthy in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09) due to (reason Request timed out).")],
         targets=[("10.0.3.17", "unhealthy", "Target.Timeout", "Request timed out")], notes="only logs + task definition together show the port mismatch")


@scenario
def ecs_circuit_breaker_dependency(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="container-dependency-missing", description="circuit breaker tripped; logs show the missing module", stop_code="EssentialContainerExited", stopped_reason="Essential container in task exited",
         containers=[{"name": "web", "exitCode": 1}], log_lines=["node:internal/modules/cjs/loader:1228", "  throw err;", "Error: Cannot find module '/app/dist/server.js'", "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)", "  code: 'MODULE_NOT_FOUND',", "  requireStack: []"],
         state="FAILED", reason="ECS deployment circuit breaker: tasks failed to start.", events=ECS_EVENTS_LOOP + [(900, "(service web) deployment ecs-svc/4711802958221030812 deployment failed: tasks failed to start.")])


@scenario
def ecs_capacity_ec2(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="ecs-insufficient-capacity", description="cluster instances too small for the task", stop_code=None, stopped_reason=None, containers=[{"name": "web", "lastStatus": "PENDING"}],
         events=[(10, "service (web) was unable to place a task because no container instance met all of its requirements. The closest matching container-instance 5a6b7c8d9e0f has insufficient memory available. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")])


@scenario
def ecs_fargate_capacity(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="fargate-capacity-unavailable", description="Fargate Spot capacity shortage", stop_code=None, stopped_reason=None, containers=[{"name": "web", "lastStatus": "PENDING"}],
         events=[(10, "(service web) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")])


@scenario
def ecs_log_group(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="ecs-log-configuration-error", description="awslogs group missing", stop_code="TaskFailedToStart", stopped_reason="ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1",
         containers=[{"name": "web", "lastStatus": "STOPPED"}])


@scenario
def ecs_container_health(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="container-health-check-failure", description="health check command uses curl, which the image lacks", stop_code="EssentialContainerExited", stopped_reason="Task failed container health checks",
         containers=[{"name": "web", "exitCode": 137, "health": "UNHEALTHY"}], log_lines=["[info] listening on port 8080"], health_command=["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
         notes="exit 137 without OutOfMemoryError: a health-check kill")


@scenario
def ecs_arch(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="image-architecture-mismatch", description="image built on an arm64 laptop", stop_code="EssentialContainerExited", stopped_reason="Essential container in task exited",
         containers=[{"name": "web", "exitCode": 1}], log_lines=["exec /usr/local/bin/python3: exec format error"])


@scenario
def ecs_db_refused(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="container-database-connection-failure", description="RDS security group does not admit the service", stop_code="EssentialContainerExited", stopped_reason="Essential container in task exited",
         containers=[{"name": "web", "exitCode": 1}], runtime="java",
         log_lines=["ERROR 1 --- [main] com.zaxxer.hikari.pool.HikariPool : HikariPool-1 - Exception during pool initialization.", "org.postgresql.util.PSQLException: Connection to orders.c9akcio2ab.eu-west-1.rds.amazonaws.com:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.", "APPLICATION FAILED TO START"])


@scenario
def ecs_quota(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="quota-exceeded", description="new account's Fargate task limit", stop_code=None, stopped_reason=None, containers=[{"name": "web", "lastStatus": "PENDING"}],
         events=[(10, "(service web) was unable to place a task. Reason: You've reached the limit on the number of tasks you can run concurrently. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")])


@scenario
def ecs_missing_env(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="container-missing-config", description="required variable not in the task definition", stop_code="EssentialContainerExited", stopped_reason="Essential container in task exited",
         containers=[{"name": "web", "exitCode": 1}], log_lines=["/app/node_modules/envalid/dist/reporter.js:33", "Missing required environment variable: STRIPE_API_KEY", "[error] configuration invalid, exiting"])


@scenario
def ecs_healthy(d: Path, rng: random.Random) -> None:
    events = [(10, "(service web) has started 2 tasks: (task 4c71aa02) (task 9e11b3c4)."), (40, "(service web) registered 2 targets in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09)"),
              (-7200, "(service web) (port 8080) is unhealthy in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-tg/6d0ecf831eec9f09) due to (reason Health checks failed)."),
              (300, "(service web) has reached a steady state.")]
    write_json(d / "describe-services.json", ecs_service("web", events=events, state="COMPLETED", reason="ECS deployment ecs-svc/4711802958221030812 completed.", running=2))
    write_json(d / "target-health.json", elb_target_health([("10.0.3.17", "healthy", None, None), ("10.0.4.22", "healthy", None, None)]))
    write_json(d / "task-definition.json", ecs_task_definition("web"))
    write_label(d, "healthy", "aws", "steady state; an unhealthy-target event from an earlier deployment is history")


@scenario
def ecs_healthy_throttled(d: Path, rng: random.Random) -> None:
    events = [(10, "(service web) has started 2 tasks: (task 4c71aa02) (task 9e11b3c4)."), (60, "service (web) operations are being throttled. Will try again later."), (300, "(service web) has reached a steady state.")]
    write_json(d / "describe-services.json", ecs_service("web", events=events, state="COMPLETED", running=2))
    write_json(d / "logs.json", ecs_logs("web", "4c71aa02", noise("node", 30, rng) + ["[error] payment provider timeout for order 77812 (will retry)", "[info] payment for order 77812 captured"]))
    write_label(d, "healthy", "aws", "throttled scheduler and a recovered business error")


@scenario
def ecs_task_definition_invalid(d: Path, rng: random.Random) -> None:
    (d / "deploy-output.txt").write_text(
        "Updating ECS service web in cluster prod...\n"
        "aws_ecs_task_definition.web: Creating...\n"
        "\u2502 Error: creating ECS Task Definition (web): ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.\n"
        "\u2502   with aws_ecs_task_definition.web,\n\u2502   on ecs.tf line 12, in resource \"aws_ecs_task_definition\" \"web\":\n",
        encoding="utf-8",
    )
    write_label(d, "invalid-task-definition", "aws", "Terraform error: invalid Fargate CPU/memory pair")


# -- GCP Cloud Run ----------------------------------------------------------------------------

PORT_MESSAGE = "Revision 'web-00007-xaz' is not ready and cannot serve traffic. The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable within the allocated timeout. This can happen when the container port is misconfigured or if the timeout is too short. The health check timeout can be extended. Logs for this revision might contain more information."


def _cloud_run(d: Path, rng: random.Random, *, expected: str, description: str, ready: bool, message: str | None, lines: list[tuple[float, str, str, bool]], runtime: str = "python", notes: str = "", memory: str = "512Mi", reason: str | None = "HealthCheckContainerError") -> None:
    write_json(d / "service.json", cr_service("web", ready=ready, message=message, reason=None if ready else reason, memory=memory))
    base = [(1 + i * 0.3, "INFO", line, False) for i, line in enumerate(noise(runtime, rng.randint(8, 20), rng))]
    write_json(d / "logs.json", cr_log_entries("web", base + lines), warning="WARNING: Reading logs can take a while when the time range is wide.")
    write_label(d, expected, "gcp", description, notes)


@scenario
def cr_missing_env(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="container-missing-config", description="PORT message masks a KeyError at start-up", ready=False, message=PORT_MESSAGE,
               lines=[(10, "ERROR", "Traceback (most recent call last):", False), (10.1, "ERROR", "    api_key = os.environ['OPENAI_API_KEY']", False), (10.2, "ERROR", "KeyError: 'OPENAI_API_KEY'", False), (10.5, "WARNING", "Container called exit(1).", True)],
               notes="Cloud Run's PORT message is a catch-all: the log holds the cause")


@scenario
def cr_memory(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="container-oom-kill", description="Cloud Run memory limit exceeded under load", ready=True, message=None,
               lines=[(60, "ERROR", "Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit, see https://cloud.google.com/run/docs/configuring/memory-limits", True), (60.2, "WARNING", "Container terminated on signal 9.", True)])
    # The revision is Ready but instances are killed: the service object says so only through logs.
    service = cr_service("web", ready=False, message="Revision 'web-00007-xaz' is not ready and cannot serve traffic. Container failed to become healthy.", reason="HealthCheckContainerError")
    write_json(d / "service.json", service)


@scenario
def cr_loopback(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="container-not-listening-on-port", description="Flask bound to 127.0.0.1", ready=False, message=PORT_MESSAGE,
               lines=[(5, "INFO", " * Serving Flask app 'web'", False), (5.1, "INFO", " * Running on http://127.0.0.1:8080", False), (200, "ERROR", 'Default STARTUP TCP probe failed 1 time consecutively for container "web-1" on port 8080. The instance was not started.', True)])


@scenario
def cr_image_not_found(d: Path, rng: random.Random) -> None:
    (d / "deploy.txt").write_text(
        "Deploying container to Cloud Run service [web] in project [acme-prod] region [europe-west1]\n"
        "Deploying...\n  Creating Revision.....failed\nDeployment failed\n"
        "ERROR: (gcloud.run.deploy) Revision 'web-00007-xaz' is not ready and cannot serve traffic. Image 'europe-docker.pkg.dev/acme/app/web:2.14.0' not found.\n",
        encoding="utf-8",
    )
    write_label(d, "image-not-found", "gcp", "gcloud run deploy of an image never pushed")


@scenario
def cr_secret_permission(d: Path, rng: random.Random) -> None:
    message = "Revision 'web-00007-xaz' is not ready and cannot serve traffic. spec.template.spec.containers[0].env[2].value_from.secret_key_ref.name: Permission denied on secret: projects/729273278660/secrets/db-password/versions/latest for Revision service account web-runtime@acme-prod.iam.gserviceaccount.com. The service account used must be granted the 'Secret Manager Secret Accessor' role (roles/secretmanager.secretAccessor) at the secret, project or higher level."
    _cloud_run(d, rng, expected="secrets-retrieval-failure", description="runtime service account cannot read the secret", ready=False, message=message, lines=[], reason="ContainerMissing")


@scenario
def cr_startup_slow(d: Path, rng: random.Random) -> None:
    message = "Revision 'web-00007-xaz' is not ready and cannot serve traffic. The user-provided container failed the configured startup probe checks. Logs for this revision might contain more information."
    _cloud_run(d, rng, expected="startup-probe-failure", description="model download longer than the startup budget", ready=False, message=message,
               lines=[(5, "INFO", "Downloading model weights: 12%", False), (95, "INFO", "Downloading model weights: 61%", False), (235, "ERROR", "STARTUP HTTP probe failed 24 times consecutively for container \"web-1\" on path \"/ready\". The instance was not started.", True)])


@scenario
def cr_arm64(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="image-architecture-mismatch", description="arm64 image: generic PORT message plus exec format error", ready=False, message=PORT_MESSAGE,
               lines=[(3, "ERROR", "exec /usr/local/bin/uvicorn: exec format error", False), (3.1, "WARNING", "Container called exit(255).", True)])


@scenario
def cr_dependency(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="container-dependency-missing", description="requirements file misses a package", ready=False, message=PORT_MESSAGE,
               lines=[(4, "ERROR", "Traceback (most recent call last):", False), (4.1, "ERROR", "ModuleNotFoundError: No module named 'google.cloud.firestore'", False), (4.3, "WARNING", "Container called exit(1).", True)])


@scenario
def cr_image_auth(d: Path, rng: random.Random) -> None:
    (d / "deploy.txt").write_text(
        "Deploying container to Cloud Run service [web] in project [acme-prod] region [europe-west1]\nDeployment failed\n"
        "ERROR: (gcloud.run.deploy) User must have permission to read the image, europe-docker.pkg.dev/other-project/app/web:2.14.0. Ensure that the provided container image URL is correct and that the above account has permission to access the image. If you just enabled the Cloud Run API, the permissions might take a few minutes to propagate. Note that the image is from project [other-project], which is not the same as this project [acme-prod]. Permission must be granted to the Cloud Run Service Agent service-729273278660@serverless-robot-prod.iam.gserviceaccount.com from this project.\n",
        encoding="utf-8",
    )
    write_label(d, "image-pull-auth-failure", "gcp", "image in another project's Artifact Registry")


@scenario
def cr_db_socket(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="container-database-connection-failure", description="no Cloud SQL connection configured", ready=False, message=PORT_MESSAGE,
               lines=[(6, "ERROR", "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"127.0.0.1\", port 5432 failed: Connection refused", False), (6.2, "WARNING", "Container called exit(1).", True)])


@scenario
def cr_healthy(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="healthy", description="revision ready; 404s and a retried call in the logs", ready=True, message=None,
               lines=[(30, "WARNING", "GET /favicon.ico 404", False), (31, "ERROR", "upstream timeout calling pricing-api, retrying", False), (32, "INFO", "pricing-api call succeeded on retry", False)])


# -- Azure Container Apps ---------------------------------------------------------------------

REV = "web--rev7"


def _aca(d: Path, rng: random.Random, *, expected: str, description: str, system: list[tuple[float, str, str, str]], console: list[str] | None = None, running: str = "Failed", health: str = "Unhealthy", provisioning: str = "Provisioned", details: str | None = None, classic: bool = True, notes: str = "", target_port: int = 8080) -> None:
    write_json(d / "app.json", aca_app("web", revision=REV, ready_revision="web--rev6" if running != "Running" else REV, target_port=target_port))
    write_json(d / "revisions.json", [aca_revision("web", "web--rev6", provisioning="Provisioned", running="Running", health="Healthy", created=-86400, replicas=0), aca_revision("web", REV, provisioning=provisioning, running=running, health=health, details=details, replicas=0 if running != "Running" else 1)])
    write_json(d / "system-logs.json", aca_system_rows("web", REV, [(0, "Normal", "ContainerCreated", "Created container 'web'"), (0.5, "Normal", "PullingImage", "Pulling image 'acme.azurecr.io/web:2.14.0'")] + system, classic=classic))
    if console is not None:
        write_json(d / "console-logs.json", aca_console_rows("web", REV, noise("node", rng.randint(8, 20), rng) + console))
    write_label(d, expected, "azure", description, notes)


@scenario
def aca_image_manifest(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="image-not-found", description="tag missing in ACR", system=[(2, "Warning", "ImagePullFailure", "Failed to pull image 'acme.azurecr.io/web:2.14.0', error: manifest unknown: manifest tagged by \"2.14.0\" is not found"), (3, "Warning", "ContainerTerminated", "Container 'web' was terminated with exit code '' and reason 'ImagePullFailure'")], running="Failed", details="Deployment Progress Deadline Exceeded. 0/1 replicas ready.")


@scenario
def aca_unauthorized(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="image-pull-auth-failure", description="no registry credentials for ACR", system=[(2, "Warning", "ImagePullFailure", "Failed to pull image 'acme.azurecr.io/web:2.14.0': UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.")], classic=False)


@scenario
def aca_oom(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="container-oom-kill", description="replica OOM-killed", system=[(40, "Warning", "ContainerTerminated", "Container 'web' was terminated with exit code '137' and reason 'OOMKilled'"), (41, "Warning", "ContainerRestarting", "Container 'web' is restarting")], console=["[info] loading recommendation model (3.1 GB)"], running="Degraded", health="Unhealthy")


@scenario
def aca_startup_port(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="container-not-listening-on-port", description="ingress targetPort 8080, app listens on 3000", system=[(20, "Warning", "ProbeFailed", "Startup probe failed: Get \"http://100.100.0.76:8080/\": dial tcp 100.100.0.76:8080: connect: connection refused")],
         console=["[info] Server listening on http://0.0.0.0:3000"], running="Failed", details="Deployment Progress Deadline Exceeded. 0/1 replicas ready.", notes="the console log's port versus the ingress targetPort")


@scenario
def aca_provisioning_crash(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="container-missing-config", description="90714: container failed to start; console shows KeyError", system=[(20, "Warning", "ContainerTerminated", "Container 'web' was terminated with exit code '1'"), (25, "Warning", "ActivationFailed", "Failed to provision revision for container app 'web'. Error details: Code: 90714, ExtendedCode: 90714, Message: Error provisioning the container app. Container 'web' failed to start-up. Please check Log Analytics workspace for container logs..")],
         console=["Traceback (most recent call last):", "  File \"/app/worker.py\", line 8, in <module>", "    REDIS_URL = os.environ['REDIS_URL']", "KeyError: 'REDIS_URL'"], running="ActivationFailed")


@scenario
def aca_keyvault(d: Path, rng: random.Random) -> None:
    (d / "az-output.txt").write_text(
        "Command group 'containerapp' is in preview.\n"
        "ERROR: (InvalidParameterValueInContainerTemplate) The following field(s) are either invalid or missing. Field 'configuration.secrets' is invalid with details: 'Invalid value: \"db-password\": Unable to get value using Managed identity system for secret db-password. Error: unable to fetch secret 'db-password' using Managed identity 'system'';.\n"
        "Code: InvalidParameterValueInContainerTemplate\n",
        encoding="utf-8",
    )
    write_label(d, "secrets-retrieval-failure", "azure", "managed identity lacks Key Vault access")


@scenario
def aca_liveness(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="container-health-check-failure", description="liveness probe path returns 500", system=[(60, "Warning", "ProbeFailed", "Liveness probe failed: HTTP probe failed with statuscode: 500"), (90, "Warning", "StoppingContainer", "Container web failed liveness probe, will be restarted")],
         console=["[error] GET /health 500 - downstream cache not configured"], running="Degraded", classic=False)


@scenario
def aca_dns(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="dns-resolution-failure", description="compose host name 'redis' in the cloud", system=[(20, "Warning", "ContainerTerminated", "Container 'web' was terminated with exit code '1'")],
         console=["[info] connecting to redis", "Error: getaddrinfo ENOTFOUND redis", "    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)"], running="Failed")


@scenario
def aca_healthy(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="healthy", description="revision running; scale-to-zero and KEDA noise", system=[(5, "Normal", "ContainerStarted", "Started container 'web'"), (3600, "Normal", "KEDAScaleTargetDeactivated", "Deactivated apps/v1.Deployment k8se-apps/web--rev6 from 1 to 0"), (10, "Warning", "ScaledObjectCheckFailed", "ScaledObject doesn't have correct triggers specification")],
         console=["[warn] slow request GET /api/products took 1204ms"], running="Running", health="Healthy")


@scenario
def aca_healthy_new_tables(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="healthy", description="newer ContainerAppSystemLogs table; a completed migration job container", system=[(5, "Normal", "ContainerStarted", "Started container 'web'"), (7, "Warning", "ContainerTerminated", "Container 'migrate' was terminated with exit code '0'")],
         running="Running", health="Healthy", classic=False)


# -- Harder cases: several signals at once, where ranking decides ------------------------------


@scenario
def k8s_oom_with_liveness_kills(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-oom-kill", description="OOM kills and liveness failures together: the OOM explains the probe", runtime="java",
               previous=["INFO 1 --- [main] c.e.shop.cache.CatalogCache : Warming catalog cache (420000 entries)"], exit_code=137, reason="OOMKilled",
               extra_events=[k8s_event(NEW_POD, "Unhealthy", 'Liveness probe failed: Get "http://10.24.3.17:8080/actuator/health": context deadline exceeded', count=9, first=30, last=590),
                             k8s_event(NEW_POD, "Killing", "Container web failed liveness probe, will be restarted", count=2, first=60, last=300)])


@scenario
def k8s_old_pod_oom_new_pod_dns(d: Path, rng: random.Random) -> None:
    old_last = {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-19T09:00:00Z"}
    pods = [
        k8s_pod(NEW_POD, NEW_RS, waiting=("CrashLoopBackOff", "back-off 1m20s restarting failed container"), last={"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-20T14:05:00Z"}, restarts=4),
        k8s_pod("web-5d4b8f7c9-mz7wn", OLD_RS, created=-86400, ready=True, last=old_last, restarts=2),
    ]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="failed"))
    k8s_logs(d / "web-previous.log", noise("node", 20, rng) + ["[info] connecting to cache", "Error: getaddrinfo ENOTFOUND redis-master", "    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)"])
    write_label(d, "dns-resolution-failure", "kubernetes", "the old ReplicaSet's pod was OOM-killed yesterday; the new one fails on DNS", "old rollout's OOM must not outrank the new pod's failure")


@scenario
def k8s_recovered_db_then_missing_module(d: Path, rng: random.Random) -> None:
    _k8s_crash(d, rng, expected="container-dependency-missing", description="a DB error that recovered, then an import error", runtime="python",
               previous=["ERROR [app.db] connection to server at \"orders-db\" (10.3.0.12), port 5432 failed: Connection refused", "INFO  [app.db] connected to database orders", "Traceback (most recent call last):", "ModuleNotFoundError: No module named 'orjson'"], exit_code=1)


@scenario
def k8s_healthy_after_scheduling_trouble(d: Path, rng: random.Random) -> None:
    pods = [k8s_pod(NEW_POD, NEW_RS, ready=True)]
    events = [
        k8s_event(NEW_POD, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", count=4, first=1, last=40),
        k8s_event(NEW_POD, "Scheduled", f"Successfully assigned shop/{NEW_POD} to gke-shop-pool-2-88aa", warning=False, first=95),
        k8s_event(NEW_POD, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", count=3, first=100, last=115),
    ]
    write_json(d / "pods.json", k8s_list(pods))
    write_json(d / "events.json", k8s_list(events))
    write_json(d / "deployment.json", k8s_deployment("web", NEW_RS, state="complete"))
    write_label(d, "healthy", "kubernetes", "the autoscaler added a node; scheduling and readiness warnings resolved", "warnings that resolved before the rollout completed")


@scenario
def ecs_healthy_after_failed_deployment(d: Path, rng: random.Random) -> None:
    events = [
        (-3000, "(service web) has stopped 2 running tasks: (task 8d3e2a1f) (task 1b9f3e77)."),
        (-2990, "(service web) deployment ecs-svc/3300112233445566778 deployment failed: tasks failed to start."),
        (10, "(service web) has started 2 tasks: (task 4c71aa02) (task 9e11b3c4)."),
        (300, "(service web) has reached a steady state."),
    ]
    write_json(d / "describe-services.json", ecs_service("web", events=events, state="COMPLETED", running=2))
    old = ecs_task("8d3e2a1f0b6c4e2f9a7d3c1b5e8f2a4d", stop_code="EssentialContainerExited", stopped_reason="Essential container in task exited",
                   containers=[{"name": "web", "exitCode": 137, "reason": "OutOfMemoryError: Container killed due to memory usage"}], started_by="ecs-svc/3300112233445566778", at=-3000)
    new = ecs_task("4c71aa02e5f64b7c8d9e0f1a2b3c4d5e", stop_code=None, stopped_reason=None, containers=[{"name": "web", "lastStatus": "RUNNING"}], last_status="RUNNING", at=20)
    write_json(d / "describe-tasks.json", {"tasks": [old, new], "failures": []})
    write_label(d, "healthy", "aws", "an earlier deployment OOM-looped; the current one is steady", "the stopped task belongs to the previous deployment")


@scenario
def ecs_circuit_breaker_pull_denied(d: Path, rng: random.Random) -> None:
    _ecs(d, rng, expected="image-pull-auth-failure", description="circuit breaker over ECR 403s", stop_code="TaskFailedToStart",
         stopped_reason="CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref 444455556666.dkr.ecr.eu-west-1.amazonaws.com/web:2.14.0: pulling from host 444455556666.dkr.ecr.eu-west-1.amazonaws.com failed with status code [manifests 2.14.0]: 403 Forbidden",
         containers=[{"name": "web", "lastStatus": "STOPPED"}], state="FAILED", reason="ECS deployment circuit breaker: tasks failed to start.")


@scenario
def cr_healthy_after_failed_revision(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="healthy", description="the previous revision crashed; the new one is ready", ready=True, message=None,
               lines=[(-3000, "ERROR", "Traceback (most recent call last):", False), (-2999, "ERROR", "KeyError: 'OPENAI_API_KEY'", False), (-2998, "WARNING", "Container called exit(1).", True)])


@scenario
def cr_listening_elsewhere(d: Path, rng: random.Random) -> None:
    _cloud_run(d, rng, expected="container-not-listening-on-port", description="app ignores $PORT and listens on 3000", ready=False, message=PORT_MESSAGE,
               lines=[(3, "INFO", "> web@2.14.0 start", False), (3.5, "INFO", "Server listening on port 3000", False)], runtime="node",
               notes="only the service's container port and the log together show it")


@scenario
def aca_oom_with_probe_failures(d: Path, rng: random.Random) -> None:
    _aca(d, rng, expected="container-oom-kill", description="OOM kills make the startup probe fail", system=[(30, "Warning", "ProbeFailed", "Startup probe failed: Get \"http://100.100.0.76:8080/\": dial tcp 100.100.0.76:8080: connect: connection refused"), (45, "Warning", "ContainerTerminated", "Container 'web' was terminated with exit code '137' and reason 'OOMKilled'")],
         console=["[info] loading embeddings into memory (2.4 GB)"], running="Degraded")


def main() -> None:
    """Rewrite every scenario directory."""
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for function in SCENARIOS:
        directory = ROOT / function.__name__.replace("_", "-")
        directory.mkdir(parents=True)
        function(directory, random.Random(function.__name__))
    print(f"{len(SCENARIOS)} scenarios written to {ROOT}")


if __name__ == "__main__":
    main()
