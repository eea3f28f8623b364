"""Builders of native capture files for the labelled corpus.

Each builder writes what the cloud's own CLI prints (kubectl get -o json,
aws ecs describe-*, gcloud logging read --format=json, az monitor
log-analytics query, ...) for one scenario, with realistic noise around the
signal. build_corpus.py calls them; the files they write are checked in, and
the evaluation reads only those files and each scenario's label.yaml.
"""

from __future__ import annotations

import json
import zlib
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

T0 = datetime(2026, 11, 20, 14, 0, 0, tzinfo=timezone.utc)

NOISE = {
    "python": [
        "INFO:     Started server process [1]",
        "INFO:     Waiting for application startup.",
        "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.",
        "INFO  [app.cache] warming cache: {n} keys",
        "DEBUG [urllib3.connectionpool] Starting new HTTPS connection (1): api.stripe.com:443",
        "WARNING [app.settings] FEATURE_FLAGS not set, using defaults",
        "INFO  [app.worker] processed batch {n} in 41ms",
    ],
    "node": [
        "> orders@2.14.0 start",
        "> node dist/server.js",
        "[info] loading configuration from environment",
        "[info] connected to redis cache in {n}ms",
        "(node:1) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.",
        "[warn] slow request GET /api/products took {n}ms",
        "[info] GET /healthz 200 2ms",
    ],
    "java": [
        "  .   ____          _            __ _ _",
        "INFO 1 --- [           main] c.e.shop.Application                     : Starting Application v2.14.0 using Java 21.0.5",
        "INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat initialized with port 8080 (http)",
        "INFO 1 --- [           main] com.zaxxer.hikari.HikariDataSource       : HikariPool-1 - Starting...",
        "WARN 1 --- [           main] o.h.e.j.e.i.JdbcEnvironmentInitiator     : HHH000342: Could not obtain connection to query metadata",
        "INFO 1 --- [           main] c.e.shop.cache.CatalogCache              : Warming catalog cache ({n} entries)",
    ],
    "go": [
        'level=info msg="starting orders service" version=2.14.0',
        'level=info msg="loaded configuration" source=env',
        'level=warn msg="tracing exporter not configured, spans dropped"',
        'level=info msg="cache primed" entries={n}',
        'level=debug msg="gc cycle" heap_mb={n}',
    ],
}


def noise(runtime: str, count: int, rng: random.Random) -> list[str]:
    """Ordinary lines a service of this runtime prints."""
    lines = NOISE[runtime]
    return [rng.choice(lines).replace("{n}", str(rng.randint(10, 9000))) for _ in range(count)]


def stamp(seconds: float) -> str:
    """RFC 3339, as kubectl and gcloud print."""
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_precise(seconds: float) -> str:
    """RFC 3339 with fractional seconds, as Cloud Logging and Log Analytics print."""
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def ms(seconds: float) -> int:
    """Epoch milliseconds, as CloudWatch Logs prints."""
    return int((T0 + timedelta(seconds=seconds)).timestamp() * 1000)


def write_json(path: Path, value: Any, warning: str | None = None) -> None:
    """Indented like the CLIs print, optionally after a CLI warning line."""
    text = json.dumps(value, indent=4)
    if warning:
        text = warning + "\n" + text
    path.write_text(text + "\n", encoding="utf-8")


def write_label(directory: Path, expected: str, provider: str, description: str, notes: str = "") -> None:
    """The scenario's label: the expected pattern id, or "healthy"."""
    label = {"expected": expected, "provider": provider, "description": description}
    if notes:
        label["notes"] = notes
    (directory / "label.yaml").write_text(yaml.safe_dump(label, sort_keys=False, width=120), encoding="utf-8")


# -- Kubernetes -------------------------------------------------------------------------------


