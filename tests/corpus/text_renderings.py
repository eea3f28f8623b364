"""Console and describe text for a corpus scenario, written the way each tool prints it.

Kubernetes: ``kubectl describe pod`` for pods, ``kubectl get events`` for
events, ``kubectl describe deployment`` for deployments. ECS: the console's
task details (label, tab, value) and the service's deployments and events
tabs. Cloud Run: log lines as the Logs Explorer copies them. Container Apps:
Log Analytics rows as the portal's results grid copies them (tab-separated,
with a header). Objects with no text rendering in their tool stay as they
were captured.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from scdiag.captures.jsontext import load_json_text

__all__ = ["render_text"]


def _load(path: Path) -> Any:
    return load_json_text(path.read_text(encoding="utf-8")).value


def _rfc1123(stamp: str | None) -> str:
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _items(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return [i for i in value["items"] if isinstance(i, dict)]
    if isinstance(value, list):
        return [i for i in value if isinstance(i, dict)]
    return [value] if isinstance(value, dict) else []


# -- Kubernetes ------------------------------------------------------------------


def _state_lines(label: str, state: Mapping[str, Any]) -> list[str]:
    if "waiting" in state:
        waiting = state["waiting"] or {}
        lines = [f"    {label + ':':<16}Waiting"]
        if waiting.get("reason"):
            lines.append(f"      Reason:       {waiting['reason']}")
        if waiting.get("message"):
            lines.append(f"      Message:      {waiting['message']}")
        return lines
    if "terminated" in state:
        term = state["terminated"] or {}
        lines = [f"    {label + ':':<16}Terminated"]
        for key, name in (("reason", "Reason"), ("message", "Message"), ("exitCode", "Exit Code"), ("signal", "Signal")):
            if term.get(key) is not None:
                lines.append(f"      {name + ':':<14}{term[key]}")
        if term.get("startedAt"):
            lines.append(f"      Started:      {_rfc1123(term['startedAt'])}")
        if term.get("finishedAt"):
            lines.append(f"      Finished:     {_rfc1123(term['finishedAt'])}")
        return lines
    if "running" in state:
        started = (state["running"] or {}).get("startedAt")
        return [f"    {label + ':':<16}Running", f"      Started:      {_rfc1123(started)}"]
    return []


def _describe_pod(pod: Mapping[str, Any]) -> str:
    metadata, spec, status = pod.get("metadata", {}), pod.get("spec", {}), pod.get("status", {})
    labels = metadata.get("labels") or {}
    owners = metadata.get("ownerReferences") or []
    lines = [
        f"Name:             {metadata.get('name')}",
        f"Namespace:        {metadata.get('namespace', 'default')}",
        f"Node:             {spec.get('nodeName') or '<none>'}",
        f"Start Time:       {_rfc1123(status.get('startTime') or metadata.get('creationTimestamp'))}",
    ]
    label_items = [f"{k}={v}" for k, v in labels.items()] or ["<none>"]
    lines.append(f"Labels:           {label_items[0]}")
    lines.extend(f"                  {item}" for item in label_items[1:])
    phase = status.get("phase", "")
    lines.append(f"Status:           {'Terminating' if metadata.get('deletionTimestamp') else phase}")
    if status.get("reason"):
        lines.append(f"Reason:           {status['reason']}")
    if status.get("message"):
        lines.append(f"Message:          {status['message']}")
    if owners:
        lines.append(f"Controlled By:  {owners[0].get('kind')}/{owners[0].get('name')}")
    statuses = {s.get("name"): s for s in status.get("containerStatuses") or []}
    init_statuses = {s.get("name"): s for s in status.get("initContainerStatuses") or []}
    for title, containers, known in (("Init Containers", spec.get("initContainers") or [], init_statuses), ("Containers", spec.get("containers") or [], statuses)):
        if not containers:
            continue
        lines.append(f"{title}:")
        for container in containers:
            observed = known.get(container.get("name"), {})
            lines.append(f"  {container.get('name')}:")
            lines.append(f"    Image:          {container.get('image', '')}")
            ports = container.get("ports") or []
            lines.append(f"    Port:           {str(ports[0].get('containerPort')) + '/TCP' if ports else '<none>'}")
            lines.extend(_state_lines("State", observed.get("state") or {}))
            lines.extend(_state_lines("Last State", observed.get("lastState") or {}))
            if "ready" in observed:
                lines.append(f"    Ready:          {observed['ready']}")
            lines.append(f"    Restart Count:  {observed.get('restartCount', 0)}")
            resources = container.get("resources") or {}
            for kind in ("limits", "requests"):
                values = resources.get(kind) or {}
                if values:
                    lines.append(f"    {kind.capitalize()}:")
                    lines.extend(f"      {k}:  {v}" for k, v in values.items())
            for probe, title_word in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
                http = (container.get(probe) or {}).get("httpGet")
                if http:
                    lines.append(f"    {title_word + ':':<16}http-get http://:{http.get('port')}{http.get('path', '/')}")
            env = container.get("env") or []
            if env:
                lines.append("    Environment:")
                lines.extend(f"      {e.get('name')}:  {e.get('value', '<set to the key>')}" for e in env)
    conditions = status.get("conditions") or []
    if conditions:
        lines.append("Conditions:")
        lines.append("  Type              Status")
        lines.extend(f"  {c.get('type'):<18}{c.get('status')}" for c in conditions)
    lines.append("Events:                      <none>")
    return "\n".join(lines) + "\n"


def _describe_deployment(deployment: Mapping[str, Any]) -> str:
    metadata, spec, status = deployment.get("metadata", {}), deployment.get("spec", {}), deployment.get("status", {})
    desired = spec.get("replicas", 1)
    replicas = (
        f"{desired} desired | {status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} total | "
        f"{status.get('availableReplicas', 0)} available | {status.get('unavailableReplicas', 0)} unavailable"
    )
    lines = [
        f"Name:                   {metadata.get('name')}",
        f"Namespace:              {metadata.get('namespace', 'default')}",
        f"Replicas:               {replicas}",
        "StrategyType:           RollingUpdate",
        "Conditions:",
        "  Type           Status  Reason",
        "  ----           ------  ------",
    ]
    new_rs = None
    for condition in status.get("conditions") or []:
        lines.append(f"  {condition.get('type'):<15}{condition.get('status'):<8}{condition.get('reason', '')}")
        message = condition.get("message") or ""
        if condition.get("type") == "Progressing" and 'ReplicaSet "' in message:
            new_rs = message.split('ReplicaSet "', 1)[1].split('"', 1)[0]
    lines.append(f"NewReplicaSet:   {new_rs + ' (1/1 replicas created)' if new_rs else '<none>'}")
    lines.append("Events:          <none>")
    return "\n".join(lines) + "\n"


def _events_table(events: Iterable[Mapping[str, Any]]) -> str:
    rows = []
    for event in events:
        involved = event.get("involvedObject") or event.get("regarding") or {}
        count = event.get("count") or (event.get("series") or {}).get("count") or 1
        seen = f"5m (x{count} over 10m)" if count > 1 else "5m"
        obj = f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"
        message = str(event.get("message") or event.get("note") or "").replace("\n", " ")
        rows.append((seen, event.get("type", "Normal"), event.get("reason", ""), obj, message))
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(("LAST SEEN", "TYPE", "REASON", "OBJECT"))]
    header = "   ".join(h.ljust(w) for h, w in zip(("LAST SEEN", "TYPE", "REASON", "OBJECT"), widths)) + "   MESSAGE"
    body = ["   ".join(str(v).ljust(w) for v, w in zip(row[:4], widths)) + "   " + row[4] for row in rows]
    return "\n".join([header, *body]) + "\n"


def _kubernetes(path: Path, value: Any, out: Path) -> Path | None:
    items = _items(value)
    kinds = {str(item.get("kind")) for item in items}
    if kinds == {"Pod"}:
        text = "\n".join(_describe_pod(pod) for pod in items)
    elif kinds == {"Event"}:
        text = _events_table(items)
    elif kinds == {"Deployment"}:
        text = "\n".join(_describe_deployment(d) for d in items)
    else:
        return None
    target = out / (path.stem + ".txt")
    target.write_text(text, encoding="utf-8")
    return target


# -- ECS ------------------------------------------------------------------------


def _ecs_task(task: Mapping[str, Any]) -> str:
    lines = [
        f"Task\t{str(task.get('taskArn', '')).rsplit('/', 1)[-1]}",
        f"Task definition\t{str(task.get('taskDefinitionArn', '')).rsplit('/', 1)[-1]}",
        f"Group\t{task.get('group', '')}",
        f"Started by\t{task.get('startedBy', '-')}",
        f"Last status\t{task.get('lastStatus', '')}",
        f"Desired status\t{task.get('desiredStatus', '')}",
        f"Created at\t{task.get('createdAt', '')}",
    ]
    for key, label in (("startedAt", "Started at"), ("stoppedAt", "Stopped at"), ("stopCode", "Stop code"), ("stoppedReason", "Stopped reason"), ("healthStatus", "Health status")):
        if task.get(key):
            lines.append(f"{label}\t{task[key]}")
    lines.append("Containers")
    lines.append("Container name\tLast status\tExit code\tHealth status\tReason")
    for container in task.get("containers") or []:
        exit_code = container.get("exitCode")
        lines.append(
            "\t".join(
                str(v)
                for v in (
                    container.get("name", ""),
                    container.get("lastStatus", ""),
                    "-" if exit_code is None else exit_code,
                    container.get("healthStatus", "-"),
                    container.get("reason", "-"),
                )
            )
        )
    return "\n".join(lines) + "\n"


def _ecs_service(service: Mapping[str, Any]) -> str:
    lines = [
        f"Service name\t{service.get('serviceName', '')}",
        f"Cluster\t{str(service.get('clusterArn', '')).rsplit('/', 1)[-1]}",
        f"Status\t{service.get('status', '')}",
        f"Desired tasks\t{service.get('desiredCount', '')}",
        f"Running tasks\t{service.get('runningCount', '')}",
        f"Pending tasks\t{service.get('pendingCount', '')}",
        "Deployments",
        "Deployment ID\tStatus\tRollout state\tTask definition\tDesired\tPending\tRunning\tFailed\tCreated at\tRollout state reason",
    ]
    for deployment in service.get("deployments") or []:
        lines.append(
            "\t".join(
                str(v)
                for v in (
                    deployment.get("id", ""),
                    deployment.get("status", ""),
                    deployment.get("rolloutState", ""),
                    str(deployment.get("taskDefinition", "")).rsplit("/", 1)[-1],
                    deployment.get("desiredCount", 0),
                    deployment.get("pendingCount", 0),
                    deployment.get("runningCount", 0),
                    deployment.get("failedTasks", 0),
                    deployment.get("createdAt", ""),
                    deployment.get("rolloutStateReason", "-"),
                )
            )
        )
    lines.append("Events")
    lines.append("Event ID\tStarted at\tMessage")
    for event in service.get("events") or []:
        lines.append(f"{event.get('id', '')}\t{event.get('createdAt', '')}\t{event.get('message', '')}")
    return "\n".join(lines) + "\n"


def _log_lines(messages: Iterable[tuple[str, str, str]]) -> str:
    return "".join(f"{stamp}  {severity}  {text}\n".replace("    ", "  ") for stamp, severity, text in messages)


def _aws(path: Path, value: Any, out: Path) -> Path | None:
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("tasks"), list):
        text = "\n".join(_ecs_task(t) for t in value["tasks"])
    elif isinstance(value.get("services"), list):
        text = "\n".join(_ecs_service(s) for s in value["services"])
    elif isinstance(value.get("events"), list) and value["events"] and "message" in value["events"][0]:
        # The console's log viewer: a timestamp and the message, one event per line.
        events = value["events"]
        text = "".join(f"{datetime.fromtimestamp(e.get('timestamp', 0) / 1000).isoformat()}Z  {e.get('message', '')}\n" for e in events)
    else:
        return None
    target = out / (path.stem + ".txt")
    target.write_text(text, encoding="utf-8")
    return target


# -- Cloud Run and Container Apps -------------------------------------------------


def _gcp(path: Path, value: Any, out: Path) -> Path | None:
    items = value if isinstance(value, list) else None
    if not items or not all(isinstance(i, dict) and "logName" in i for i in items):
        return None
    lines = []
    for entry in items:
        payload = entry.get("textPayload")
        if payload is None and isinstance(entry.get("jsonPayload"), dict):
            payload = entry["jsonPayload"].get("message") or json.dumps(entry["jsonPayload"])
        if payload is None and isinstance(entry.get("protoPayload"), dict):
            proto = entry["protoPayload"]
            payload = (proto.get("status") or {}).get("message") or proto.get("methodName", "")
        if payload is None and isinstance(entry.get("httpRequest"), dict):
            request = entry["httpRequest"]
            payload = f"{request.get('requestMethod', '')} {request.get('status', '')} {request.get('requestUrl', '')}"
        lines.append((str(entry.get("timestamp", "")), str(entry.get("severity", "DEFAULT")), str(payload or "")))
    target = out / (path.stem + ".txt")
    target.write_text(_log_lines(lines), encoding="utf-8")
    return target


def _azure(path: Path, value: Any, out: Path) -> Path | None:
    rows = value if isinstance(value, list) else None
    if not rows or not all(isinstance(r, dict) and "TimeGenerated" in r for r in rows):
        return None
    columns = [c for c in rows[0] if c != "TableName"]
    lines = ["\t".join(columns)]
    lines.extend("\t".join(str(row.get(c, "")).replace("\t", " ").replace("\n", " ") for c in columns) for row in rows)
    target = out / (path.stem + ".tsv")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


_RENDERERS = {"kubernetes": _kubernetes, "aws": _aws, "gcp": _gcp, "azure": _azure}


def render_text(scenario: Path, files: list[Path], out: Path) -> list[Path]:
    """Each file as its tool's text where it has one; the others unchanged."""
    import yaml

    provider = yaml.safe_load((scenario / "label.yaml").read_text(encoding="utf-8"))["provider"]
    renderer = _RENDERERS[provider]
    result = []
    for path in files:
        value = _load(path) if path.suffix == ".json" else None
        rendered = renderer(path, value, out) if value is not None else None
        result.append(rendered or path)
    return result
