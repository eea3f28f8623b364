"""``--format text``: plain text for terminals without colour and for logs.

The summary fits a glance: the verdict, the cause with its confidence, the
three strongest evidence lines and the first fix. ``--details`` adds every
cause, the timeline and every solution; ``--deep`` adds what was collected.
"""

from __future__ import annotations

from collections.abc import Iterable

from scdiag.models import DiagnosticReport, DiagnosticResult, RootCause, Solution
from scdiag.reporting.config_diff import config_diff_lines
from scdiag.reporting.sanitize import clean, clip

__all__ = ["render_text", "report_lines", "resource_lines", "rollout_lines"]

_LINE = 300
_STAGE_WORDS = {
    "before start": "platform failure: the container never started",
    "killed by the platform": "the platform stopped the running container",
    "after start": "application failure: it started, then failed",
}


def _t(text: str, limit: int = _LINE) -> str:
    return clip(clean(text).replace("\n", " ⏎ "), limit)


def _evidence_lines(cause: RootCause, limit: int, full: bool = False) -> Iterable[str]:
    for item in cause.evidence[:limit]:
        where = f" [{item.location}]" if item.location else ""
        yield f"  - {_t(item.excerpt, 200)}{where}"
        if full and len(item.context) > 1:
            yield from (f"      | {_t(line, 160)}" for line in item.context)


def _solution_lines(solution: Solution, full: bool) -> Iterable[str]:
    yield f"  {_t(solution.title)}" + (f" ({solution.difficulty}, {solution.estimated_time})" if full and solution.estimated_time else "")
    if full and solution.description:
        yield f"    {_t(solution.description)}"
    # The summary shows the change itself; its steps wait for --details.
    steps = solution.steps if full or not solution.config_changes else ()
    for number, step in enumerate(steps, 1):
        yield f"    {number}. {_t(step)}"
    for change in solution.config_changes:
        yield f"    in {change.file}:"
        yield from (f"    {_t(line)}" for line in config_diff_lines(change))
        if change.explanation:
            yield f"      ({_t(change.explanation)})"
    if not full and solution.steps and solution.config_changes:
        yield "    (steps: --details)"
    if full:
        for check in solution.validation:
            yield f"    check: {_t(check)}"


def _cause_block(cause: RootCause, title: str, full: bool) -> Iterable[str]:
    guess = " — a guess" if cause.guess else ""
    yield f"{title}: {_t(cause.name)} [{cause.pattern_id}]"
    stage = cause.attributes.get("stage")
    where = f" · {_STAGE_WORDS[stage]}" if stage in _STAGE_WORDS else ""
    yield f"  confidence {cause.confidence:.0%}{guess} · {cause.category} · {cause.severity.value}{where}"
    if full and cause.description:
        yield f"  {_t(cause.description)}"
    if cause.evidence:
        yield "Evidence:"
        yield from _evidence_lines(cause, 8 if full else 3, full)
    solutions = cause.solutions if full else cause.solutions[:1]
    if solutions:
        yield "Fix:" if not full else "Solutions:"
        for solution in solutions:
            yield from _solution_lines(solution, full)
    if full and cause.prevention:
        yield "Prevention:"
        yield from (f"  - {_t(p)}" for p in cause.prevention)
    if cause.learn_more:
        yield "Learn more: " + " ".join(cause.learn_more[: 3 if full else 1])


def _timeline(result: DiagnosticResult) -> Iterable[str]:
    if not result.timeline:
        return
    start = result.timeline[0].first_seen or result.timeline[0].timestamp
    yield "Timeline:"
    for event in result.timeline:
        when = event.first_seen or event.timestamp
        offset = f"+{(when - start).total_seconds():>6.0f}s" if when and start else "       "
        count = f" x{event.count}" if event.count > 1 else ""
        reason = f"{event.reason}: " if event.reason else ""
        yield f"  {offset} {event.source:<14} {_t(reason + event.message, 160)}{count}"


