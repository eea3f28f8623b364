"""Offline analysis end to end: inputs -> readers -> one DiagnosticData -> engine.

Each input goes to the reader most sure it can read it (by content, never by
file name). An input no reader recognises, an empty or binary file, or a
reader that fails, is one clear line in the result; the rest is analysed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from scdiag._records import record
from scdiag.captures.collector import CaptureCollector
from scdiag.captures.guides import capture_guides, looks_like
from scdiag.captures.inputs import InputLimits, expand_inputs, input_bytes, input_longer_than, open_input
from scdiag.captures.paste import MAX_PASTE_CHARS, segment_sources, split_paste, streamed_conversion
from scdiag._version import install_hint
from scdiag.errors import CaptureError
from scdiag.models import DiagnosticData, DiagnosticRequest, InputRecord, RequestContext, utcnow
from scdiag.deadline import call_within
from scdiag.plugins import FIRST_PARTY_PROVIDERS, first_party
from scdiag.ports import CaptureReader, CaptureSource

__all__ = ["CaptureOverrides", "nothing_recognised", "read_captures"]

_log = logging.getLogger(__name__)


@record
class CaptureOverrides:
    """What the user said on the command line; wins over what the content says."""

    provider: str | None = None
    service: str | None = None
    since: timedelta | None = None
    stack: str | None = None
    """Simple Container stack, for fix steps."""
    environment: str | None = None
    """Simple Container environment, for fix steps."""


class _Gate:
    """The sink as a plugin's reader sees it: once the reader is abandoned, what it still sends is dropped."""

    def __init__(self, sink: CaptureCollector) -> None:
        self._sink = sink
        self.open = True

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._sink, name)

        def forward(*args: Any, **kwargs: Any) -> Any:
            return target(*args, **kwargs) if self.open else None

        return forward


def _sniff(reader: CaptureReader, source: CaptureSource, limits: InputLimits) -> float:
    if first_party(reader):
        return float(reader.sniff(source))
    return float(call_within(lambda: reader.sniff(source), min(10.0, limits.plugin_reader_seconds / 10), name=f"sniff-{reader.name}"))


def _choose(readers: Sequence[CaptureReader], sources: Sequence[CaptureSource], problems: list[str], limits: InputLimits) -> tuple[CaptureReader, CaptureSource] | None:
    """The reader most sure of any of the renderings of one segment (its text, or the JSON of its YAML)."""
    best: tuple[float, CaptureReader, CaptureSource] | None = None
    for source in sources:
        for reader in readers:
            try:
                score = _sniff(reader, source, limits)
            except Exception as error:  # isolation seam: a plugin's sniffer must not stop the others
                problems.append(f"reader {getattr(reader, 'name', reader)} failed to sniff {source.name}: {error}")
                continue
            if score > 0 and (best is None or score > best[0]):
                best = (score, reader, source)
    return None if best is None else (best[1], best[2])


def _whole_text(source: CaptureSource) -> str | None:
    """The input's text when it is small enough to be a paste; ``None`` for a large capture."""
    with source.open() as stream:
        if input_longer_than(stream, MAX_PASTE_CHARS):
            return None
        binary = input_bytes(stream)
        if binary is not None:
            head = binary.read(MAX_PASTE_CHARS + 1)
            if b"\r" not in head:
                if len(head) <= MAX_PASTE_CHARS:
                    # The whole input, with no line end to translate: decoded as its text stream would be.
                    return head.decode("utf-8", "replace")
                if head.isascii():
                    return None  # as many characters as bytes: too long, known without decoding it
    with source.open() as stream:
        text = stream.read(MAX_PASTE_CHARS + 1)
    return text if len(text) <= MAX_PASTE_CHARS else None


def _renderings(source: CaptureSource) -> list[list[CaptureSource]]:
    """The segments of one input, each as the sources a reader may read it from."""
    text = _whole_text(source)
    if text is None:
        converted = streamed_conversion(source)
        return [[source] if converted is None else [source, converted]]
    segments = split_paste(text)
    if len(segments) == 1 and segments[0].as_json is None and segments[0].text == text.strip("\n"):
        # A clean capture: its reader streams it from the file, as it would without segmenting.
        return [[source]]
    return [segment_sources(source.name, segment) for segment in segments]


