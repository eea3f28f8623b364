"""Helpers for testing scdiag integrations and plugins.

:class:`StaticProvider` is a :class:`~scdiag.ports.DiagnosticProvider` that
returns canned data (or raises, or stalls), so an orchestrator, a report or a
pattern can be tested without a cloud; :func:`host_with` builds a plugin host
holding only the given plugin objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import attrs

from scdiag._records import mutable_record
from scdiag.models import DiagnosticRequest, EventData, LogData, MetricData, ServiceStatus
from scdiag.plugins import PluginHost, ProviderRegistry, hookimpl
from scdiag.ports import CollectionScope

__all__ = ["StaticProvider", "host_with", "provider_plugin"]

Behaviour = Callable[[CollectionScope], Any]


def _constant(value: Any) -> Behaviour:
    return lambda _scope: value


@mutable_record
class StaticProvider:
    """A provider whose every source is a value or a callable of the scope.

    A callable may raise (the source fails) or block (the source times out).
    ``calls`` records which sources were asked, in order.
    """

    name: ClassVar[str] = "static"
    status: ServiceStatus | Behaviour | None = None
    logs: Sequence[LogData] | Behaviour = ()
    events: Sequence[EventData] | Behaviour = ()
    metrics: Sequence[MetricData] | Behaviour = ()
    credentials_error: Exception | None = None
    calls: list[str] = attrs.field(factory=list)
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def _run(self, source: str, behaviour: Any, scope: CollectionScope) -> Any:
        with self._lock:
            self.calls.append(source)
        function = behaviour if callable(behaviour) else _constant(behaviour)
        return function(scope)

    def validate_credentials(self, request: DiagnosticRequest) -> None:
        """Raise ``credentials_error`` when set."""
        with self._lock:
            self.calls.append("credentials")
        if self.credentials_error is not None:
            raise self.credentials_error

    def collect_logs(self, scope: CollectionScope) -> Sequence[LogData]:
        """The canned logs."""
        result: Sequence[LogData] = self._run("logs", self.logs, scope)
        return result

    def collect_metrics(self, scope: CollectionScope) -> Sequence[MetricData]:
        """The canned metrics."""
        result: Sequence[MetricData] = self._run("metrics", self.metrics, scope)
        return result

    def collect_events(self, scope: CollectionScope) -> Sequence[EventData]:
        """The canned events."""
        result: Sequence[EventData] = self._run("events", self.events, scope)
        return result

    def get_service_status(self, scope: CollectionScope) -> ServiceStatus:
        """The canned status."""
        result: ServiceStatus = self._run("status", self.status, scope)
        return result


def provider_plugin(name: str, provider: Any) -> object:
    """A plugin object registering ``provider`` (an instance) as provider ``name``."""

    class _Plugin:
        @staticmethod
        @hookimpl
        def scdiag_register_providers(registry: ProviderRegistry) -> None:
            registry.add_provider(name, lambda _config: provider, description=f"test provider {name}")

    return _Plugin()


def host_with(*plugins: tuple[str, object], builtins: bool = True) -> PluginHost:
    """A plugin host with no entry points loaded, holding the given (name, plugin) pairs."""
    host = PluginHost(autoload=False, blocked=frozenset(), builtins=builtins)
    for name, plugin in plugins:
        host.register(plugin, name)
    return host