def rollout_lines(result: DiagnosticResult, full: bool) -> list[str]:
    """The attempted rollout and what serves now; with ``full``, every check behind the verdict."""
    verdict = result.rollout
    if verdict is None or verdict.attempted is None:
        return []
    outcome = verdict.outcome.value.replace("_", " ") if verdict.outcome else "unknown"
    head = f"Rollout: attempted {verdict.attempted}, {outcome}" + (f"; {verdict.serving} serves now" if verdict.serving else "")
    if not full:
        return [_t(head)] if verdict.serving or outcome in ("rolled back", "not started") else []
    return [_t(head), *(f"  - {_t(check)}" for check in verdict.checks)]


def resource_lines(result: DiagnosticResult) -> list[str]:
    """Limits as configured, and the peak of each metric collected."""
    data = result.data
    if data is None:
        return []
    lines = []
    status = data.status
    for spec in status.containers if status else ():
        parts = [f"memory limit {spec.memory_limit_mib:g} MB" if spec.memory_limit_mib else "", f"cpu {spec.cpu_limit:g} vCPU" if spec.cpu_limit else "", f"ports {', '.join(map(str, spec.ports))}" if spec.ports else ""]
        described = ", ".join(p for p in parts if p)
        if described:
            lines.append(f"  container {spec.name}: {described}")
    peaks: dict[str, tuple[float, str]] = {}
    for metrics in data.metrics:
        for point in metrics.points:
            if point.name not in peaks or point.value > peaks[point.name][0]:
                peaks[point.name] = (point.value, point.unit)
    for name, (value, unit) in sorted(peaks.items()):
        suffix = "%" if unit == "Percent" else f" {unit}" if unit else ""
        lines.append(f"  {name}: peak {value:g}{suffix}")
    return ["Resources:", *lines] if lines else []


def cache_note(result: DiagnosticResult) -> str | None:
    """A line saying the data came from the cache, and how old it is."""
    data = result.data
    if data is None or not data.from_cache:
        return None
    age = max(0, int((result.generated_at - data.collected_at).total_seconds()))
    minutes, seconds = divmod(age, 60)
    return f"From the cache: collected {minutes} min {seconds} s ago (--no-cache collects afresh)"


def report_lines(report: DiagnosticReport) -> list[str]:
    """The text report as lines."""
    result = report.result
    full = report.detail in ("details", "deep")
    lines = [f"{result.status.value.upper()}: {_t(result.summary)}"]
    request = result.request
    if full:
        lines.append(f"Service: {request.service_name} · provider {request.provider}" + (f" · region {request.region}" if request.region else ""))
    lines.extend(rollout_lines(result, full))
    cached = cache_note(result)
    if cached:
        lines.append(cached)
    if result.root_cause is not None:
        lines.append("")
        lines.extend(_cause_block(result.root_cause, "Root cause" if result.root_cause.confidence else "Unknown cause", full))
    if full:
        for cause in result.secondary_causes:
            lines.append("")
            lines.extend(_cause_block(cause, "Also possible", False))
        if result.symptoms:
            lines.append("")
            lines.append("Symptoms: " + ", ".join(f"{s.name} [{s.pattern_id}]" for s in result.symptoms))
        resources = resource_lines(result)
        if resources:
            lines.append("")
            lines.extend(resources)
        lines.append("")
        lines.extend(_timeline(result))
    data = result.data
    if data is not None and data.gaps:
        lines.append("")
        lines.append("Data gaps:")
        lines.extend(f"  - {gap.source}: {_t(gap.reason)}" for gap in data.gaps)
    if report.detail == "deep" and data is not None:
        lines.append("")
        lines.append("Collected:")
        for record in data.inputs:
            reader = record.reader or "not recognised"
            lines.append(f"  input {record.path}: {reader}, {record.items} records")
            lines.extend(f"    ! {_t(problem)}" for problem in record.problems)
        for log in data.logs:
            lines.append(f"  logs {log.source}: {log.total_lines} lines read, {len(log.entries)} kept, {log.skipped_lines} skipped")
        for events in data.events:
            lines.append(f"  events {events.source}: {len(events.events)}")
        for metrics in data.metrics:
            lines.append(f"  metrics {metrics.source}: {len(metrics.points)} points")
        lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in report.versions.items()))
    if not report.redacted:
        lines.append("")
        lines.append("NOTE: secret redaction was turned off for this report (--no-redact).")
    return lines


def render_text(report: DiagnosticReport) -> str:
    """The report as plain text."""
    return "\n".join(report_lines(report)) + "\n"
