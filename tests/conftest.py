"""Fixtures shared by every test: no developer cloud configuration, spans in memory."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_EXPORTER = InMemorySpanExporter()
_PROVIDER = TracerProvider()
_PROVIDER.add_span_processor(SimpleSpanProcessor(_EXPORTER))
trace.set_tracer_provider(_PROVIDER)

_EXIT_STATUS = {"code": 0}

_CLOUD_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "KUBECONFIG",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "SCDIAG_GCP_RUN_ENDPOINT",
    "SCDIAG_GCP_LOGGING_ENDPOINT",
    "SCDIAG_GCP_MONITORING_ENDPOINT",
    "CLOUDSDK_CONFIG",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_AUTHORITY_HOST",
    "AZURE_FEDERATED_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
    "SCDIAG_AZURE_ARM_ENDPOINT",
    "SCDIAG_AZURE_LOGS_ENDPOINT",
    "SCDIAG_AZURE_METRICS_ENDPOINT",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "SCDIAG_DISABLE_PLUGINS",
    "NO_COLOR",
)


@pytest.fixture(autouse=True)
def _no_cloud_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in _CLOUD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Each test gets its own diagnostic cache, never the developer's.
    monkeypatch.setenv("SCDIAG_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(name="spans")
def _spans() -> Iterator[InMemorySpanExporter]:
    """Spans finished during the test."""
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave as the command does when abandoned work outlives the run (see ``scdiag.cli.run``)."""
    from scdiag.deadline import unfinished_work

    left = unfinished_work(wait=10.0)
    if left:
        print(f"\nabandoned work still running at exit: {', '.join(left)}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS["code"])
