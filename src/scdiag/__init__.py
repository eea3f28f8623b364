"""scdiag: why a container deployment failed, and what to change.

Diagnose a live deployment through a provider plugin, or analyse what the
clouds' CLIs printed::

    import scdiag

    result = scdiag.analyze_captures(["captures/"])
    if result.root_cause:
        print(result.root_cause.name, result.root_cause.confidence)
    print(scdiag.export_report(result, "markdown"))

    request = scdiag.DiagnosticRequest(provider="aws", service_name="web", region="eu-west-1",
                                       context=scdiag.RequestContext(options={"cluster": "prod"}))
    result = scdiag.diagnose(request)

Importing scdiag imports no cloud SDK: providers load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scdiag._version import __version__
from scdiag.errors import (
    AccessDeniedError,
    AnalysisError,
    CaptureError,
    CloudError,
    ConfigError,
    MissingExtraError,
    NothingCollected,
    PluginError,
    RenderError,
    ScdiagError,
)
from scdiag.models import (
    DataGap,
    DiagnosticData,
    DiagnosticEvent,
    DiagnosticReport,
    DiagnosticRequest,
    DiagnosticResult,
    DiagnosticStatus,
    Evidence,
    LogEntry,
    MetricPoint,
    Recommendation,
    RequestContext,
    RootCause,
    ServiceStatus,
    Solution,
)

if TYPE_CHECKING:
    from scdiag.api import analyze_captures, diagnose, export_report, generate_report, watch
    from scdiag.watch import WatchEvent, WatchPolicy
    from scdiag.app import DiagnosticOrchestrator
    from scdiag.config import DiagnosticsConfig, load_config

__all__ = [
    "AccessDeniedError",
    "AnalysisError",
    "CaptureError",
    "CloudError",
    "ConfigError",
    "DataGap",
    "DiagnosticData",
    "DiagnosticEvent",
    "DiagnosticOrchestrator",
    "DiagnosticReport",
    "DiagnosticRequest",
    "DiagnosticResult",
    "DiagnosticStatus",
    "DiagnosticsConfig",
    "Evidence",
    "LogEntry",
    "MetricPoint",
    "MissingExtraError",
    "NothingCollected",
    "PluginError",
    "Recommendation",
    "RenderError",
    "RequestContext",
    "RootCause",
    "ScdiagError",
    "ServiceStatus",
    "Solution",
    "WatchEvent",
    "WatchPolicy",
    "__version__",
    "analyze_captures",
    "diagnose",
    "export_report",
    "generate_report",
    "load_config",
    "watch",
]

_LAZY = {
    "analyze_captures": "scdiag.api",
    "diagnose": "scdiag.api",
    "export_report": "scdiag.api",
    "generate_report": "scdiag.api",
    "watch": "scdiag.api",
    "WatchEvent": "scdiag.watch",
    "WatchPolicy": "scdiag.watch",
    "DiagnosticOrchestrator": "scdiag.app",
    "DiagnosticsConfig": "scdiag.config",
    "load_config": "scdiag.config",
}


def __getattr__(name: str) -> Any:
    # The engine, plugins and configuration load on first use, keeping `import scdiag` cheap.
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'scdiag' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
