"""Offline analysis end to end: inputs -> readers -> one DiagnosticData -> engine.

Each input goes to the reader most sure it can read it (by content, never by
file name). An input no reader recognises, an empty or binary file, or a
reader that fails, is one clear line in the result; the rest is analysed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

import attrs

from scdiag.captures.collector import CaptureCollector
from scdiag.captures.inputs import expand_inputs, open_input
from scdiag.errors import CaptureError
from scdiag.models import DiagnosticData, DiagnosticRequest, InputRecord, RequestContext, utcnow
from scdiag.ports import CaptureReader

__all__ = ["CaptureOverrides", "read_captures"]

_log = logging.getLogger(__name__)


@attrs.frozen
class CaptureOverrides:
    """What the user said on the command line; wins over what the content says."""

    provider: str | None = None
    service: str | None = None
    since: timedelta | None = None
    stack: str | None = None
    """Simple Container stack, for fix steps."""
    environment: str | None = None
    """Simple Container environment, for fix steps."""


def _choose(readers: Sequence[CaptureReader], source: Any, problems: list[str]) -> CaptureReader | None:
    best: tuple[float, CaptureReader] | None = None
    for reader in readers:
        try:
            score = float(reader.sniff(source))
        except Exception as error:  # isolation seam: a plugin's sniffer must not stop the others
            problems.append(f"reader {getattr(reader, 'name', reader)} failed to sniff {source.name}: {error}")
            continue
        if score > 0 and (best is None or score > best[0]):
            best = (score, reader)
    return None if best is None else best[1]


def _read_one(name: str, path: Any, readers: Sequence[CaptureReader], collector: CaptureCollector) -> InputRecord:
    collector.begin_input(name)
    try:
        opened = open_input(name, path)
    except CaptureError as error:
        collector.problem(str(error).removeprefix(f"{name}: "))
        return collector.end_input(None, 0)
    if opened.empty:
        collector.problem("empty file, nothing to read")
        return collector.end_input(None, 0)
    if opened.binary:
        collector.problem("binary file, not a capture; skipped")
        return collector.end_input(None, 0)
    if opened.bad_bytes:
        collector.problem("contains bytes that are not UTF-8; they were replaced")
    sniff_problems: list[str] = []
    reader = _choose(readers, opened.source, sniff_problems)
    for problem in sniff_problems:
        collector.problem(problem)
    if reader is None:
        collector.problem("no reader recognises this content; skipped")
        return collector.end_input(None, 0)
    try:
        items = reader.read(opened.source, collector)
    except CaptureError as error:
        collector.problem(str(error).removeprefix(f"{name}: "))
        items = 0
    except Exception as error:  # isolation seam: a broken reader loses one input, not the analysis
        _log.debug("reader %s failed", reader.name, exc_info=True)
        collector.problem(f"reader {reader.name} failed: {type(error).__name__}: {error}")
        items = 0
    return collector.end_input(reader.name, items)


def _since_filter(data: DiagnosticData, start: datetime) -> DiagnosticData:
    logs = tuple(
        attrs.evolve(log, entries=tuple(e for e in log.entries if e.timestamp is None or e.timestamp >= start))
        for log in data.logs
    )
    events = tuple(
        attrs.evolve(group, events=tuple(e for e in group.events if e.timestamp is None or e.timestamp >= start))
        for group in data.events
    )
    return attrs.evolve(data, logs=logs, events=events, window_start=start)


def _window(data: DiagnosticData) -> tuple[datetime | None, datetime | None]:
    stamps: list[datetime] = [e.timestamp for log in data.logs for e in log.entries if e.timestamp]
    stamps += [e.timestamp for group in data.events for e in group.events if e.timestamp]
    return (min(stamps), max(stamps)) if stamps else (None, None)


def read_captures(
    paths: Sequence[str],
    readers: Sequence[CaptureReader],
    collector: CaptureCollector,
    overrides: CaptureOverrides = CaptureOverrides(),
) -> tuple[DiagnosticData, DiagnosticRequest]:
    """Read every input into one DiagnosticData, and the request it amounts to."""
    records = [_read_one(name, path, readers, collector) for name, path in expand_inputs(list(paths))]
    provider = overrides.provider or (collector.providers.most_common(1)[0][0] if collector.providers else "")
    service = overrides.service or (collector.services.most_common(1)[0][0] if collector.services else "")
    if not service and paths:
        service = PurePath(paths[0].rstrip("/")).stem or "service"
    deployment = collector.deployments.most_common(1)[0][0] if collector.deployments else None
    data = collector.build(provider=provider, service=service, deployment_id=deployment, inputs=tuple(records))
    start, end = _window(data)
    if overrides.since is not None:
        start = (end or utcnow()) - overrides.since
        data = _since_filter(data, start)
    data = attrs.evolve(data, window_start=start, window_end=end)
    context = RequestContext(stack=overrides.stack, environment=overrides.environment)
    request = DiagnosticRequest(provider=provider, service_name=service, deployment_id=deployment, start_time=start, end_time=end, context=context)
    return data, request

