"""Collecting from a provider: every source concurrently under one deadline, failures as data gaps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from scdiag._records import mutable_record
from scdiag.config import DiagnosticsConfig
from scdiag.deadline import SourceOutcome, run_with_deadline
from scdiag.errors import AccessDeniedError, CloudError, PluginError
from scdiag.models import DataGap, DiagnosticData, EventData, GapKind, LogData, MetricData, ServiceStatus
from scdiag.plugins import PluginHost
from scdiag.ports import CollectionScope, DiagnosticProvider

__all__ = ["ProviderManager", "nothing_collected"]

_SOURCES = ("status", "events", "logs", "metrics")


def _gap_for(source: str, provider: str, outcome: SourceOutcome) -> DataGap:
    if outcome.timed_out:
        return DataGap(source, GapKind.TIMED_OUT, f"{source}: no answer before the collection deadline", provider)
    error = outcome.error
    if isinstance(error, AccessDeniedError):
        needed = f" (needs {error.permission})" if error.permission else ""
        return DataGap(source, GapKind.ACCESS_DENIED, f"{error}{needed}", provider)
    if isinstance(error, CloudError):
        return DataGap(source, GapKind.FAILED, str(error), provider)
    return DataGap(source, GapKind.FAILED, f"{type(error).__name__}: {error}", provider)


@mutable_record
class ProviderManager:
    """Builds providers from plugin registrations and collects from them."""

    host: PluginHost
    config: DiagnosticsConfig
    _providers: dict[str, DiagnosticProvider] = attrs.field(factory=dict, init=False)

    def get(self, name: str) -> DiagnosticProvider:
        """The provider registered as ``name``, built once.

        Raises:
            PluginError: not installed, disabled, or failed to start.
        """
        if not self.config.providers.enabled(name):
            raise PluginError(f"provider {name} is disabled in the configuration (providers.{name}.enabled)")
        if name not in self._providers:
            provider = self.host.create_provider(name, self.config)
            if not isinstance(provider, DiagnosticProvider):
                raise PluginError(f"provider {name} does not implement the DiagnosticProvider port")
            self._providers[name] = provider
        return self._providers[name]

    def collect_all(self, provider: DiagnosticProvider, scope: CollectionScope) -> DiagnosticData:
        """Collect every source concurrently; failures and timeouts become gaps."""
        request = scope.request
        tasks: dict[str, Callable[[], Any]] = {
            "status": lambda: provider.get_service_status(scope),
            "events": lambda: provider.collect_events(scope),
            "logs": lambda: provider.collect_logs(scope),
            "metrics": lambda: provider.collect_metrics(scope),
        }
        outcomes = run_with_deadline(tasks, scope.deadline)
        gaps: list[DataGap] = []
        for source in _SOURCES:
            outcome = outcomes[source]
            if outcome.timed_out or outcome.error is not None:
                gaps.append(_gap_for(source, request.provider, outcome))
        status = outcomes["status"].value
        return DiagnosticData(
            provider=request.provider,
            service_name=request.service_name,
            deployment_id=request.deployment_id,
            logs=tuple(_as_tuple(outcomes["logs"].value, LogData)),
            metrics=tuple(_as_tuple(outcomes["metrics"].value, MetricData)),
            events=tuple(_as_tuple(outcomes["events"].value, EventData)),
            status=status if isinstance(status, ServiceStatus) else None,
            gaps=tuple(gaps) + scope.gaps.gaps(),
            window_start=scope.window_start,
            window_end=scope.window_end,
        )


def _as_tuple(value: Any, kind: type) -> Sequence[Any]:
    if not value:
        return ()
    return [item for item in value if isinstance(item, kind)]


def nothing_collected(data: DiagnosticData) -> bool:
    """True when no source delivered anything at all (empty lists count as nothing)."""
    return (
        data.status is None
        and not any(log.entries for log in data.logs)
        and not any(group.events for group in data.events)
        and not any(metrics.points for metrics in data.metrics)
    )
