"""Registers what scdiag-gcp offers with scdiag."""

from __future__ import annotations

from scdiag.plugins import ProviderRegistry, hookimpl

_PROVIDER = {"aws": "aws", "gcp": "gcp", "azure": "azure"}["gcp"]


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """What this distribution offers so far."""
    registry.add_capability(_PROVIDER, "distribution installed; capture readers and live collection are not available in this version")
