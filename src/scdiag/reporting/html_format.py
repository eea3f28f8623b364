"""``--format html``: one self-contained HTML file (inline CSS, no scripts, no external assets).

Every piece of text is escaped; links are only the patterns' own https links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from scdiag import regex
from scdiag.models import DiagnosticReport, RootCause, Solution
from scdiag.reporting.config_diff import config_diff_lines
from scdiag.reporting.text_format import cache_note, rollout_lines
from scdiag.reporting.sanitize import clean, clip

__all__ = ["render_html"]

_LINK = regex.deferred(r"https://[^\s\"'<>]+")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328;line-height:1.45}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}h3{font-size:1rem}
.verdict{padding:.6rem 1rem;border-radius:6px;font-weight:600}
.failed{background:#ffebe9;border:1px solid #ff8182}.healthy{background:#dafbe1;border:1px solid #4ac26b}.unknown{background:#fff8c5;border:1px solid #d4a72c}
.cause{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.meta{color:#59636e;font-size:.9rem}
.bar{display:inline-block;width:10rem;height:.7rem;background:#eaeef2;border-radius:4px;vertical-align:middle}
.bar span{display:block;height:100%;border-radius:4px;background:#1a7f37}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.6rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:.85rem}td,th{border-bottom:1px solid #d0d7de;padding:.25rem .4rem;text-align:left;vertical-align:top}
.del{color:#cf222e}.add{color:#1a7f37}
"""


def _e(text: str, limit: int = 2000) -> str:
    return html.escape(clip(clean(text), limit), quote=True)


def _solution(solution: Solution, full: bool) -> Iterable[str]:
    yield f"<h3>Fix: {_e(solution.title)}</h3>"
    if full and solution.description:
        yield f"<p>{_e(solution.description)}</p>"
    if full and solution.steps:
        yield "<ol>" + "".join(f"<li>{_e(step)}</li>" for step in solution.steps) + "</ol>"
    for change in solution.config_changes:
        yield f'<p class="meta">In <code>{_e(change.file)}</code>:</p>'
        styled = {"-": "del", "+": "add"}
        diff = [f'<span class="{styled[line[0]]}">{_e(line)}</span>' if line[0] in styled else _e(line) for line in config_diff_lines(change)]
        yield "<pre>" + "\n".join(diff) + "</pre>"
    if full and solution.validation:
        yield "<ul>" + "".join(f"<li>check: {_e(v)}</li>" for v in solution.validation) + "</ul>"


def _cause(cause: RootCause, heading: str, full: bool) -> Iterable[str]:
    percent = round(cause.confidence * 100)
    guess = " (a guess)" if cause.guess else ""
    yield '<section class="cause">'
    yield f"<h2>{_e(heading)}: {_e(cause.name)}</h2>"
    yield (
        f'<p class="meta"><code>{_e(cause.pattern_id)}</code> &middot; {_e(cause.category)} &middot; {_e(cause.severity.value)} &middot; '
        f'confidence <span class="bar"><span style="width:{percent}%"></span></span> {percent}%{guess}</p>'
    )
    if full and cause.description:
        yield f"<p>{_e(cause.description)}</p>"
    if cause.evidence:
        rows = [_e(item.excerpt + (f"    [{item.location}]" if item.location else ""), 1000) for item in cause.evidence[: 8 if full else 3]]
        yield '<h3>Evidence</h3><pre class="evidence">' + "\n".join(rows) + "</pre>"
    for solution in cause.solutions if full else cause.solutions[:1]:
        yield from _solution(solution, full)
    links = [url for url in cause.learn_more if _LINK.fullmatch(url)]
    if links:
        yield "<p>Learn more: " + " &middot; ".join(f'<a href="{html.escape(u, quote=True)}" rel="noreferrer">{html.escape(u)}</a>' for u in links) + "</p>"
    yield "</section>"


def render_html(report: DiagnosticReport) -> str:
    """The report as a single HTML page."""
    result = report.result
    full = report.detail in ("details", "deep")
    status = result.status.value
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>scdiag: {_e(status.upper())} {_e(result.request.service_name, 200)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>scdiag report: {_e(result.request.service_name, 200)}</h1>",
        f'<p class="verdict {status}" id="verdict">{_e(status.upper())}: {_e(result.summary)}</p>',
    ]
    rollout = rollout_lines(result, full)
    if rollout:
        parts.append(f'<p id="rollout">{_e(rollout[0])}</p>')
        if len(rollout) > 1:
            parts.append("<ul>" + "".join(f"<li>{_e(line.removeprefix('  - '))}</li>" for line in rollout[1:]) + "</ul>")
    cached = cache_note(result)
    if cached:
        parts.append(f'<p class="meta" id="cache">{_e(cached)}</p>')
    if result.root_cause is not None:
        parts.extend(_cause(result.root_cause, "Root cause" if result.root_cause.confidence else "Unknown cause", full))
    if full:
        for cause in result.secondary_causes:
            parts.extend(_cause(cause, "Also possible", False))
        if result.symptoms:
            parts.append("<h2>Symptoms</h2><ul>" + "".join(f"<li>{_e(s.name)} (<code>{_e(s.pattern_id)}</code>)</li>" for s in result.symptoms) + "</ul>")
        if result.timeline:
            parts.append("<h2>Timeline</h2><table><tr><th>when</th><th>source</th><th>what</th><th>count</th></tr>")
            for event in result.timeline:
                when = event.first_seen or event.timestamp
                parts.append(f"<tr><td>{_e(when.isoformat() if when else '')}</td><td>{_e(event.source)}</td><td>{_e((event.reason + ': ' if event.reason else '') + event.message, 500)}</td><td>{event.count}</td></tr>")
            parts.append("</table>")
    data = result.data
    if data is not None and data.gaps:
        parts.append("<h2>Data gaps</h2><ul>" + "".join(f"<li>{_e(g.source)}: {_e(g.reason)}</li>" for g in data.gaps) + "</ul>")
    if not report.redacted:
        parts.append("<p><strong>Secret redaction was turned off for this report.</strong></p>")
    versions = ", ".join(f"{k} {v}" for k, v in report.versions.items())
    parts.append(f'<p class="meta">Generated {_e(result.generated_at.isoformat())} by {_e(versions)}.</p></body></html>')
    return "\n".join(parts) + "\n"
