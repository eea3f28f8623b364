"""Live diagnosis of a Container App: Azure Resource Manager and Log Analytics.

ARM (the app, its revisions, the latest revision's replicas, the managed
environment, and the app's platform metrics) is read as REST through
azure-core's pipeline; the system and console logs through azure-monitor-query's
``LogsQueryClient``. azure-core's own retries are off: every call goes through
:func:`scdiag.cloudcall.cloud_call`, with connection and read timeouts bounded
by the collection deadline. The JSON is what ``az containerapp show``,
``revision list``, ``replica list`` and ``az monitor metrics list`` print, so
live data and captures go through one normaliser, :mod:`scdiag_azure.normalize`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import quote, urlparse

from scdiag.deadline import run_with_deadline
from scdiag.captures.collector import merge_status
from scdiag.cache import file_fingerprint
from scdiag.cloudcall import CloudOperation, cloud_call
from scdiag.config import DiagnosticsConfig
from scdiag.deadline import Deadline
from scdiag.errors import AccessDeniedError, CloudError, InvalidRequestError, TransientCloudError
from scdiag.models import DiagnosticEvent, DiagnosticRequest, EventData, GapKind, LogData, LogEntry, MetricData, ServiceStatus, SourceLocation
from scdiag.ports import CollectionScope

from scdiag_azure import _errors, normalize

__all__ = ["ContainerAppsProvider"]

_CALL_TIMEOUT = 20.0
_API_VERSION = "2024-03-01"
_METRICS_API_VERSION = "2023-10-01"
_DEFAULT_ENDPOINTS = {"arm": "https://management.azure.com", "logs": "https://api.loganalytics.io", "metrics": "https://management.azure.com"}
_PUBLIC_AUTHORITIES = frozenset({"login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us"})
_METRICS = "WorkingSetBytes,CpuUsageNanoCores,RestartCount,Replicas"
_APP_READ = "Microsoft.App/containerApps/read (the Reader role on the app)"
_LOGS_READ = "Microsoft.OperationalInsights/workspaces/query/read (the Log Analytics Reader role on the workspace)"
_METRICS_READ = "Microsoft.Insights/metrics/read (the Monitoring Reader role on the app)"
_ENV_READ = "Microsoft.App/managedEnvironments/read (the Reader role on the environment), or pass --workspace"

# Both generations of the tables, whichever the workspace has (isfuzzy: a missing one is no error).
_QUERY = """union isfuzzy=true {classic}, {current}
| where TimeGenerated between (datetime({start}) .. datetime({end}))
| where column_ifexists("{owner[0]}", "") == "{app}" or column_ifexists("{owner[1]}", "") == "{app}"{revision}
| order by TimeGenerated desc
| take {limit}"""


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _kql_string(value: str) -> str:
    # KQL strings in double quotes escape backslash and quote; names never need more.
    return value.replace("\\", "\\\\").replace('"', '\\"')


class ContainerAppsProvider:
    """Implements :class:`scdiag.ports.DiagnosticProvider` for Azure Container Apps.

    Args:
        config: the diagnostics configuration (``providers.azure``).
        credential: an azure-core ``TokenCredential`` (tests pass one);
            azure-identity's ``DefaultAzureCredential`` otherwise.
    """

    name: ClassVar[str] = "azure"

    def __init__(self, config: DiagnosticsConfig, credential: Any = None) -> None:
        self._config = config
        self._credential = credential
        self._lock = threading.Lock()
        self._arm_client: Any = None
        self._logs_client: Any = None
        self._memo: tuple[CollectionScope, dict[str, Any]] | None = None
        self._memo_lock = threading.RLock()  # the workspace lookup reads the app under it

    # -- plumbing -------------------------------------------------------------

    def _endpoint(self, api: str) -> str:
        configured = getattr(self._config.providers.azure.endpoints, api)
        return (os.environ.get(f"SCDIAG_AZURE_{api.upper()}_ENDPOINT") or configured or _DEFAULT_ENDPOINTS[api]).rstrip("/")

    def cache_identity(self, request: DiagnosticRequest) -> Mapping[str, str]:
        """The tenant, client and subscription the credential chain would use, the Azure CLI's login, and the endpoints."""
        environ = os.environ
        options = request.context.options
        return {
            "subscription": options.get("subscription") or environ.get("AZURE_SUBSCRIPTION_ID") or ",".join(self._config.providers.azure.subscriptions),
            "tenant": environ.get("AZURE_TENANT_ID", ""),
            "client": environ.get("AZURE_CLIENT_ID", ""),
            "cli-login": file_fingerprint(os.path.join(environ.get("AZURE_CONFIG_DIR") or os.path.expanduser("~/.azure"), "azureProfile.json")),
            "endpoints": ",".join(self._endpoint(api) for api in sorted(_DEFAULT_ENDPOINTS)),
        }

    def _cred(self) -> Any:
        with self._lock:
            if self._credential is None:
                from azure.identity import DefaultAzureCredential

                # Instance discovery asks the public cloud about the authority: a private one (Azure
                # Stack, a proxy) named by AZURE_AUTHORITY_HOST would fail it, so it is skipped there.
                authority = urlparse(os.environ.get("AZURE_AUTHORITY_HOST") or "https://login.microsoftonline.com").hostname or ""
                self._credential = DefaultAzureCredential(exclude_interactive_browser_credential=True, disable_instance_discovery=authority not in _PUBLIC_AUTHORITIES)
            return self._credential

    @staticmethod
    def _option(request: DiagnosticRequest, flag: str, configured: tuple[str, ...], key: str) -> str:
        value = request.context.options.get(flag) or next(iter(configured), None)
        if not value:
            raise InvalidRequestError(f"no {flag.replace('-', ' ')}: pass --{flag} (or set providers.azure.{key})", provider="azure", operation=flag)
        return str(value)

    @staticmethod
    def _job_name(request: DiagnosticRequest) -> str | None:
        job = request.context.options.get("job")
        return str(job) if job else None

    def _app_path(self, request: DiagnosticRequest) -> str:
        """The app's ARM id, or the job's with --job."""
        azure = self._config.providers.azure
        subscription = self._option(request, "subscription", azure.subscriptions, "subscriptions")
        group = self._option(request, "resource-group", azure.resource_groups, "resource_groups")
        job = self._job_name(request)
        kind, name = ("jobs", job) if job else ("containerApps", request.service_name)
        return f"/subscriptions/{quote(subscription)}/resourceGroups/{quote(group)}/providers/Microsoft.App/{kind}/{quote(name)}"

    def _call(self, scope: CollectionScope, service: str, method: str, permission: str, fn: Callable[[float], Any]) -> Any:
        """One API call: timeouts within the deadline, retries and a span from cloud_call."""
        op = CloudOperation(provider="azure", service=service, method=method, region=scope.request.region, target=scope.request.service_name)

        def attempt() -> Any:
            return fn(max(0.5, min(_CALL_TIMEOUT, scope.deadline.remaining())))

        return cloud_call(op, attempt, classify=lambda e: _errors.classify(e, operation=op.name, permission=permission), deadline=scope.deadline)

    def _arm(self) -> Any:
        with self._lock:
            if self._arm_client is None:
                from azure.core import PipelineClient
                from azure.core.pipeline import policies

                arm = self._endpoint("arm")
                scope = "https://management.azure.com/.default" if arm == _DEFAULT_ENDPOINTS["arm"] else f"{arm}/.default"
                self._arm_client = PipelineClient(
                    base_url=arm,
                    policies=[policies.HeadersPolicy(), policies.UserAgentPolicy("scdiag"), policies.BearerTokenCredentialPolicy(self._credential, scope), policies.NetworkTraceLoggingPolicy()],
                )
            return self._arm_client

    def _get(self, scope: CollectionScope, method: str, permission: str, url: str) -> dict[str, Any]:
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        self._cred()
        client = self._arm()

        absolute = url if "://" in url else f"{self._endpoint('arm')}{url}"

        def fetch(timeout: float) -> dict[str, Any]:
            response = client.send_request(HttpRequest("GET", absolute), connection_timeout=min(5.0, timeout), read_timeout=timeout)
            if response.status_code >= 400:
                raise HttpResponseError(response=response)
            body: dict[str, Any] = response.json()
            return body

        result: dict[str, Any] = self._call(scope, "ARM", method, permission, fetch)
        return result

    def _list(self, scope: CollectionScope, method: str, permission: str, url: str) -> list[dict[str, Any]]:
        """Every item of an ARM list, following nextLink (one cloud_call per page)."""
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            page = self._get(scope, method, permission, next_url)
            items.extend(i for i in page.get("value", []) if isinstance(i, dict))
            link = page.get("nextLink")
            next_url = str(link) if link else None
        return items

    def _once(self, scope: CollectionScope, key: str, fetch: Callable[[], Any]) -> Any:
        """``fetch()`` once per collection: the app and its workspace serve several sources."""
        with self._memo_lock:
            if self._memo is None or self._memo[0] is not scope:
                self._memo = (scope, {})
            memo = self._memo[1]
            if key not in memo:
                memo[key] = fetch()
            return memo[key]

    def _app(self, scope: CollectionScope) -> dict[str, Any]:
        method = "GetJob" if self._job_name(scope.request) else "GetContainerApp"
        app: dict[str, Any] = self._once(scope, "app", lambda: self._get(scope, method, _APP_READ, f"{self._app_path(scope.request)}?api-version={_API_VERSION}"))
        return app

    # -- the port ---------------------------------------------------------------

    def validate_credentials(self, request: DiagnosticRequest) -> None:
        """Check the coordinates and get an ARM token, within the request's timeout."""
        self._app_path(request)
        credential = self._cred()
        arm = self._endpoint("arm")
        token_scope = "https://management.azure.com/.default" if arm == _DEFAULT_ENDPOINTS["arm"] else f"{arm}/.default"
        budget = request.timeout or self._config.collection.timeout
        deadline = Deadline.after(min(budget.total_seconds(), 30.0))
        op = CloudOperation(provider="azure", service="Identity", method="get_token", target=request.service_name)

        def token() -> None:
            # A credential chain can hang (a silent metadata endpoint, a stuck az): the deadline cuts it.
            outcome = run_with_deadline({"token": lambda: credential.get_token(token_scope)}, deadline)["token"]
            if outcome.timed_out:
                raise TransientCloudError("Identity.get_token: no Azure token before the deadline", provider="azure", operation="Identity.get_token")
            if outcome.error is not None:
                raise outcome.error

        cloud_call(op, token, classify=lambda e: _errors.classify(e, operation="Identity.get_token", permission="a working login (az login, or AZURE_CLIENT_ID and a secret)"), deadline=deadline)

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """The app, its revisions, and the replicas of its latest revision (with --job: the job and its executions)."""
        app = self._app(scope)
        path = self._app_path(scope.request)
        if self._job_name(scope.request):
            executions = self._list(scope, "ListJobExecutions", _APP_READ, f"{path}/executions?api-version={_API_VERSION}")
            return normalize.job_status(app, executions)
        latest = str((app.get("properties") or {}).get("latestRevisionName") or "")
        tasks: dict[str, Callable[[], Any]] = {"revisions": lambda: self._list(scope, "ListRevisions", _APP_READ, f"{path}/revisions?api-version={_API_VERSION}")}
        if latest:
            tasks["replicas"] = lambda: self._list(scope, "ListReplicas", _APP_READ, f"{path}/revisions/{quote(latest)}/replicas?api-version={_API_VERSION}")
        outcomes = run_with_deadline(tasks, scope.deadline)
        fragments = [normalize.app_status(app)]
        for name, outcome in outcomes.items():
            if outcome.value is None:
                reason = "no answer before the deadline" if outcome.timed_out else str(outcome.error)
                kind = GapKind.TIMED_OUT if outcome.timed_out else GapKind.ACCESS_DENIED if isinstance(outcome.error, AccessDeniedError) else GapKind.FAILED
                scope.gaps.record(f"status:{name}", kind, reason, "azure")
        revisions = outcomes["revisions"].value or []
        if revisions:
            newest = max(str((r.get("properties") or {}).get("createdTime", "")) for r in revisions)
            fragments.append(ServiceStatus(name="", rollouts=tuple(normalize.revision_rollout(r, str((r.get("properties") or {}).get("createdTime", "")) == newest) for r in revisions)))
        replicas = outcomes["replicas"].value if "replicas" in outcomes else None
        if replicas:
            fragments.append(ServiceStatus(name="", instances=tuple(normalize.replica_instance(r, latest) for r in replicas)))
        status = merge_status(fragments)
        assert status is not None  # the app's own fragment is always there
        return status

    def _workspace(self, scope: CollectionScope) -> str:
        workspace: str = self._once(scope, "workspace", lambda: self._find_workspace(scope))
        return workspace

    def _find_workspace(self, scope: CollectionScope) -> str:
        option = scope.request.context.options.get("workspace") or next(iter(self._config.providers.azure.workspaces), None)
        if option:
            return str(option)
        properties = self._app(scope).get("properties") or {}
        environment = properties.get("managedEnvironmentId") or properties.get("environmentId")
        if not environment:
            raise InvalidRequestError("the app names no managed environment to find its Log Analytics workspace in: pass --workspace", provider="azure", operation="workspace")
        found = normalize.workspace_of(self._get(scope, "GetManagedEnvironment", _ENV_READ, f"{environment}?api-version={_API_VERSION}"))
        if not found:
            raise InvalidRequestError("the managed environment sends its logs to no Log Analytics workspace (appLogsConfiguration): logs cannot be queried", provider="azure", operation="workspace")
        return found

    def _rows(self, scope: CollectionScope, classic: str, current: str) -> list[dict[str, Any]]:
        from azure.monitor.query import LogsQueryPartialResult

        request = scope.request
        workspace = self._workspace(scope)
        job = self._job_name(request)
        # A job's lines carry the job's name (and the execution in the replica's group name), not an app's.
        owner = ("ContainerJobName_s", "JobName") if job else ("ContainerAppName_s", "ContainerAppName")
        narrower = ("ContainerGroupName_s", "ReplicaName") if job else ("RevisionName_s", "RevisionName")
        revision = ""
        if request.deployment_id:
            value = _kql_string(request.deployment_id)
            test = "startswith" if job else "=="
            revision = f'\n| where column_ifexists("{narrower[0]}", "") {test} "{value}" or column_ifexists("{narrower[1]}", "") {test} "{value}"'
        query = _QUERY.format(classic=classic, current=current, start=_iso(scope.window_start), end=_iso(scope.window_end), owner=owner, app=_kql_string(job or request.service_name), revision=revision, limit=max(1, scope.log_lines_limit))
        client = self._logs()

        def run(timeout: float) -> Any:
            return client.query_workspace(workspace, query, timespan=(scope.window_start, scope.window_end), server_timeout=int(max(1, timeout)), connection_timeout=min(5.0, timeout), read_timeout=timeout)

        result = self._call(scope, "LogAnalytics", "QueryWorkspace", _LOGS_READ, run)
        tables = result.tables
        if isinstance(result, LogsQueryPartialResult):
            tables = result.partial_data
            scope.gaps.record(f"logs:{current}", GapKind.FAILED, f"Log Analytics returned a partial result (kept): {result.partial_error}", "azure")
        rows: list[dict[str, Any]] = []
        for table in tables or []:
            columns = list(table.columns)
            rows.extend(dict(zip(columns, row)) for row in table.rows)
        rows.reverse()  # oldest first, as a capture reads
        return rows

    def _logs(self) -> Any:
        with self._lock:
            if self._logs_client is None:
                from azure.monitor.query import LogsQueryClient

                logs = self._endpoint("logs")
                audience = "https://api.loganalytics.io" if logs == _DEFAULT_ENDPOINTS["logs"] else logs
                self._logs_client = LogsQueryClient(self._credential, endpoint=f"{logs}/v1", audience=audience, retry_total=0)
            return self._logs_client

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """System logs (pulls, probes, crashes, provisioning) as platform events."""
        self._cred()
        rows = self._rows(scope, "ContainerAppSystemLogs_CL", "ContainerAppSystemLogs")
        events: list[DiagnosticEvent] = []
        for row in rows:
            try:
                events.append(normalize.row_event(row, SourceLocation("loganalytics.query")))
            except (TypeError, ValueError):
                continue  # a malformed row costs that row
        return [EventData(source="azure-system", events=tuple(events))]

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """Console logs (stdout and stderr of the containers)."""
        self._cred()
        rows = self._rows(scope, "ContainerAppConsoleLogs_CL", "ContainerAppConsoleLogs")
        entries: list[LogEntry] = []
        for row in rows:
            try:
                entries.append(normalize.row_log(row, SourceLocation("loganalytics.query")))
            except (TypeError, ValueError):
                continue
        return [LogData(source="azure-console", entries=tuple(entries), total_lines=len(entries))]

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """WorkingSetBytes, CpuUsageNanoCores, RestartCount and Replicas of the app (Azure Monitor, through ARM)."""
        self._cred()
        interval = max(60, int(scope.metric_resolution.total_seconds()))
        url = (
            f"{self._endpoint('metrics')}{self._app_path(scope.request)}/providers/Microsoft.Insights/metrics?api-version={_METRICS_API_VERSION}"
            f"&metricnames={_METRICS}&aggregation=Maximum,Average&interval=PT{interval // 60}M"
            f"&timespan={quote(_iso(scope.window_start))}/{quote(_iso(scope.window_end))}"
        )
        try:
            response = self._get(scope, "ListMetrics", _METRICS_READ, url)
        except CloudError as error:
            if isinstance(error, AccessDeniedError):
                raise
            scope.gaps.record("metrics", GapKind.UNAVAILABLE if error.status == 404 else GapKind.FAILED, str(error), "azure")
            return []
        return [MetricData(source="azure-metrics", points=tuple(normalize.metric_points(response)))]
