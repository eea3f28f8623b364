"""Registers what scdiag-azure offers with scdiag."""

from __future__ import annotations

from scdiag.plugins import CaptureReaderRegistry, ProviderRegistry, hookimpl


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """What this distribution offers for provider ``azure``."""
    registry.add_provider("azure", "scdiag_azure.provider:ContainerAppsProvider", description="Container Apps, through Azure Resource Manager and Log Analytics")
    registry.add_option("azure", "subscription", help="Azure subscription id (default: providers.azure.subscriptions)")
    registry.add_option("azure", "resource-group", help="resource group of the app (default: providers.azure.resource_groups)")
    registry.add_option("azure", "job", help="a Container Apps job to diagnose instead of an app: its latest execution")
    registry.add_option("azure", "workspace", help="Log Analytics workspace id (default: the app's managed environment's)")
    registry.add_capability("azure", "offline analysis of az log-analytics query rows, containerapp show/revision/logs JSON, metrics, deploy errors and Bicep compiler errors (scdiag analyze)")


@hookimpl
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """The az readers."""
    for reader in ("LogAnalyticsRowsReader", "ContainerAppLogsReader", "ContainerAppObjectReader", "MonitorMetricsReader", "AzDeployErrorReader", "ArmErrorBodyReader", "BicepDiagnosticsReader"):
        registry.add_reader(f"scdiag_azure.captures:{reader}")
