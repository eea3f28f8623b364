"""Cloud Run Admin v2, Cloud Logging v2, Cloud Monitoring v3 and an OAuth token endpoint on 127.0.0.1 (stdlib only).

No emulator exists for these APIs. The fake serves what the provider reads,
pages entries by ``pageSize``/``pageToken`` newest first, answers 404 with
Google's error envelope, and injects faults (status, headers, delay) a bounded
number of times. It does not evaluate the Logging filter: tests assert on the
recorded request bodies instead.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import attrs

from tests.adapters.loopback import Fault, LoopbackServer

__all__ = ["PROJECT", "REGION", "Fault", "FakeGoogle", "service_account_key", "serve_google"]

PROJECT = "acme-prod"
REGION = "europe-west1"

_REVISION_REASONS = {"HealthCheckContainerError", "MinInstancesNotProvisioned", "Retired", "Pending"}


_STATUS = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _v2_condition(v1: dict[str, Any]) -> dict[str, Any]:
    state = {"True": "CONDITION_SUCCEEDED", "False": "CONDITION_FAILED"}.get(v1.get("status", ""), "CONDITION_RECONCILING")
    condition: dict[str, Any] = {"type": v1["type"], "state": state, "lastTransitionTime": v1.get("lastTransitionTime", "2026-11-20T14:00:00Z")}
    if v1.get("message"):
        condition["message"] = v1["message"]
    if v1.get("reason"):
        key = "revisionReason" if v1["reason"] in _REVISION_REASONS else "reason"
        condition[key] = _snake(v1["reason"])
    if state == "CONDITION_FAILED":
        condition["severity"] = "ERROR"
    return condition


def _container(v1: dict[str, Any]) -> dict[str, Any]:
    keep = ("name", "image", "ports", "resources", "env", "startupProbe", "livenessProbe", "command", "args")
    return {key: v1[key] for key in keep if key in v1}


@attrs.define
class FakeGoogle(LoopbackServer):
    """The server's state, faults and request log."""

    services: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    revisions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    jobs: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    """Jobs, executions and tasks by resource name."""
    entries: list[dict[str, Any]] = attrs.field(factory=list)
    series: list[dict[str, Any]] = attrs.field(factory=list)
    page_limit: int | None = None
    """At most this many entries per page, whatever the client asks (real servers may send fewer)."""
    def path(self, service: str, revision: str | None = None) -> str:
        base = f"projects/{PROJECT}/locations/{REGION}/services/{service}"
        return f"{base}/revisions/{revision}" if revision else base

    def add_service(self, name: str, *, latest: str, ready: str | None, traffic: dict[str, int] | None = None, terminal: dict[str, Any] | None = None, containers: list[dict[str, Any]] | None = None) -> None:
        """A v2 Service; ``traffic`` maps revisions to percents (default: all on ``ready``)."""
        traffic = traffic if traffic is not None else ({ready: 100} if ready else {})
        self.services[self.path(name)] = {
            "name": self.path(name),
            "uid": "5e1c-0001",
            "generation": "7",
            "createTime": "2026-11-01T09:00:00Z",
            "template": {"containers": containers or [{"image": "europe-docker.pkg.dev/acme/app/web:2.14.0", "ports": [{"name": "http1", "containerPort": 8080}]}]},
            "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
            "terminalCondition": terminal or {"type": "Ready", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": "2026-11-20T14:02:00Z"},
            "conditions": [{"type": "RoutesReady", "state": "CONDITION_SUCCEEDED"}, {"type": "ConfigurationsReady", "state": terminal.get("state", "CONDITION_SUCCEEDED") if terminal else "CONDITION_SUCCEEDED"}],
            "latestCreatedRevision": self.path(name, latest),
            **({"latestReadyRevision": self.path(name, ready)} if ready else {}),
            "trafficStatuses": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": revision, "percent": percent} for revision, percent in traffic.items()],
            "uri": f"https://{name}-abc123-ew.a.run.app",
        }

    def add_revision(self, service: str, name: str, *, conditions: list[dict[str, Any]], containers: list[dict[str, Any]] | None = None, created: str = "2026-11-20T14:00:00Z") -> None:
        """A v2 Revision with its conditions (Ready, ContainerHealthy, ResourcesAvailable...)."""
        self.revisions[self.path(service, name)] = {
            "name": self.path(service, name),
            "service": self.path(service),
            "createTime": created,
            "containers": containers or [{"image": "europe-docker.pkg.dev/acme/app/web:2.14.0", "ports": [{"name": "http1", "containerPort": 8080}]}],
            "conditions": conditions,
        }

    def load_scenario(self, directory: Path) -> None:
        """A corpus scenario's gcloud captures, served as the v2 API and Cloud Logging serve them."""
        v1 = json.loads((directory / "service.json").read_text())
        name = v1["metadata"]["name"]
        status = v1.get("status", {})
        containers = [_container(c) for c in v1.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])]
        ready_v1 = next((c for c in status.get("conditions", []) if c.get("type") == "Ready"), {"type": "Ready", "status": "True"})
        latest, ready = status.get("latestCreatedRevisionName"), status.get("latestReadyRevisionName")
        traffic = {t["revisionName"]: t.get("percent", 0) for t in status.get("traffic", []) if t.get("revisionName")} or None
        self.add_service(name, latest=latest, ready=ready, traffic=traffic, terminal=_v2_condition(ready_v1), containers=containers)
        failed = latest != ready
        self.add_revision(name, latest, conditions=[_v2_condition(ready_v1 if failed else {"type": "Ready", "status": "True"})], containers=containers)
        if ready and failed:
            self.add_revision(name, ready, conditions=[_v2_condition({"type": "Ready", "status": "True"})], containers=containers, created="2026-11-19T14:00:00Z")
        logs = directory / "logs.json"
        if logs.exists():
            text = logs.read_text()
            self.entries.extend(json.loads(text[text.index("[") :]))

    # -- serving ----------------------------------------------------------------

    def start(self) -> FakeGoogle:
        self.serve()
        return self

    def fault_body(self, status: int) -> Any:
        return {"error": {"code": status, "message": "injected", "status": _STATUS.get(status, "UNAVAILABLE")}}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if path == "/token":
            return 200, {"access_token": "ya29.fake-token", "expires_in": 3600, "token_type": "Bearer"}
        if path.startswith("/v2/projects/") and path.endswith("/tasks"):
            parent = path.removeprefix("/v2/").removesuffix("/tasks")
            return 200, {"tasks": [t for name, t in self.jobs.items() if name.startswith(parent + "/tasks/")]}
        if path.startswith("/v2/projects/"):
            name = path.removeprefix("/v2/")
            found = self.services.get(name) or self.revisions.get(name) or self.jobs.get(name)
            if found is None:
                return 404, {"error": {"code": 404, "message": f"Resource '{name.rsplit('/', 1)[-1]}' of kind 'SERVICE' in region '{REGION}' in project '{PROJECT}' does not exist.", "status": "NOT_FOUND"}}
            return 200, found
        if path == "/v2/entries:list" and method == "POST":
            ordered = sorted(self.entries, key=lambda e: str(e.get("timestamp", "")), reverse=True)
            start = int(body.get("pageToken") or 0)
            size = min(int(body.get("pageSize") or 50), self.page_limit or 1000)
            page = ordered[start : start + size]
            reply: dict[str, Any] = {"entries": page}
            if start + size < len(ordered):
                reply["nextPageToken"] = str(start + size)
            return 200, reply
        if path.endswith("/timeSeries"):
            wanted = query.get("filter", [""])[0]
            return 200, {"timeSeries": [s for s in self.series if f'"{s["metric"]["type"]}"' in wanted]}
        return 404, {"error": {"code": 404, "message": f"no route {path}", "status": "NOT_FOUND"}}


@functools.cache
def _private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def service_account_key(path: Path, token_uri: str) -> Path:
    """A service account key file (a throwaway RSA key) whose tokens come from ``token_uri``."""
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "0123456789abcdef",
                "private_key": _private_key_pem(),
                "client_email": f"scdiag@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": token_uri,
            }
        )
    )
    return path


def serve_google(monkeypatch: Any, directory: Path) -> FakeGoogle:
    """A started fake, the endpoint overrides pointing at it, and a key file whose token_uri is the fake.

    ``monkeypatch`` undoes the environment when the test ends; stop the fake then.
    """
    fake = FakeGoogle().start()
    for api in ("RUN", "LOGGING", "MONITORING"):
        monkeypatch.setenv(f"SCDIAG_GCP_{api}_ENDPOINT", fake.url)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key(directory / "adc.json", f"{fake.url}/token")))
    return fake
