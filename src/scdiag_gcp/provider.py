"""Live diagnosis of a Cloud Run service: the Admin API v2, Cloud Logging and Cloud Monitoring.

Every call goes through :func:`scdiag.cloudcall.cloud_call` with the SDKs' own
retries off and a timeout bounded by the collection deadline. The clients
speak REST (HTTP/1.1 JSON), so the endpoints can be overridden (private
endpoints, VPC Service Controls, loopback tests) by
``SCDIAG_GCP_{RUN,LOGGING,MONITORING}_ENDPOINT`` or
``providers.gcp.endpoints``. Responses are turned back into the API's JSON
and handed to :mod:`scdiag_gcp.normalize`, the normaliser the capture readers
use, so a live service and a capture of it give the same facts.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar

from scdiag.deadline import run_with_deadline
from scdiag.cache import file_fingerprint
from scdiag.cloudcall import CloudOperation, cloud_call
from scdiag.config import DiagnosticsConfig
from scdiag.errors import AccessDeniedError, InvalidRequestError
from scdiag.models import DiagnosticRequest, EventData, GapKind, LogData, LogEntry, MetricData, ServiceStatus, SourceLocation
from scdiag.ports import CollectionScope

from scdiag_gcp import _errors, normalize

__all__ = ["CloudRunProvider"]

_CALL_TIMEOUT = 15.0
_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_DEFAULT_ENDPOINTS = {"run": "https://run.googleapis.com", "logging": "https://logging.googleapis.com", "monitoring": "https://monitoring.googleapis.com"}
_PAGE = 1000
"""Cloud Logging's largest page."""
_METRICS = {
    "run.googleapis.com/container/memory/utilizations": "ALIGN_PERCENTILE_99",
    "run.googleapis.com/container/cpu/utilizations": "ALIGN_PERCENTILE_99",
    "run.googleapis.com/container/instance_count": "ALIGN_MAX",
}
_ROLE = {
    "run.services.get": "roles/run.viewer",
    "run.jobs.get": "roles/run.viewer",
    "run.executions.get": "roles/run.viewer",
    "run.tasks.list": "roles/run.viewer",
    "run.revisions.get": "roles/run.viewer",
    "logging.logEntries.list": "roles/logging.viewer",
    "monitoring.timeSeries.list": "roles/monitoring.viewer",
}


def _rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _quoted(value: str) -> str:
    return json.dumps(value)