def _read(reader: CaptureReader, source: CaptureSource, collector: CaptureCollector, limits: InputLimits) -> int:
    if first_party(reader):
        return reader.read(source, collector)
    gate = _Gate(collector)
    try:
        return int(call_within(lambda: reader.read(source, gate), limits.plugin_reader_seconds, name=f"read-{reader.name}"))
    finally:
        gate.open = False


def _read_segment(sources: Sequence[CaptureSource], readers: Sequence[CaptureReader], collector: CaptureCollector, limits: InputLimits) -> tuple[str | None, int]:
    sniff_problems: list[str] = []
    chosen = _choose(readers, sources, sniff_problems, limits)
    for problem in sniff_problems:
        collector.problem(problem)
    if chosen is None:
        return None, 0
    reader, source = chosen
    if reader.provider is None:
        missing = _missing_provider(readers, source)
        if missing is not None:
            # Read as plain text it would give a low-confidence guess; say what would read it.
            collector.problem(missing)
            return None, 0
    try:
        return reader.name, _read(reader, source, collector, limits)
    except CaptureError as error:
        collector.problem(str(error).removeprefix(f"{source.name}: "))
    except Exception as error:  # isolation seam: a broken reader loses one rendering, not the analysis
        _log.debug("reader %s failed", reader.name, exc_info=True)
        collector.problem(f"reader {reader.name} failed: {type(error).__name__}: {error}")
    return reader.name, 0


def _missing_provider(readers: Sequence[CaptureReader], source: CaptureSource) -> str | None:
    """What to install when the text is a provider's output and that provider's readers are absent."""
    installed = {reader.provider for reader in readers if reader.provider}
    if installed.issuperset(FIRST_PARTY_PROVIDERS):
        return None  # guides exist for first-party providers only (a test holds it): none is missing
    missing = [name for name in capture_guides() if name not in installed]
    provider = looks_like(source.head, missing) if missing else None
    if provider is None:
        return None
    _dist, extra = FIRST_PARTY_PROVIDERS.get(provider, ("", provider))
    label = capture_guides()[provider].label
    return f"this looks like {label} output, but scdiag's {provider} support is not installed: {install_hint(extra)}"


def nothing_recognised(data: DiagnosticData, readers: Sequence[CaptureReader], matched: bool) -> bool:
    """No input was read by a provider's reader and no failure pattern matched: scdiag did not understand the input."""
    provider_readers = {reader.name for reader in readers if reader.provider}
    used = {name for record in data.inputs if record.reader for name in record.reader.split("+")}
    return not (used & provider_readers) and not matched


def _read_one(name: str, path: Any, readers: Sequence[CaptureReader], collector: CaptureCollector, limits: InputLimits) -> InputRecord:
    collector.begin_input(name)
    try:
        opened = open_input(name, path, limits=limits)
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
        collector.problem(f"contains bytes that are not {opened.encoding.upper()}; they were replaced")
    used: list[str] = []
    items = 0
    for sources in _renderings(opened.source):
        reader, count = _read_segment(sources, readers, collector, limits)
        items += count
        if reader is not None and reader not in used:
            used.append(reader)
    for problem in opened.limit_problems():
        collector.problem(problem)
    if not used:
        collector.problem("no reader recognises this content; skipped")
        return collector.end_input(None, 0)
    return collector.end_input("+".join(used), items)


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
    limits: InputLimits = InputLimits(),
) -> tuple[DiagnosticData, DiagnosticRequest]:
    """Read every input into one DiagnosticData, and the request it amounts to."""
    records = [_read_one(name, path, readers, collector, limits) for name, path in expand_inputs(list(paths))]
    provider = overrides.provider or (collector.providers.most_common(1)[0][0] if collector.providers else "")
    service = overrides.service or (collector.services.most_common(1)[0][0] if collector.services else "")
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

