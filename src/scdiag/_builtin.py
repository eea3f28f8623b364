"""The core's own plugin: report formats, the knowledge base and generic readers.

Registered like any other plugin, through the same hooks.
"""

from __future__ import annotations

from pathlib import Path

from scdiag.plugins import (
    CaptureReaderRegistry,
    PatternRegistry,
    ReportFormatRegistry,
    hookimpl,
)

PATTERN_DIRECTORY = Path(__file__).parent / "analysis" / "patterns"


@hookimpl
def scdiag_register_report_formats(registry: ReportFormatRegistry) -> None:
    """The built-in formats."""
    registry.add_format("text", "scdiag.reporting.text_format:render_text", description="plain text")
    registry.add_format("interactive", "scdiag.reporting.interactive_format:render_interactive", description="terminal view (colour on a TTY)")
    registry.add_format("json", "scdiag.reporting.json_format:render_json", description="the JSON report document")
    registry.add_format("yaml", "scdiag.reporting.yaml_format:render_yaml", description="the report document as YAML")
    registry.add_format("markdown", "scdiag.reporting.markdown_format:render_markdown", description="Markdown for issues and PR comments")
    registry.add_format("html", "scdiag.reporting.html_format:render_html", description="one self-contained HTML page")
    registry.add_format("github", "scdiag.reporting.github_format:render_github", description="GitHub Actions annotations and step summary")


@hookimpl
def scdiag_register_patterns(registry: PatternRegistry) -> None:
    """The knowledge base shipped with scdiag."""
    registry.add_pattern_directory(PATTERN_DIRECTORY)


@hookimpl
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """Readers of formats that belong to no cloud."""
    registry.add_reader("scdiag.captures.text:PlainLogReader")
