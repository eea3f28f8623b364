"""Registers what scdiag-azure offers with scdiag."""

from __future__ import annotations

from scdiag.plugins import CaptureReaderRegistry, ProviderRegistry, hookimpl


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """What this distribution offers for provider ``azure``."""
    registry.add_capability("azure", "offline analysis of az log-analytics query rows, containerapp show/revision/logs JSON, metrics and deploy errors (scdiag analyze)")


@hookimpl
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """The az readers."""
    for reader in ("LogAnalyticsRowsReader", "ContainerAppLogsReader", "ContainerAppObjectReader", "MonitorMetricsReader", "AzDeployErrorReader"):
        registry.add_reader(f"scdiag_azure.captures:{reader}")
