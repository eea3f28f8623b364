"""Results every format is tested on: failed, healthy, with data gaps, and hostile."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import attrs
import pytest

import scdiag
from scdiag.app import DiagnosticOrchestrator
from scdiag.models import (
    DataGap,
    DiagnosticData,
    DiagnosticRequest,
    DiagnosticResult,
    DiagnosticStatus,
    Evidence,
    GapKind,
    RootCause,
    Severity,
    Solution,
    SourceLocation,
)
from scdiag.reporting.generator import ReportGenerator

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
FORMATS = ("text", "interactive", "json", "yaml", "markdown", "html", "github")

SECRETS = {
    "AKIAIOSFODNN7EXAMPLE": "aws access key id",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": "aws secret key",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U": "jwt",
    "s3cr3t-pw": "password in a URL",
    "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4": "azure storage key",
    "hunter2hunter2": "password assignment",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a": "token",
}
SECRET_LINES = (
    "boto: using key AKIAIOSFODNN7EXAMPLE with aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "connecting to postgres://orders:s3cr3t-pw@db.internal:5432/orders failed",
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4;EndpointSuffix=core.windows.net",
    "DB_PASSWORD=hunter2hunter2 refused",
    "token: ghp_16C7e42F292c6912E7710c838347Ae178B4a",
)
HOSTILE = (
    "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 ```\n</pre><script>alert(1)</script> @octocat <img src=x onerror=alert(1)>",
    "\u202etxt.exe\u202c zero\u200bwidth " + "A" * (10 * 1024 * 1024),
    "~~~ fence ```` longer fence ::error::injected%0A::warning::more",
)


@pytest.fixture(scope="session", name="generator")
def _generator() -> ReportGenerator:
    return DiagnosticOrchestrator().report_generator()


@pytest.fixture(scope="session", name="oom")
def _oom() -> DiagnosticResult:
    return scdiag.analyze_captures([EXAMPLES / "k8s-oom-kill"])


@pytest.fixture(scope="session", name="healthy")
def _healthy() -> DiagnosticResult:
    return scdiag.analyze_captures([EXAMPLES / "k8s-healthy-rollout"])


def _result_with(excerpts: tuple[str, ...], summary: str, gaps: tuple[DataGap, ...] = ()) -> DiagnosticResult:
    evidence = tuple(Evidence(source="log", excerpt=e, location=SourceLocation("app.log", i + 1)) for i, e in enumerate(excerpts))
    cause = RootCause(
        pattern_id="container-application-crash",
        name="The application exited with an unhandled error",
        category="application",
        severity=Severity.HIGH,
        confidence=0.8,
        description=summary,
        evidence=evidence,
        solutions=(Solution(title="Fix " + excerpts[0][:40], steps=(summary,)),),
    )
    data = DiagnosticData(provider="kubernetes", service_name="web", gaps=gaps)
    request = DiagnosticRequest(provider="kubernetes", service_name="web", start_time=datetime(2026, 11, 20, tzinfo=timezone.utc))
    return DiagnosticResult(status=DiagnosticStatus.FAILED, request=request, root_cause=cause, data=data, summary=summary)


@pytest.fixture(scope="session", name="hostile")
def _hostile() -> DiagnosticResult:
    return _result_with(HOSTILE, "web: " + HOSTILE[0][:200])


@pytest.fixture(scope="session", name="secretive")
def _secretive() -> DiagnosticResult:
    return _result_with(SECRET_LINES, "web: " + SECRET_LINES[0])


@pytest.fixture(scope="session", name="gappy")
def _gappy(oom: DiagnosticResult) -> DiagnosticResult:
    assert oom.data is not None
    gaps = (DataGap("logs", GapKind.ACCESS_DENIED, "not authorized: logs:FilterLogEvents", "aws"), DataGap("metrics", GapKind.TIMED_OUT, "no answer before the deadline", "aws"))
    return attrs.evolve(oom, data=attrs.evolve(oom.data, gaps=gaps))