def k8s_pod(
    name: str,
    rs: str,
    *,
    namespace: str = "shop",
    app: str = "web",
    created: float = 0,
    phase: str = "Running",
    ready: bool = False,
    waiting: tuple[str, str] | None = None,
    terminated: dict[str, Any] | None = None,
    last: dict[str, Any] | None = None,
    restarts: int = 0,
    scheduled: tuple[str, str, str] | None = None,
    pod_reason: str | None = None,
    pod_message: str | None = None,
    memory: str = "512Mi",
    port: int = 8080,
    terminating: bool = False,
    image: str = "registry.example.com/shop/web:2.14.0",
) -> dict[str, Any]:
    """A pod as kubectl get pods -o json prints it."""
    conditions = [{"lastTransitionTime": stamp(created), "status": "True", "type": "Initialized"}]
    if scheduled is not None:
        status, reason, message = scheduled
        conditions.append({"lastTransitionTime": stamp(created), "status": status, "type": "PodScheduled", "reason": reason, "message": message})
    else:
        conditions.append({"lastTransitionTime": stamp(created), "status": "True", "type": "PodScheduled"})
        conditions.append(
            {"lastTransitionTime": stamp(created + 5), "status": "True" if ready else "False", "type": "Ready"}
            | ({} if ready else {"reason": "ContainersNotReady", "message": f"containers with unready status: [{app}]"})
        )
    state: dict[str, Any]
    if waiting is not None:
        state = {"waiting": {"reason": waiting[0], "message": waiting[1]} if waiting[1] else {"reason": waiting[0]}}
    elif terminated is not None:
        state = {"terminated": terminated}
    else:
        state = {"running": {"startedAt": stamp(created + 3)}}
    container_status = {
        "name": app,
        "image": image,
        "ready": ready,
        "restartCount": restarts,
        "started": ready,
        "state": state,
        "lastState": {"terminated": last} if last else {},
    }
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": stamp(created),
            "labels": {"app": app, "pod-template-hash": rs.rsplit("-", 1)[-1]},
            "name": name,
            "namespace": namespace,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "controller": True}],
        },
        "spec": {
            "containers": [
                {
                    "image": image,
                    "name": app,
                    "ports": [{"containerPort": port, "protocol": "TCP"}],
                    "resources": {"limits": {"memory": memory, "cpu": "500m"}, "requests": {"memory": memory, "cpu": "250m"}},
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": port}, "periodSeconds": 10},
                }
            ],
            "nodeName": None if scheduled else "gke-shop-pool-1-3f9a2c1d-7kqz",
        },
        "status": {"phase": phase, "conditions": conditions, "startTime": stamp(created)},
    }
    if scheduled is None:
        pod["status"]["containerStatuses"] = [container_status]
    if pod_reason:
        pod["status"]["reason"] = pod_reason
    if pod_message:
        pod["status"]["message"] = pod_message
    if terminating:
        pod["metadata"]["deletionTimestamp"] = stamp(created + 600)
    return pod


def k8s_event(pod: str, reason: str, message: str, *, kind: str = "Pod", warning: bool = True, count: int = 1, first: float = 10, last: float | None = None, namespace: str = "shop") -> dict[str, Any]:
    """A core/v1 Event."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "count": count,
        "type": "Warning" if warning else "Normal",
        "reason": reason,
        "message": message,
        "firstTimestamp": stamp(first),
        "lastTimestamp": stamp(last if last is not None else first),
        "involvedObject": {"apiVersion": "v1", "kind": kind, "name": pod, "namespace": namespace},
        "metadata": {"name": f"{pod}.{zlib.crc32((reason + message).encode()):x}", "namespace": namespace},
        "source": {"component": "kubelet"},
    }


def k8s_deployment(app: str, rs: str, *, state: str, namespace: str = "shop", replicas: int = 1, memory: str = "512Mi", port: int = 8080, replica_failure: str | None = None) -> dict[str, Any]:
    """A Deployment whose status says failed, progressing or complete."""
    conditions: list[dict[str, Any]] = []
    if state == "complete":
        status = {"availableReplicas": replicas, "readyReplicas": replicas, "replicas": replicas, "updatedReplicas": replicas, "observedGeneration": 7}
        conditions = [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastTransitionTime": stamp(60)},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": f'ReplicaSet "{rs}" has successfully progressed.', "lastTransitionTime": stamp(60)},
        ]
    else:
        status = {"availableReplicas": replicas, "readyReplicas": replicas, "replicas": replicas + 1, "updatedReplicas": 1, "unavailableReplicas": 1, "observedGeneration": 7}
        progressing = (
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": f'ReplicaSet "{rs}" has timed out progressing.', "lastTransitionTime": stamp(610)}
            if state == "failed"
            else {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": f'ReplicaSet "{rs}" is progressing.', "lastTransitionTime": stamp(5)}
        )
        conditions = [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastTransitionTime": stamp(-3600)}, progressing]
    if replica_failure:
        conditions.append({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": replica_failure, "lastTransitionTime": stamp(5)})
        status["updatedReplicas"] = 0
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": app, "namespace": namespace, "generation": 7, "annotations": {"deployment.kubernetes.io/revision": "7"}},
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": app, "image": "registry.example.com/shop/web:2.14.0", "ports": [{"containerPort": port}], "resources": {"limits": {"memory": memory}}}]},
            },
        },
        "status": {**status, "conditions": conditions},
    }


def k8s_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A kubectl List."""
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}