class CloudRunProvider:
    """Implements :class:`scdiag.ports.DiagnosticProvider` for Cloud Run services.

    Args:
        config: the diagnostics configuration (``providers.gcp``).
        credentials: ready ``google.auth`` credentials (tests pass anonymous
            ones); Application Default Credentials otherwise.
    """

    name: ClassVar[str] = "gcp"

    def __init__(self, config: DiagnosticsConfig, credentials: Any = None) -> None:
        self._config = config
        self._credentials = credentials
        self._default_project: str | None = None
        self._lock = threading.Lock()
        self._run_clients: tuple[Any, Any] | None = None
        self._job_clients: tuple[Any, Any, Any] | None = None
        self._api_session: Any = None
        self._logging_clients: dict[str, Any] = {}

    # -- plumbing -------------------------------------------------------------

    def _endpoint(self, api: str) -> str:
        configured = getattr(self._config.providers.gcp.endpoints, api)
        return (os.environ.get(f"SCDIAG_GCP_{api.upper()}_ENDPOINT") or configured or _DEFAULT_ENDPOINTS[api]).rstrip("/")

    def _creds(self) -> Any:
        with self._lock:
            if self._credentials is None:
                import google.auth
                from google.auth.exceptions import DefaultCredentialsError

                try:
                    self._credentials, self._default_project = google.auth.default(scopes=[_SCOPE])
                except DefaultCredentialsError:
                    raise AccessDeniedError(
                        "no Google credentials found: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key",
                        provider="gcp",
                        operation="google.auth.default",
                    ) from None
            return self._credentials

    def _project(self, request: DiagnosticRequest) -> str:
        self._creds()
        project = request.context.options.get("project") or next(iter(self._config.providers.gcp.projects), None) or self._default_project
        if not project:
            raise InvalidRequestError("no Google Cloud project: pass --project (or set providers.gcp.projects)", provider="gcp", operation="project")
        return str(project)

    def _region(self, request: DiagnosticRequest) -> str:
        region = request.region or next(iter(self._config.providers.gcp.regions), None)
        if not region:
            raise InvalidRequestError("no Cloud Run region: pass --region (or set providers.gcp.regions)", provider="gcp", operation="region")
        return region

    def _service_path(self, request: DiagnosticRequest) -> str:
        if "cloud-run" not in self._config.providers.gcp.services:
            raise InvalidRequestError("providers.gcp.services does not include cloud-run, the only kind this provider reads", provider="gcp", operation="config")
        return f"projects/{self._project(request)}/locations/{self._region(request)}/services/{request.service_name}"

    def _call(self, scope: CollectionScope, service: str, method: str, permission: str, fn: Callable[[float], Any]) -> Any:
        """One API call: a timeout within the deadline, retries and a span from cloud_call."""
        op = CloudOperation(provider="gcp", service=service, method=method, region=scope.request.region, target=scope.request.service_name)
        needs = f"{permission} ({_ROLE[permission]})" if permission in _ROLE else permission

        def attempt() -> Any:
            return fn(max(0.5, min(_CALL_TIMEOUT, scope.deadline.remaining())))

        return cloud_call(op, attempt, classify=lambda e: _errors.classify(e, operation=op.name, permission=needs), deadline=scope.deadline)

    def _session(self, bound: Callable[[], float], *, authorised: bool = True) -> Any:
        """A requests session (authorised, unless asked not to) whose every request, token refresh included, ends in time."""
        import requests
        from google.auth.transport import requests as google_requests

        class Bounded(requests.adapters.HTTPAdapter):
            # The clients pass their own timeouts (Logging 60 s, a token refresh 120 s): the deadline wins.
            def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
                kwargs["timeout"] = bound()
                return super().send(request, *args, **kwargs)

        def mounted(session: Any) -> Any:
            for scheme in ("http://", "https://"):
                session.mount(scheme, Bounded())
            return session

        plain = mounted(requests.Session())
        if not authorised:
            return plain
        session_class: Any = google_requests.AuthorizedSession
        return mounted(session_class(self._creds(), auth_request=google_requests.Request(session=plain)))

    def _shared_session(self) -> Any:
        """One authorised session for Logging and Monitoring, kept across collections.

        Each call passes its own timeout within the deadline; the bound here
        only caps what a call does not time itself (a token refresh, already
        done within the request's timeout by :meth:`validate_credentials`).
        """
        session = self._session(lambda: _CALL_TIMEOUT) if self._api_session is None else None
        with self._lock:
            if self._api_session is None:
                self._api_session = session
            return self._api_session

    def _logging_client(self, project: str) -> Any:
        session = self._shared_session()
        with self._lock:
            if project not in self._logging_clients:
                from google.cloud import logging as cloud_logging

                client_class: Any = cloud_logging.Client
                self._logging_clients[project] = client_class(project=project, credentials=self._credentials, _http=session, _use_grpc=False, client_options={"api_endpoint": self._endpoint("logging")})
            return self._logging_clients[project]

    def cache_identity(self, request: DiagnosticRequest) -> Mapping[str, str]:
        """The project and credentials file the request would use, and the endpoints it would call."""
        environ = os.environ
        return {
            "project": request.context.options.get("project") or environ.get("CLOUDSDK_CORE_PROJECT") or environ.get("GOOGLE_CLOUD_PROJECT") or ",".join(self._config.providers.gcp.projects),
            "credentials": file_fingerprint(environ.get("GOOGLE_APPLICATION_CREDENTIALS") or os.path.expanduser("~/.config/gcloud/application_default_credentials.json")),
            "endpoints": ",".join(self._endpoint(api) for api in sorted(_DEFAULT_ENDPOINTS)),
        }

    def _run_v2(self, *names: str) -> tuple[Any, ...]:
        """Admin API v2 clients of the named classes, on the REST transport and the configured endpoint."""
        from google.api_core.client_options import ClientOptions
        from google.cloud import run_v2

        options = ClientOptions(api_endpoint=self._endpoint("run"))
        return tuple(getattr(run_v2, name)(credentials=self._credentials, transport="rest", client_options=options) for name in names)

    def _clients(self) -> tuple[Any, Any]:
        with self._lock:
            if self._run_clients is None:
                services, revisions = self._run_v2("ServicesClient", "RevisionsClient")
                self._run_clients = (services, revisions)
            return self._run_clients

    def _jobs(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._job_clients is None:
                jobs, executions, tasks = self._run_v2("JobsClient", "ExecutionsClient", "TasksClient")
                self._job_clients = (jobs, executions, tasks)
            return self._job_clients

    @staticmethod
    def _job_name(request: DiagnosticRequest) -> str | None:
        job = request.context.options.get("job")
        return str(job) if job else None

    def _job_status(self, scope: CollectionScope, job_name: str) -> ServiceStatus:
        """The job, its latest execution (or --deployment-id) and that execution's tasks."""
        from google.cloud import run_v2

        jobs, executions, tasks = self._jobs()
        request = scope.request
        path = f"projects/{self._project(request)}/locations/{self._region(request)}/jobs/{job_name}"
        job = self._call(scope, "CloudRun", "GetJob", "run.jobs.get", lambda t: jobs.get_job(name=path, retry=None, timeout=t))
        job_body: dict[str, Any] = json.loads(run_v2.Job.to_json(job, use_integers_for_enums=False))
        latest = request.deployment_id or str((job_body.get("latestCreatedExecution") or {}).get("name") or "")
        if not latest:
            return normalize.v2_job_status(job_body)
        execution_path = latest if "/" in latest else f"{path}/executions/{latest}"
        execution = self._call(scope, "CloudRun", "GetExecution", "run.executions.get", lambda t: executions.get_execution(name=execution_path, retry=None, timeout=t))
        execution_body: dict[str, Any] = json.loads(run_v2.Execution.to_json(execution, use_integers_for_enums=False))
        task_bodies: list[dict[str, Any]] = []
        token = ""
        while True:
            # One page per call: the pager's own iteration would hide a failed page from cloud_call.
            def page(timeout: float, token: str = token) -> tuple[list[dict[str, Any]], str]:
                pager = tasks.list_tasks(request={"parent": execution_path, "page_size": 500, "page_token": token}, retry=None, timeout=timeout)
                return [json.loads(run_v2.Task.to_json(t, use_integers_for_enums=False)) for t in pager.tasks], str(pager.next_page_token or "")

            items, token = self._call(scope, "CloudRun", "ListTasks", "run.tasks.list", page)
            task_bodies.extend(items)
            if not token:
                break
        return normalize.v2_job_status(job_body, [execution_body], task_bodies)

    # -- the port ---------------------------------------------------------------

    def validate_credentials(self, request: DiagnosticRequest) -> None:
        """Find the credentials and the project, and get an access token."""
        from scdiag.deadline import Deadline

        # The budget starts now, with the caller's: loading google-auth and the key counts against it.
        budget = request.timeout or self._config.collection.timeout
        deadline = Deadline.after(min(budget.total_seconds(), 30.0))
        from google.auth.transport.requests import Request

        credentials = self._creds()
        self._service_path(request)
        if credentials.valid:
            return
        session = self._session(lambda: max(0.5, min(_CALL_TIMEOUT, deadline.remaining())), authorised=False)
        op = CloudOperation(provider="gcp", service="OAuth2", method="token", target=request.service_name)
        cloud_call(op, lambda: credentials.refresh(Request(session=session)), classify=lambda e: _errors.classify(e, operation="OAuth2 token request", permission="a valid login"), deadline=deadline)

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """The service, its latest created revision and the revisions that serve (or, with --job, the job)."""
        from google.cloud import run_v2

        job_name = self._job_name(scope.request)
        if job_name:
            return self._job_status(scope, job_name)

        services, revisions = self._clients()
        path = self._service_path(scope.request)
        service = self._call(scope, "CloudRun", "GetService", "run.services.get", lambda t: services.get_service(name=path, retry=None, timeout=t))
        body: dict[str, Any] = json.loads(run_v2.Service.to_json(service, use_integers_for_enums=False))
        names = [body.get("latestCreatedRevision"), body.get("latestReadyRevision"), *(t.get("revision") for t in body.get("trafficStatuses", []))]
        wanted = [n if "/" in n else f"{path}/revisions/{n}" for n in dict.fromkeys(n for n in names if isinstance(n, str) and n)]

        def read(name: str) -> Callable[[], dict[str, Any]]:
            def get() -> dict[str, Any]:
                revision = self._call(scope, "CloudRun", "GetRevision", "run.revisions.get", lambda t: revisions.get_revision(name=name, retry=None, timeout=t))
                result: dict[str, Any] = json.loads(run_v2.Revision.to_json(revision, use_integers_for_enums=False))
                return result

            return get

        # The revisions depend on the service only, not on each other: one round trip for all.
        outcomes = run_with_deadline({name: read(name) for name in wanted}, scope.deadline)
        found = []
        for name, outcome in outcomes.items():
            if isinstance(outcome.value, dict):
                found.append(outcome.value)
            else:
                reason = "no answer before the deadline" if outcome.timed_out else str(outcome.error)
                kind = GapKind.ACCESS_DENIED if isinstance(outcome.error, AccessDeniedError) else GapKind.TIMED_OUT if outcome.timed_out else GapKind.FAILED
                scope.gaps.record(f"status:{name.rsplit('/', 1)[-1]}", kind, reason, "gcp")
        status = normalize.v2_service_status(body, found)
        return status

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """Cloud Run has no event API of its own.

        What Kubernetes or ECS keep as events (a revision failing, an instance
        killed, a health check failing) Cloud Run writes as system and audit
        log entries, which :meth:`collect_logs` reads, as the capture of
        ``gcloud logging read`` does.
        """
        return ()

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """The service's log entries in the window, newest first, up to ``collection.log_lines_limit``."""
        request = scope.request
        project = self._project(request)
        client = self._logging_client(project)
        job_name = self._job_name(request)
        terms = [
            'resource.type="cloud_run_job"' if job_name else 'resource.type=("cloud_run_revision" OR "cloud_run_service")',
            f"resource.labels.job_name={_quoted(job_name)}" if job_name else f"resource.labels.service_name={_quoted(request.service_name)}",
            f"resource.labels.location={_quoted(self._region(request))}",
            f'timestamp>="{_rfc3339(scope.window_start)}"',
            f'timestamp<="{_rfc3339(scope.window_end)}"',
        ]
        if request.deployment_id:
            label = 'labels."run.googleapis.com/execution_name"' if job_name else "resource.labels.revision_name"
            terms.append(f"{label}={_quoted(request.deployment_id)}")
        query = " AND ".join(terms)
        limit = max(1, scope.log_lines_limit)
        entries: list[dict[str, Any]] = []
        token: str | None = None
        while len(entries) < limit:
            size = min(_PAGE, limit - len(entries))

            body: dict[str, Any] = {"resourceNames": [f"projects/{project}"], "filter": query, "orderBy": "timestamp desc", "pageSize": size}
            if token:
                body["pageToken"] = token

            def page(timeout: float, body: dict[str, Any] = body) -> tuple[list[dict[str, Any]], str | None]:
                # The connection, not list_entries: its generator hides the page token (a failed
                # page could not be retried alone) and turns raw JSON into objects and back.
                reply: dict[str, Any] = client._connection.api_request(method="POST", path="/entries:list", data=body, timeout=timeout)
                items = [e for e in reply.get("entries", []) if isinstance(e, dict)]
                return items, reply.get("nextPageToken") or None

            items, token = self._call(scope, "CloudLogging", "ListLogEntries", "logging.logEntries.list", page)
            entries.extend(items[: limit - len(entries)])
            if not token:
                break
        return _log_data(entries)

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """Memory and CPU utilisation (99th percentile) and instance count, per revision."""
        request = scope.request
        project = self._project(request)
        base = f"{self._endpoint('monitoring')}/v3/projects/{project}/timeSeries"
        period = f"{max(60, int(scope.metric_resolution.total_seconds()))}s"
        session = self._shared_session()

        def series(metric: str, aligner: str) -> Callable[[], list[dict[str, Any]]]:
            def fetch() -> list[dict[str, Any]]:
                from google.api_core import exceptions

                from_http_response: Any = exceptions.from_http_response

                found: list[dict[str, Any]] = []
                token = ""
                while True:
                    job_name = self._job_name(request)
                    resource = f"resource.labels.job_name={_quoted(job_name)}" if job_name else f"resource.labels.service_name={_quoted(request.service_name)}"
                    params = {
                        "filter": f"metric.type={_quoted(metric)} AND {resource}",
                        "interval.startTime": _rfc3339(scope.window_start),
                        "interval.endTime": _rfc3339(scope.window_end),
                        "aggregation.alignmentPeriod": period,
                        "aggregation.perSeriesAligner": aligner,
                        "pageToken": token,
                    }

                    def get(timeout: float, params: dict[str, str] = params) -> dict[str, Any]:
                        response = session.get(base, params=params, timeout=timeout)
                        if response.status_code >= 400:
                            raise from_http_response(response)
                        body: dict[str, Any] = response.json()
                        return body

                    body = self._call(scope, "CloudMonitoring", "ListTimeSeries", "monitoring.timeSeries.list", get)
                    found.extend(s for s in body.get("timeSeries", []) if isinstance(s, dict))
                    token = str(body.get("nextPageToken") or "")
                    if not token:
                        return found

            return fetch

        outcomes = run_with_deadline({metric: series(metric, aligner) for metric, aligner in _METRICS.items()}, scope.deadline)
        denied = next((o.error for o in outcomes.values() if isinstance(o.error, AccessDeniedError)), None)
        if denied is not None:
            raise denied  # one missing permission: the whole source is the gap, naming it
        points = []
        for metric, outcome in outcomes.items():
            if isinstance(outcome.value, list):
                points.extend(normalize.metric_points(outcome.value))
            else:
                reason = "no answer before the deadline" if outcome.timed_out else str(outcome.error)
                scope.gaps.record(f"metrics:{metric.rsplit('/', 2)[-2]}", GapKind.TIMED_OUT if outcome.timed_out else GapKind.FAILED, reason, "gcp")
        return [MetricData(source="cloud-monitoring", points=tuple(points))]


def _log_data(entries: list[dict[str, Any]]) -> list[LogData]:
    """Entries (newest first) as one LogData per source, oldest first like a capture."""
    grouped: dict[str, list[LogEntry]] = {}
    for entry in reversed(entries):
        try:
            log, _system = normalize.log_entry(entry, SourceLocation("logging.entries.list"))
        except (TypeError, ValueError, AttributeError):
            continue  # a malformed entry costs that entry
        grouped.setdefault(log.attributes["source"], []).append(log)
    return [LogData(source=source, entries=tuple(logs), total_lines=len(logs)) for source, logs in grouped.items()]
