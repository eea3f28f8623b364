"""Azure Resource Manager (Container Apps, managed environments, metrics) and Log Analytics on 127.0.0.1 over HTTPS.

No emulator exists for these APIs, and azure-core refuses bearer tokens over
plain HTTP, so the fake serves TLS with a throwaway trustme CA. It does not
evaluate KQL: it answers a query on the system tables with the system rows and
any other with the console rows, newest first; tests assert on the recorded
query text. Faults (status, headers, delay) fire a bounded number of times.
"""

from __future__ import annotations

import json
import re
import ssl
from pathlib import Path
from typing import Any

import attrs

from tests.adapters.loopback import Fault, LoopbackServer

__all__ = ["ENVIRONMENT", "GROUP", "SUBSCRIPTION", "WORKSPACE", "FakeAzure", "Fault"]

SUBSCRIPTION = "0000"
GROUP = "shop"
WORKSPACE = "7d1f6a3e-5b2c-4e8f-9a01-2b3c4d5e6f70"
ENVIRONMENT = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.App/managedEnvironments/shop-env"


def _columns(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    names = list(dict.fromkeys(key for row in rows for key in row))
    return [{"name": name, "type": "datetime" if name == "TimeGenerated" else "string"} for name in names]


@attrs.define
class FakeAzure(LoopbackServer):
    """The server's state, faults and request log."""

    tls_directory: Path = attrs.field(kw_only=True)
    app: dict[str, Any] | None = None
    revisions: list[dict[str, Any]] = attrs.field(factory=list)
    replicas: list[dict[str, Any]] = attrs.field(factory=list)
    system_rows: list[dict[str, Any]] = attrs.field(factory=list)
    console_rows: list[dict[str, Any]] = attrs.field(factory=list)
    metrics: dict[str, Any] = attrs.field(factory=lambda: {"value": []})
    job: dict[str, Any] | None = None
    executions: list[dict[str, Any]] = attrs.field(factory=list)
    page_size: int | None = None
    ca_path: Path | None = None

    @property
    def app_path(self) -> str:
        name = self.app["name"] if self.app else "web"
        return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.App/containerApps/{name}"

    def load_scenario(self, directory: Path) -> None:
        """A corpus scenario's az captures, served as ARM and Log Analytics serve them."""
        self.app = json.loads((directory / "app.json").read_text())
        self.app.setdefault("properties", {}).setdefault("managedEnvironmentId", ENVIRONMENT)
        revisions = directory / "revisions.json"
        self.revisions = json.loads(revisions.read_text()) if revisions.exists() else []
        for name, target in (("system-logs.json", self.system_rows), ("console-logs.json", self.console_rows)):
            path = directory / name
            if path.exists():
                target.extend(json.loads(path.read_text()))

    # -- serving ----------------------------------------------------------------

    def start(self) -> FakeAzure:
        import trustme

        ca = trustme.CA()
        self.ca_path = self.tls_directory / "fake-azure-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.serve(context)
        return self

    def fault_body(self, status: int) -> Any:
        code = {403: "AuthorizationFailed", 429: "TooManyRequests"}.get(status, "InternalServerError")
        return {"error": {"code": code, "message": f"injected {status}"}}

    def _page(self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        start = int(query.get("$skiptoken", ["0"])[0])
        size = self.page_size or len(items) or 1
        page: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            page["nextLink"] = f"{self.url}{path}?api-version={query['api-version'][0]}&$skiptoken={start + size}"
        return page

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        tenant = re.fullmatch(r"/(?P<tenant>[^/]+)/(v2\.0/\.well-known/openid-configuration|oauth2/v2\.0/token)", path)
        if tenant is not None:
            # Microsoft Entra ID as MSAL sees it: discovery, then the client-credentials grant.
            base = f"{self.url}/{tenant['tenant']}"
            if path.endswith("openid-configuration"):
                return 200, {"token_endpoint": f"{base}/oauth2/v2.0/token", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize", "issuer": f"{base}/v2.0", "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode"}
            return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "entra-fake-token"}
        not_found = {"error": {"code": "ResourceNotFound", "message": f"The Resource '{path.rsplit('/', 1)[-1]}' under resource group '{GROUP}' was not found."}}
        if method == "POST" and re.fullmatch(r"/v1/workspaces/[^/]+/query", path):
            if path.split("/")[3] != WORKSPACE:
                return 404, {"error": {"code": "WorkspaceNotFoundError", "message": "Workspace could not be found"}}
            rows = self.system_rows if "ContainerAppSystemLogs" in body["query"] else self.console_rows
            ordered = sorted(rows, key=lambda r: str(r.get("TimeGenerated", "")), reverse=True)
            columns = _columns(ordered)
            return 200, {"tables": [{"name": "PrimaryResult", "columns": columns, "rows": [[row.get(c["name"]) for c in columns] for row in ordered]}]}
        if path == ENVIRONMENT:
            return 200, {"id": ENVIRONMENT, "name": "shop-env", "type": "Microsoft.App/managedEnvironments", "properties": {"appLogsConfiguration": {"destination": "log-analytics", "logAnalyticsConfiguration": {"customerId": WORKSPACE}}}}
        job_path = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.App/jobs/{self.job['name']}" if self.job else None
        if job_path is not None and path.startswith(job_path):
            rest = path.removeprefix(job_path)
            if rest == "":
                return 200, self.job
            if rest == "/executions":
                return 200, self._page(self.executions, path, query)
            if rest == "/providers/Microsoft.Insights/metrics":
                return 200, self.metrics
            return 404, not_found
        if self.app is None or not path.startswith(self.app_path):
            return 404, not_found
        rest = path.removeprefix(self.app_path)
        if rest == "":
            return 200, self.app
        if rest == "/revisions":
            return 200, self._page(self.revisions, path, query)
        if re.fullmatch(r"/revisions/[^/]+/replicas", rest):
            revision = rest.split("/")[2]
            return 200, self._page([r for r in self.replicas if f"/revisions/{revision}/" in r.get("id", "")], path, query)
        if rest == "/providers/Microsoft.Insights/metrics":
            return 200, self.metrics
        return 404, not_found
