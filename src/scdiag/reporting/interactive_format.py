"""``--format interactive``: the terminal view, with colour only where it helps.

Colour is used only on a terminal and never when ``NO_COLOR`` is set; the
layout follows the terminal's width and stays readable at 80 columns.
"""

from __future__ import annotations

import io
import os
import shutil
import sys

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from scdiag.models import DiagnosticReport, DiagnosticResult, DiagnosticStatus, RootCause
from scdiag.reporting.config_diff import config_diff_lines
from scdiag.reporting.sanitize import clean, clip
from scdiag.reporting.text_format import cache_note, rollout_lines, render_text

__all__ = ["render_interactive"]

_STYLE = {DiagnosticStatus.FAILED: "bold red", DiagnosticStatus.HEALTHY: "bold green", DiagnosticStatus.UNKNOWN: "bold yellow"}


def _bar(confidence: float, width: int = 20) -> Text:
    filled = round(confidence * width)
    style = "green" if confidence >= 0.7 else "yellow" if confidence >= 0.4 else "red"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim") + Text(f" {confidence:.0%}")


def _resources(result: DiagnosticResult) -> Table | None:
    """Limits as configured and the peak of each percentage metric, as bars."""
    data = result.data
    if data is None:
        return None
    table = Table(title="Resources", expand=True, show_header=False, box=None)
    table.add_column("what", no_wrap=True)
    table.add_column("value", ratio=1)
    rows = 0
    for spec in data.status.containers if data.status else ():
        described = ", ".join(p for p in (f"memory limit {spec.memory_limit_mib:g} MB" if spec.memory_limit_mib else "", f"cpu {spec.cpu_limit:g} vCPU" if spec.cpu_limit else "") if p)
        if described:
            table.add_row(f"container {spec.name}", described)
            rows += 1
    peaks: dict[str, float] = {}
    for metrics in data.metrics:
        for point in metrics.points:
            if point.unit == "Percent":
                peaks[point.name] = max(point.value, peaks.get(point.name, 0.0))
    for name, value in sorted(peaks.items()):
        filled = round(min(value, 100.0) / 5)
        style = "red" if value >= 90 else "yellow" if value >= 70 else "green"
        table.add_row(f"{name} peak", Text("█" * filled, style=style) + Text("░" * (20 - filled), style="dim") + Text(f" {value:g}%"))
        rows += 1
    return table if rows else None


def _cause_panel(cause: RootCause, full: bool) -> Panel:
    parts: list[RenderableType] = []
    header = Text(f"{cause.category} · {cause.severity.value} · ", style="dim") + _bar(cause.confidence)
    if cause.guess:
        header += Text(" (a guess)", style="yellow")
    parts.append(header)
    if cause.evidence:
        table = Table(show_header=False, box=None, pad_edge=False, expand=True)
        table.add_column("evidence", ratio=1, overflow="fold")
        for item in cause.evidence[: 8 if full else 3]:
            where = f"  [{item.location}]" if item.location else ""
            table.add_row(Text("• " + clip(clean(item.excerpt), 300)) + Text(where, style="dim"))
        parts.append(table)
    for solution in cause.solutions if full else cause.solutions[:1]:
        fix = Text("Fix: ", style="bold") + Text(clean(solution.title))
        parts.append(fix)
        # The summary shows the change itself; its steps wait for --details.
        steps = solution.steps if full or not solution.config_changes else ()
        for number, step in enumerate(steps, 1):
            parts.append(Text(f"  {number}. {clip(clean(step), 300)}"))
        for change in solution.config_changes:
            parts.append(Text(f"  in {change.file}:", style="cyan"))
            styles = {"-": "red", "+": "green"}
            for line in config_diff_lines(change):
                parts.append(Text(f"  {clean(line)}", style=styles.get(line[0], "dim")))
            if change.explanation:
                parts.append(Text(f"  ({clip(clean(change.explanation), 200)})", style="dim"))
    if cause.learn_more:
        parts.append(Text("Learn more: " + cause.learn_more[0], style="dim"))
    title = f"[bold]{escape(clean(cause.name))}[/] [dim]{escape(cause.pattern_id)}[/]"
    return Panel(Group(*parts), title=title, title_align="left", border_style="red" if cause.confidence >= 0.7 else "yellow")


def _console(file: io.StringIO) -> Console:
    tty = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    return Console(file=file, width=width, force_terminal=tty, no_color=not tty, color_system="auto" if tty else None, highlight=False, emoji=False)


def render_interactive(report: DiagnosticReport) -> str:
    """Panels for the verdict and the cause; the plain text view for the rest."""
    result = report.result
    if report.detail == "deep":
        return render_text(report)
    buffer = io.StringIO()
    console = _console(buffer)
    style = _STYLE[result.status]
    console.print(Text(f"{result.status.value.upper()} ", style=style) + Text(clip(clean(result.summary), 300)))
    full = report.detail == "details"
    for line in rollout_lines(result, full):
        console.print(Text(line, style="dim" if line.startswith("  - ") else ""))
    cached = cache_note(result)
    if cached:
        console.print(Text(cached, style="yellow"))
    if result.root_cause is not None:
        console.print(_cause_panel(result.root_cause, full))
    if full:
        for cause in result.secondary_causes:
            console.print(Text(f"Also possible: {clean(cause.name)} [{cause.pattern_id}] {cause.confidence:.0%}", style="yellow"))
        if result.symptoms:
            console.print(Text("Symptoms: " + ", ".join(f"{clean(s.name)} [{s.pattern_id}]" for s in result.symptoms), style="dim"))
        resources = _resources(result)
        if resources is not None:
            console.print(resources)
        if result.timeline:
            table = Table(title="Timeline", expand=True, show_lines=False)
            table.add_column("when", no_wrap=True)
            table.add_column("source", no_wrap=True)
            table.add_column("what", ratio=1, overflow="fold")
            start = result.timeline[0].first_seen or result.timeline[0].timestamp
            for event in result.timeline:
                when = event.first_seen or event.timestamp
                offset = f"+{(when - start).total_seconds():.0f}s" if when and start else ""
                count = f" x{event.count}" if event.count > 1 else ""
                table.add_row(offset, event.source, clip(clean(event.message), 200) + count)
            console.print(table)
    data = result.data
    if data is not None and data.gaps:
        console.print(Text(f"Data gaps: {len(data.gaps)}", style="yellow"))
        for gap in data.gaps:
            console.print(Text(f"  - {gap.source}: {clean(gap.reason)}"))
    if not report.redacted:
        console.print(Text("Secret redaction was turned off for this report.", style="bold yellow"))
    return buffer.getvalue()
