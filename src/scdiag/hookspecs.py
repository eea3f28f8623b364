"""The plugin contract: pluggy hook specifications.

A plugin is a module (or object) with functions marked by
:data:`scdiag.plugins.hookimpl`, published under the ``scdiag`` entry-point
group of its distribution::

    # pyproject.toml of the plugin
    [project.entry-points.scdiag]
    myprovider = "scdiag_myprovider.plugin"

    # scdiag_myprovider/plugin.py
    from scdiag.plugins import hookimpl

    @hookimpl
    def scdiag_register_providers(registry):
        registry.add_provider("mycloud", "scdiag_myprovider.provider:MyProvider",
                              description="MyCloud containers")

Each ``scdiag_register_*`` hook receives a registry object and adds to it;
registrations name their implementation as a lazy ``"module:attribute"``
string (or pass the object), so nothing heavy is imported until it is used.
The first-party providers (``scdiag-aws``, ``scdiag-gcp``, ``scdiag-k8s``,
``scdiag-azure``) register through these same hooks.

A plugin that fails to import, or raises in a hook, is reported (which
plugin, which error) and skipped; the others go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from scdiag.plugins import (
        CaptureReaderRegistry,
        PatternRegistry,
        ProviderRegistry,
        RedactionRegistry,
        ReportFormatRegistry,
    )

__all__ = [
    "PROJECT_NAME",
    "hookspec",
    "scdiag_register_capture_readers",
    "scdiag_register_patterns",
    "scdiag_register_providers",
    "scdiag_register_redaction_rules",
    "scdiag_register_report_formats",
]

PROJECT_NAME = "scdiag"
"""The pluggy project name and the entry-point group."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """Register live diagnostic providers.

    :param registry: call ``registry.add_provider(name, factory, description=...)``;
        ``factory`` is a ``"module:attribute"`` string or a callable that takes
        the :class:`~scdiag.config.DiagnosticsConfig` and returns a
        :class:`~scdiag.ports.DiagnosticProvider`. Also
        ``registry.add_capability(name, text)`` to say what a provider offers
        before its live collection is available.

    .. versionadded:: 0.1
    """


@hookspec
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """Register readers of captured cloud output (offline analysis).

    :param registry: call ``registry.add_reader(reader)``; ``reader`` is a
        ``"module:Class"`` string or a class or instance implementing
        :class:`~scdiag.ports.CaptureReader`.

    .. versionadded:: 0.1
    """


@hookspec
def scdiag_register_patterns(registry: PatternRegistry) -> None:
    """Register failure patterns for the analysis engine.

    :param registry: call ``registry.add_pattern_file(path)`` with a YAML file
        of patterns, ``registry.add_pattern_directory(path)`` for every
        ``*.yaml`` in a directory, or ``registry.add_pattern_data(mapping, origin)``
        with one pattern already parsed.

    .. versionadded:: 0.1
    """


@hookspec
def scdiag_register_report_formats(registry: ReportFormatRegistry) -> None:
    """Register report formats (renderers).

    :param registry: call ``registry.add_format(name, renderer, description=...)``;
        ``renderer`` is a ``"module:attribute"`` string or a callable taking a
        :class:`~scdiag.models.DiagnosticReport` and returning ``str``.

    .. versionadded:: 0.1
    """


@hookspec
def scdiag_register_redaction_rules(registry: RedactionRegistry) -> None:
    """Register extra secret-redaction rules.

    :param registry: call ``registry.add_rule(name, regex)``; every match of
        ``regex`` (or of its ``secret`` group) is masked in reports, caches
        and spans.

    .. versionadded:: 0.1
    """