def k8s_logs(path: Path, lines: list[str], *, start: float = 3, timestamps: bool = True) -> None:
    """kubectl logs output, with --timestamps when asked."""
    out = []
    for index, line in enumerate(lines):
        out.append(f"{(T0 + timedelta(seconds=start + index * 0.7)).strftime('%Y-%m-%dT%H:%M:%S.%f')}000Z {line}" if timestamps else line)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


# -- AWS ECS ----------------------------------------------------------------------------------


def ecs_service(name: str, *, events: list[tuple[float, str]], state: str, reason: str | None = None, desired: int = 2, running: int = 0, failed: int = 0, port: int = 8080, steady_old: bool = False) -> dict[str, Any]:
    """aws ecs describe-services output for one service."""
    primary = {
        "id": "ecs-svc/4711802958221030812",
        "status": "PRIMARY",
        "taskDefinition": f"arn:aws:ecs:eu-west-1:111122223333:task-definition/{name}:42",
        "desiredCount": desired,
        "pendingCount": 0,
        "runningCount": running,
        "failedTasks": failed,
        "createdAt": stamp(0),
        "updatedAt": stamp(900),
        "launchType": "FARGATE",
        "rolloutState": state,
    }
    if reason:
        primary["rolloutStateReason"] = reason
    deployments = [primary]
    if state != "COMPLETED":
        deployments.append({"id": "ecs-svc/3300112233445566778", "status": "ACTIVE", "taskDefinition": f"arn:aws:ecs:eu-west-1:111122223333:task-definition/{name}:41", "desiredCount": desired, "pendingCount": 0, "runningCount": desired, "failedTasks": 0, "createdAt": stamp(-86400), "updatedAt": stamp(-86000), "rolloutState": "COMPLETED", "rolloutStateReason": "ECS deployment ecs-svc/3300112233445566778 completed."})
    return {
        "services": [
            {
                "serviceArn": f"arn:aws:ecs:eu-west-1:111122223333:service/prod/{name}",
                "serviceName": name,
                "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod",
                "loadBalancers": [{"targetGroupArn": f"arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/{name}-tg/6d0ecf831eec9f09", "containerName": name, "containerPort": port}],
                "status": "ACTIVE",
                "desiredCount": desired,
                "runningCount": running if state != "COMPLETED" else desired,
                "pendingCount": 0,
                "launchType": "FARGATE",
                "deployments": deployments,
                "events": [{"id": f"e{index}", "createdAt": stamp(at), "message": message} for index, (at, message) in sorted(enumerate(events), key=lambda item: -item[1][0])],
            }
        ],
        "failures": [],
    }


def ecs_task(task_id: str, *, stop_code: str | None, stopped_reason: str | None, containers: list[dict[str, Any]], started_by: str = "ecs-svc/4711802958221030812", last_status: str = "STOPPED", at: float = 120, service: str = "web") -> dict[str, Any]:
    """One task of aws ecs describe-tasks."""
    task: dict[str, Any] = {
        "taskArn": f"arn:aws:ecs:eu-west-1:111122223333:task/prod/{task_id}",
        "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod",
        "taskDefinitionArn": f"arn:aws:ecs:eu-west-1:111122223333:task-definition/{service}:42",
        "group": f"service:{service}",
        "startedBy": started_by,
        "lastStatus": last_status,
        "desiredStatus": "STOPPED" if last_status == "STOPPED" else "RUNNING",
        "createdAt": stamp(at - 60),
        "containers": [
            {"containerArn": f"arn:aws:ecs:eu-west-1:111122223333:container/prod/{task_id}/{c['name']}", "name": c["name"], "lastStatus": c.get("lastStatus", last_status)}
            | ({"exitCode": c["exitCode"]} if c.get("exitCode") is not None else {})
            | ({"reason": c["reason"]} if c.get("reason") else {})
            | ({"healthStatus": c["health"]} if c.get("health") else {})
            for c in containers
        ],
        "launchType": "FARGATE",
    }
    if last_status == "STOPPED":
        task["stoppedAt"] = stamp(at)
        task["startedAt"] = stamp(at - 40)
    if stop_code:
        task["stopCode"] = stop_code
    if stopped_reason:
        task["stoppedReason"] = stopped_reason
    return task


