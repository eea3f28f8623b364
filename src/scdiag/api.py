"""The functions most callers need, each building what it uses.

For repeated use, build one :class:`scdiag.DiagnosticOrchestrator` and call
its methods: it loads plugins and the knowledge base once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scdiag.config import DiagnosticsConfig, load_config
from scdiag.models import DiagnosticReport, DiagnosticRequest, DiagnosticResult

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scdiag.watch import WatchEvent, WatchPolicy

if TYPE_CHECKING:
    from scdiag.app import DiagnosticOrchestrator

__all__ = ["analyze_captures", "diagnose", "export_report", "generate_report", "watch"]


def _orchestrator(config: DiagnosticsConfig | str | Path | None) -> DiagnosticOrchestrator:
    from scdiag.app import DiagnosticOrchestrator

    if not isinstance(config, DiagnosticsConfig):
        config = load_config(config)
    return DiagnosticOrchestrator(config=config)


def diagnose(request: DiagnosticRequest, config: DiagnosticsConfig | str | Path | None = None) -> DiagnosticResult:
    """Collect and analyse one deployment through its provider's plugin.

    Args:
        request: what to diagnose.
        config: a configuration, the path of one, or ``None`` for
            ``.sc/diagnostics-config.yaml`` (defaults when absent).

    Raises:
        scdiag.errors.ConfigError: the configuration is invalid.
        scdiag.errors.PluginError: the provider is not installed or failed to start.
    """
    return _orchestrator(config).diagnose(request)


def watch(request: DiagnosticRequest, config: DiagnosticsConfig | str | Path | None = None, policy: WatchPolicy | None = None) -> Iterator[WatchEvent]:
    """Watch a deployment as it rolls out: progress and events as they change, then a verdict and the report.

    The last two events are a ``verdict`` (healthy, failed, doomed, timeout)
    and a ``report`` carrying the same result ``diagnose`` would give.

    Raises:
        scdiag.errors.ConfigError: the configuration is invalid.
        scdiag.errors.PluginError: the provider is not installed or failed to start.
    """
    return _orchestrator(config).watch(request, policy)


def analyze_captures(
    paths: str | Path | Sequence[str | Path],
    config: DiagnosticsConfig | str | Path | None = None,
    *,
    provider: str | None = None,
    service: str | None = None,
    since: timedelta | None = None,
) -> DiagnosticResult:
    """Analyse what the clouds' CLIs printed: files, directories, ``"-"`` for stdin.

    ``paths`` is one path or a sequence of them (a single string is one path,
    never its characters). The format of each input is detected from its
    content; ``provider``, ``service`` and ``since`` override what the content says.
    """
    from scdiag.captures.pipeline import CaptureOverrides

    if isinstance(paths, (str, Path)):
        paths = [paths]

    overrides = CaptureOverrides(provider=provider, service=service, since=since)
    return _orchestrator(config).analyze_captures([str(p) for p in paths], overrides)


def generate_report(
    result: DiagnosticResult, detail: str = "summary", config: DiagnosticsConfig | None = None, *, redact: bool = True
) -> DiagnosticReport:
    """A redacted report of ``result`` (``summary``, ``details`` or ``deep``)."""
    return _orchestrator(config).report_generator(redact=redact).generate_report(result, detail)


def export_report(
    result: DiagnosticResult | DiagnosticReport,
    format: str = "json",
    *,
    detail: str = "summary",
    config: DiagnosticsConfig | None = None,
    redact: bool = True,
) -> str:
    """Render a result (or a report) as ``json``, ``yaml``, ``text``, ``markdown``...

    Raises:
        scdiag.errors.RenderError: unknown format or detail level.
    """
    generator = _orchestrator(config).report_generator(redact=redact)
    report = result if isinstance(result, DiagnosticReport) else generator.generate_report(result, detail)
    return generator.export_report(report, format)
