"""Registers what scdiag-gcp offers with scdiag."""

from __future__ import annotations

from scdiag.plugins import CaptureReaderRegistry, ProviderRegistry, hookimpl


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """What this distribution offers for provider ``gcp``."""
    registry.add_provider("gcp", "scdiag_gcp.provider:CloudRunProvider", description="Cloud Run services, through the Admin API v2, Cloud Logging and Cloud Monitoring")
    registry.add_option("gcp", "job", help="a Cloud Run job to diagnose instead of a service: its latest execution (or --deployment-id EXECUTION)")
    registry.add_option("gcp", "project", help="Google Cloud project (default: providers.gcp.projects, else the credentials' project)")
    registry.add_capability("gcp", "offline analysis of gcloud logging read / run describe JSON and gcloud run deploy errors (scdiag analyze)")


@hookimpl
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """The gcloud readers."""
    for reader in ("CloudLoggingReader", "CloudRunObjectReader", "GcloudDeployErrorReader"):
        registry.add_reader(f"scdiag_gcp.captures:{reader}")
