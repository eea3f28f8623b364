"""The plugin module named by the entry point: one function per hook it implements."""

from __future__ import annotations

from pathlib import Path

from scdiag.plugins import PatternRegistry, ProviderRegistry, ReportFormatRegistry, hookimpl


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """The provider is imported only when a diagnosis asks for it."""
    registry.add_provider("example", "scdiag_example_plugin.provider:ExampleProvider", description="the example platform")


@hookimpl
def scdiag_register_patterns(registry: PatternRegistry) -> None:
    """Patterns in the plugin's own YAML file."""
    registry.add_pattern_file(Path(__file__).with_name("patterns.yaml"))


@hookimpl
def scdiag_register_report_formats(registry: ReportFormatRegistry) -> None:
    """A one-line format for chat messages."""
    registry.add_format("oneline", "scdiag_example_plugin.render:render_oneline", description="one line")