def ecs_task_definition(name: str, *, memory: int = 512, cpu: int = 256, port: int = 8080, health_command: list[str] | None = None) -> dict[str, Any]:
    """aws ecs describe-task-definition output."""
    container: dict[str, Any] = {
        "name": name,
        "image": f"111122223333.dkr.ecr.eu-west-1.amazonaws.com/{name}:2.14.0",
        "essential": True,
        "portMappings": [{"containerPort": port, "hostPort": port, "protocol": "tcp"}],
        "environment": [{"name": "NODE_ENV", "value": "production"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": f"/ecs/{name}", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "ecs"}},
    }
    if health_command:
        container["healthCheck"] = {"command": health_command, "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10}
    return {
        "taskDefinition": {
            "taskDefinitionArn": f"arn:aws:ecs:eu-west-1:111122223333:task-definition/{name}:42",
            "family": name,
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": str(cpu),
            "memory": str(memory),
            "containerDefinitions": [container],
        }
    }


def ecs_logs(name: str, task_id: str, lines: list[str], *, start: float = 70) -> dict[str, Any]:
    """aws logs filter-log-events output for the task's stream."""
    stream = f"ecs/{name}/{task_id}"
    return {
        "events": [
            {"logStreamName": stream, "timestamp": ms(start + index * 0.5), "message": line, "ingestionTime": ms(start + index * 0.5 + 1), "eventId": f"3{index:055d}"}
            for index, line in enumerate(lines)
        ],
        "searchedLogStreams": [],
    }


def elb_target_health(targets: list[tuple[str, str, str | None, str | None]], port: int = 8080) -> dict[str, Any]:
    """aws elbv2 describe-target-health output: (ip, state, reason, description)."""
    return {
        "TargetHealthDescriptions": [
            {"Target": {"Id": ip, "Port": port, "AvailabilityZone": "eu-west-1a"}, "HealthCheckPort": str(port), "TargetHealth": {"State": state} | ({"Reason": reason} if reason else {}) | ({"Description": description} if description else {})}
            for ip, state, reason, description in targets
        ]
    }


def cw_metric_data(label: str, values: list[float], *, start: float = 0, step: float = 60) -> dict[str, Any]:
    """aws cloudwatch get-metric-data output for one query."""
    return {
        "MetricDataResults": [
            {"Id": "m1", "Label": label, "Timestamps": [stamp(start + i * step) for i in range(len(values))][::-1], "Values": values[::-1], "StatusCode": "Complete"}
        ],
        "Messages": [],
    }


# -- GCP Cloud Run ----------------------------------------------------------------------------


def cr_service(name: str, *, ready: bool, message: str | None = None, reason: str | None = None, memory: str = "512Mi", port: int = 8080, revision: str = "00007-xaz") -> dict[str, Any]:
    """gcloud run services describe --format=json output."""
    latest = f"{name}-{revision}"
    previous = f"{name}-00006-kol"
    conditions = [
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": stamp(120)} | ({"message": message} if message else {}) | ({"reason": reason} if reason else {}),
        {"type": "ConfigurationsReady", "status": "True" if ready else "False", "lastTransitionTime": stamp(120)} | ({"message": message} if message else {}) | ({"reason": reason} if reason else {}),
        {"type": "RoutesReady", "status": "True", "lastTransitionTime": stamp(-86400)},
    ]
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "729273278660", "labels": {"cloud.googleapis.com/location": "europe-west1"}},
        "spec": {"template": {"spec": {"containerConcurrency": 80, "containers": [{"image": f"europe-docker.pkg.dev/acme/app/{name}:2.14.0", "ports": [{"containerPort": port, "name": "http1"}], "resources": {"limits": {"cpu": "1", "memory": memory}}}]}}},
        "status": {
            "conditions": conditions,
            "latestCreatedRevisionName": latest,
            "latestReadyRevisionName": latest if ready else previous,
            "url": f"https://{name}-abc123-ew.a.run.app",
        },
    }


def cr_log_entries(name: str, lines: list[tuple[float, str, str, bool]], revision: str = "00007-xaz") -> list[dict[str, Any]]:
    """gcloud logging read --format=json: (seconds, severity, text, system?) newest first."""
    entries = []
    for index, (at, severity, text, system) in enumerate(lines):
        log = "run.googleapis.com%2Fvarlog%2Fsystem" if system else "run.googleapis.com%2Fstderr"
        entries.append(
            {
                "insertId": f"{index:04x}a1b2c3d4e5",
                "logName": f"projects/acme-prod/logs/{log}",
                "receiveTimestamp": stamp_precise(at + 1),
                "resource": {"type": "cloud_run_revision", "labels": {"configuration_name": name, "location": "europe-west1", "project_id": "acme-prod", "revision_name": f"{name}-{revision}", "service_name": name}},
                "severity": severity,
                "textPayload": text,
                "timestamp": stamp_precise(at),
                "labels": {"instanceId": "00f46b9285a1c4f3b2"},
            }
        )
    return entries[::-1]


# -- Azure Container Apps ---------------------------------------------------------------------


def aca_app(name: str, *, revision: str, ready_revision: str | None, target_port: int = 8080, memory: str = "1Gi", failed: bool = False) -> dict[str, Any]:
    """az containerapp show output."""
    return {
        "id": f"/subscriptions/0000/resourceGroups/shop/providers/Microsoft.App/containerApps/{name}",
        "name": name,
        "type": "Microsoft.App/containerApps",
        "location": "West Europe",
        "properties": {
            "provisioningState": "Failed" if failed else "Succeeded",
            "runningStatus": "Running",
            "latestRevisionName": revision,
            "latestReadyRevisionName": ready_revision,
            "configuration": {"activeRevisionsMode": "Single", "ingress": {"external": True, "targetPort": target_port, "transport": "Auto"}},
            "template": {"containers": [{"name": name, "image": f"acme.azurecr.io/{name}:2.14.0", "resources": {"cpu": 0.5, "memory": memory}}]},
        },
    }


def aca_revision(app: str, revision: str, *, provisioning: str, running: str, health: str, created: float = 0, details: str | None = None, replicas: int = 0) -> dict[str, Any]:
    """One revision of az containerapp revision list."""
    properties: dict[str, Any] = {"active": True, "createdTime": stamp(created), "healthState": health, "provisioningState": provisioning, "runningState": running, "replicas": replicas, "trafficWeight": 100}
    if details:
        properties["runningStateDetails"] = details
    return {"id": f"/subscriptions/0000/resourceGroups/shop/providers/Microsoft.App/containerApps/{app}/revisions/{revision}", "name": revision, "type": "Microsoft.App/containerapps/revisions", "properties": properties}


def aca_system_rows(app: str, revision: str, rows: list[tuple[float, str, str, str]], *, classic: bool = True) -> list[dict[str, Any]]:
    """az monitor log-analytics query rows of the system-log table: (seconds, type, reason, message)."""
    out = []
    for at, kind, reason, message in rows:
        if classic:
            out.append({"TimeGenerated": stamp(at), "ContainerAppName_s": app, "RevisionName_s": revision, "ReplicaName_s": f"{revision}-5d8f7b9c4-x2kqp", "Type_s": kind, "Reason_s": reason, "Log_s": message, "EventSource_s": "ContainerAppController", "TableName": "PrimaryResult"})
        else:
            out.append({"TimeGenerated": stamp(at), "ContainerAppName": app, "RevisionName": revision, "ReplicaName": f"{revision}-5d8f7b9c4-x2kqp", "Type": kind, "Reason": reason, "Log": message, "EventSource": "ContainerAppController"})
    return out


def aca_console_rows(app: str, revision: str, lines: list[str], *, start: float = 20) -> list[dict[str, Any]]:
    """Rows of ContainerAppConsoleLogs_CL."""
    return [
        {"TimeGenerated": stamp_precise(start + index * 0.5), "ContainerAppName_s": app, "RevisionName_s": revision, "ContainerName_s": app, "Stream_s": "stderr", "Log_s": line, "TableName": "PrimaryResult"}
        for index, line in enumerate(lines)
    ]
