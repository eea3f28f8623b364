"""``--format markdown``: safe to paste into a GitHub issue or pull-request comment.

Untrusted text (log lines, messages) goes into code fences longer than any
run of backticks it contains, so it cannot close the fence; prose is escaped
so that it makes no @mention, no HTML and no link.
"""

from __future__ import annotations

from collections.abc import Iterable

from scdiag import regex
from scdiag.models import DiagnosticEvent, DiagnosticReport, RootCause, Solution
from scdiag.reporting.config_diff import config_diff_lines
from scdiag.reporting.sanitize import clean, clip

__all__ = ["fence", "md_escape", "render_markdown"]

# Enough to stop emphasis, code, links, HTML, tables, mentions and entities;
# hyphens, colons and parentheses are harmless inline and stay readable.
_FENCE_RUN = regex.deferred(r"`+|~+")
_BACKTICKS = regex.deferred(r"`+")
_LINK = regex.deferred(r"^https://[^\s<>]+$")
_SPECIAL = regex.deferred(r"([\\`*_\[\]<>#|~@&!])")


def md_escape(text: str, limit: int = 500) -> str:
    """Prose with Markdown, HTML and mentions neutralised, on one line."""
    return _SPECIAL.sub(r"\\\1", clip(clean(text).replace("\n", " "), limit))


def code_span(text: str, limit: int = 200) -> str:
    """Inline code as GitHub renders it: the content literal (no backslash escapes inside),
    between backtick runs longer than any in the content, padded when it starts or ends with one."""
    body = clip(clean(text).replace("\n", " "), limit)
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def fence(lines: Iterable[str], language: str = "text") -> str:
    """A fenced code block that its content cannot break out of."""
    body = [clip(clean(line), 1000) for line in lines]
    longest = max((len(run) for line in body for run in _FENCE_RUN.findall(line)), default=0)
    marker = "`" * max(3, longest + 1)
    return "\n".join([marker + language, *body, marker])


def _solution(solution: Solution, full: bool = True) -> Iterable[str]:
    yield f"**{md_escape(solution.title)}**"
    if solution.description:
        yield ""
        yield md_escape(solution.description, 1000)
    yield ""
    for number, step in enumerate(solution.steps if full else (), 1):
        yield f"{number}. {md_escape(step)}"
    for change in solution.config_changes:
        yield ""
        yield f"In {code_span(change.file)}:"
        diff = config_diff_lines(change)
        if diff:
            yield fence(diff, "diff")
        if change.explanation:
            yield md_escape(change.explanation)
    yield ""


def _cause(cause: RootCause, heading: str, full: bool) -> Iterable[str]:
    guess = " (a guess)" if cause.guess else ""
    yield f"### {heading}: {md_escape(cause.name)}"
    yield ""
    yield f"`{cause.pattern_id}` · confidence **{cause.confidence:.0%}**{guess} · {cause.category} · {cause.severity.value}"
    yield ""
    if full and cause.description:
        yield md_escape(cause.description, 2000)
        yield ""
    if cause.evidence:
        yield "Evidence:"
        yield ""
        rows = []
        for item in cause.evidence[: 8 if full else 3]:
            rows.append(f"{item.excerpt}" + (f"    [{item.location}]" if item.location else ""))
            if full and len(item.context) > 1:
                rows.extend(f"    | {line}" for line in item.context)
        yield fence(rows)
        yield ""
    for solution in cause.solutions if full else cause.solutions[:1]:
        yield from _solution(solution, full)
    if cause.learn_more:
        links = " · ".join(f"<{url}>" for url in cause.learn_more if _LINK.search(url))
        if links:
            yield f"Learn more: {links}"
            yield ""


def _timeline_row(event: DiagnosticEvent) -> str:
    when = event.first_seen or event.timestamp
    stamp = when.isoformat() if when is not None else ""
    count = f" x{event.count}" if event.count > 1 else ""
    return f"{stamp:32} {event.source:14} {event.message}{count}"


def render_markdown(report: DiagnosticReport) -> str:
    """The report as GitHub-flavoured Markdown."""
    result = report.result
    full = report.detail in ("details", "deep")
    lines = [f"## scdiag: {result.status.value.upper()}", "", md_escape(result.summary), ""]
    from scdiag.reporting.text_format import rollout_lines

    rollout = rollout_lines(result, full)
    if rollout:
        lines += [md_escape(rollout[0]), "", *(f"- {md_escape(line.removeprefix('  - '))}" for line in rollout[1:])]
        lines += [""] if len(rollout) > 1 else []
    from scdiag.reporting.text_format import cache_note

    cached = cache_note(result)
    if cached:
        lines += [f"> {md_escape(cached)}", ""]
    if result.root_cause is not None:
        lines.extend(_cause(result.root_cause, "Root cause" if result.root_cause.confidence else "Unknown cause", full))
    if full:
        for cause in result.secondary_causes:
            lines.extend(_cause(cause, "Also possible", False))
        if result.symptoms:
            lines += ["### Symptoms", "", *(f"- {md_escape(s.name)} ({code_span(s.pattern_id)})" for s in result.symptoms), ""]
        from scdiag.reporting.text_format import resource_lines

        resources = resource_lines(result)
        if resources:
            lines += ["### Resources", "", fence(resources[1:]), ""]
        if result.timeline:
            lines += ["### Timeline", ""]
            lines.append(fence(_timeline_row(e) for e in result.timeline))
            lines.append("")
    data = result.data
    if data is not None and data.gaps:
        lines += ["### Data gaps", ""]
        lines += [f"- {md_escape(gap.source)}: {md_escape(gap.reason)}" for gap in data.gaps]
        lines.append("")
    if not report.redacted:
        lines += ["> **Secret redaction was turned off for this report.**", ""]
    return "\n".join(lines).rstrip() + "\n"
