"""The functions most callers need, each building what it uses.

Each function reuses one orchestrator per configuration (plugins and the
knowledge base load once per process), rebuilt when the configuration, the
installed plugins or a pattern file changes. A caller that wants its own can
build a :class:`scdiag.DiagnosticOrchestrator` and call its methods.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
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


_BUILT: OrderedDict[str, tuple[DiagnosticOrchestrator, tuple[tuple[str, int], ...]]] = OrderedDict()
_BUILT_LOCK = threading.Lock()
_KEEP = 8
"""Orchestrators kept for distinct configurations (least recently used goes first)."""


_FINGERPRINT_SECONDS = 2.0
"""How long the installed plugins' list is trusted: walking the entry points costs ~13 ms a call."""
_fingerprint: tuple[float, str] = (float("-inf"), "")


def _plugins_fingerprint() -> str:
    global _fingerprint
    from importlib.metadata import entry_points

    from scdiag.hookspecs import PROJECT_NAME

    blocked = os.environ.get("SCDIAG_DISABLE_PLUGINS", "")
    checked, value = _fingerprint
    if time.monotonic() - checked < _FINGERPRINT_SECONDS:
        return value + blocked
    installed = sorted((ep.name, ep.value, ep.dist.version if ep.dist is not None else "") for ep in entry_points(group=PROJECT_NAME))
    value = json.dumps(installed)
    _fingerprint = (time.monotonic(), value)
    return value + blocked


def _pattern_files(orchestrator: DiagnosticOrchestrator) -> tuple[tuple[str, int], ...]:
    """Every pattern file the knowledge base was loaded from, with its modification time."""
    files = []
    for source in orchestrator.host.pattern_sources():
        if source.path is None:
            continue
        paths = sorted(source.path.glob("*.yaml")) if source.path.is_dir() else [source.path]
        for path in paths:
            try:
                files.append((str(path), path.stat().st_mtime_ns))
            except OSError:
                files.append((str(path), -1))
    return tuple(files)


def _orchestrator(config: DiagnosticsConfig | str | Path | None) -> DiagnosticOrchestrator:
    """One orchestrator per configuration, kept between calls: the plugins and the knowledge base load once.

    It is rebuilt when the configuration, the installed plugins or a pattern
    file changes. Orchestrators are safe to share between threads.
    """
    from scdiag.app import DiagnosticOrchestrator
    from scdiag.config import unstructure_config

    if not isinstance(config, DiagnosticsConfig):
        config = load_config(config)
    key = json.dumps([unstructure_config(config), _plugins_fingerprint()], sort_keys=True, default=str)
    with _BUILT_LOCK:
        kept = _BUILT.get(key)
        if kept is not None and _pattern_files(kept[0]) == kept[1]:
            _BUILT.move_to_end(key)
            return kept[0]
        orchestrator = DiagnosticOrchestrator(config=config)
        _BUILT[key] = (orchestrator, _pattern_files(orchestrator))
        while len(_BUILT) > _KEEP:
            _BUILT.popitem(last=False)
        return orchestrator


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
