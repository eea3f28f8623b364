"""The diagnostic cache: identical requests are served again, without secrets, within limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.cache import DiagnosticCache, FileCacheStore
from scdiag.config import CacheConfig, DiagnosticsConfig
from scdiag.models import DiagnosticData, DiagnosticRequest, LogData, LogEntry, ServiceStatus
from scdiag.testing import StaticProvider, host_with, provider_plugin

REQUEST = DiagnosticRequest(provider="static", service_name="web")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_expires_after_its_ttl(tmp_path: Path) -> None:
    """Within the ttl the value is there; after it, it is not."""
    clock = Clock()
    store = FileCacheStore(tmp_path, clock=clock)
    store.set("k", b"value", timedelta(seconds=60))
    assert store.get("k") == b"value"
    clock.now += 61
    assert store.get("k") is None


def test_the_directory_is_kept_under_max_size(tmp_path: Path) -> None:
    """The oldest entries go first when the cache outgrows max_size."""
    store = FileCacheStore(tmp_path, max_size=2500)
    for index in range(5):
        store.set(f"k{index}", b"x" * 1000, timedelta(hours=1))
    assert store.get("k0") is None and store.get("k4") == b"x" * 1000
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 2500


def test_invalidate_drops_a_prefix(tmp_path: Path) -> None:
    """Entries of one service can be forgotten together."""
    store = FileCacheStore(tmp_path)
    store.set("aws/web/1", b"a", timedelta(hours=1))
    store.set("aws/api/1", b"b", timedelta(hours=1))
    store.invalidate("aws/web/")
    assert store.get("aws/web/1") is None and store.get("aws/api/1") == b"b"


def test_cached_data_holds_no_secret(tmp_path: Path) -> None:
    """What is written to disk is redacted."""
    cache = DiagnosticCache(FileCacheStore(tmp_path))
    data = DiagnosticData(provider="static", service_name="web", logs=(LogData(source="x", entries=(LogEntry(message="DB_PASSWORD=hunter2hunter2"),)),))
    cache.set(REQUEST, data)
    assert b"hunter2hunter2" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    cached = cache.get(REQUEST)
    assert cached is not None and cached.logs[0].entries[0].message == "DB_PASSWORD=****"


def test_a_second_identical_collection_is_served_from_the_cache() -> None:
    """The provider is asked once for two identical requests."""
    provider = StaticProvider(status=ServiceStatus(name="web"))
    orchestrator = DiagnosticOrchestrator(host=host_with(("static", provider_plugin("static", provider))))
    orchestrator.collect(REQUEST)
    orchestrator.collect(REQUEST)
    assert provider.calls.count("status") == 1


class _Located(StaticProvider):
    """A provider whose credentials point where an environment variable says, as a kubeconfig or profile would."""

    def cache_identity(self, request: DiagnosticRequest) -> dict[str, str]:
        import os

        return {"account": os.environ.get("SCDIAG_TEST_ACCOUNT", "")}


def test_requests_reaching_another_account_do_not_share_an_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same request, other credentials (the provider's cache identity): collected again; back to the first: served."""
    provider = _Located(status=ServiceStatus(name="web"))
    orchestrator = DiagnosticOrchestrator(host=host_with(("static", provider_plugin("static", provider))))
    for account in ("prod", "staging", "prod"):
        monkeypatch.setenv("SCDIAG_TEST_ACCOUNT", account)
        orchestrator.collect(REQUEST)
    assert provider.calls.count("status") == 2


def test_the_identity_is_hashed_into_the_key_not_written_in_it(tmp_path: Path) -> None:
    """An account id or a file path named by the identity does not appear in the cache's file names or headers."""
    cache = DiagnosticCache(FileCacheStore(tmp_path))
    cache.set(REQUEST, DiagnosticData(provider="static", service_name="web"), {"account": "123456789012"})
    assert cache.get(REQUEST, {"account": "123456789012"}) is not None and cache.get(REQUEST) is None
    assert b"123456789012" not in b"".join(p.name.encode() + p.read_bytes() for p in tmp_path.iterdir())


def test_no_cache_collects_afresh() -> None:
    """use_cache=False (--no-cache) asks the provider again."""
    provider = StaticProvider(status=ServiceStatus(name="web"))
    orchestrator = DiagnosticOrchestrator(host=host_with(("static", provider_plugin("static", provider))))
    orchestrator.collect(REQUEST)
    orchestrator.collect(REQUEST, use_cache=False)
    assert provider.calls.count("status") == 2


def test_the_cache_can_be_turned_off() -> None:
    """cache.enabled: false builds no cache."""
    orchestrator = DiagnosticOrchestrator(config=DiagnosticsConfig(cache=CacheConfig(enabled=False)), host=host_with())
    assert orchestrator.cache is None


@pytest.mark.parametrize("content", [b"", b"not json\n", b'{"key": "other"}\nvalue'])
def test_a_damaged_entry_is_a_miss(tmp_path: Path, content: bytes) -> None:
    """An unreadable or foreign file never breaks a read."""
    store = FileCacheStore(tmp_path)
    store.set("k", b"v", timedelta(hours=1))
    next(tmp_path.iterdir()).write_bytes(content)
    assert store.get("k") is None


def _collector(data: DiagnosticData, calls: list[int]):  # type: ignore[no-untyped-def]
    def collect(_request: DiagnosticRequest) -> DiagnosticData:
        calls.append(1)
        return data

    return collect


def test_a_collection_cut_by_the_deadline_is_not_replayed(tmp_path: Path) -> None:
    """A partial answer (a source timed out) is returned once, then collected afresh."""
    from scdiag.models import DataGap, GapKind

    partial = DiagnosticData(provider="static", service_name="web", status=ServiceStatus(name="web"), gaps=(DataGap("logs", GapKind.TIMED_OUT, "no answer"),))
    cache = DiagnosticCache(FileCacheStore(tmp_path))
    calls: list[int] = []
    cache.through(REQUEST, _collector(partial, calls))
    cache.through(REQUEST, _collector(partial, calls))
    assert len(calls) == 2


def test_a_complete_collection_is_served_again(tmp_path: Path) -> None:
    """The second identical request is answered from the cache."""
    complete = DiagnosticData(provider="static", service_name="web", status=ServiceStatus(name="web"))
    cache = DiagnosticCache(FileCacheStore(tmp_path))
    calls: list[int] = []
    first = cache.through(REQUEST, _collector(complete, calls))
    second = cache.through(REQUEST, _collector(complete, calls))
    assert len(calls) == 1 and second.status == first.status


def test_requests_differing_only_in_a_provider_attribute_do_not_share_an_entry(tmp_path: Path) -> None:
    """A third-party provider's coordinates in attributes are part of the key."""
    from scdiag.models import RequestContext

    cache = DiagnosticCache(FileCacheStore(tmp_path))
    one = DiagnosticRequest(provider="static", service_name="web", context=RequestContext(attributes={"tenant": "a"}))
    other = DiagnosticRequest(provider="static", service_name="web", context=RequestContext(attributes={"tenant": "b"}))
    cache.set(one, DiagnosticData(provider="static", service_name="web", status=ServiceStatus(name="web")))
    assert cache.get(one) is not None and cache.get(other) is None


def test_configured_redaction_rules_reach_the_cache() -> None:
    """redaction.patterns masks what the cache writes, as it masks reports."""
    from scdiag.cache import default_cache_directory
    from scdiag.config import RedactionConfig

    logs = (LogData(source="app", entries=(LogEntry(message="ticket INTERNAL-123456 opened"),)),)
    provider = StaticProvider(status=ServiceStatus(name="web"), logs=logs)
    config = DiagnosticsConfig(redaction=RedactionConfig(patterns=(r"INTERNAL-\d{6}",)))
    orchestrator = DiagnosticOrchestrator(config=config, host=host_with(("static", provider_plugin("static", provider))))
    orchestrator.collect(REQUEST)
    written = b"".join(p.read_bytes() for p in default_cache_directory().glob("*.cache"))
    assert b"ticket **** opened" in written and b"INTERNAL-123456" not in written


def test_only_the_owner_can_read_the_cache(tmp_path: Path) -> None:
    """The directory is 0700 and each entry 0600."""
    import stat

    store = FileCacheStore(tmp_path / "cache")
    store.set("aws/web/1", b"value", timedelta(hours=1))
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    (entry,) = (tmp_path / "cache").glob("*.cache")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_report_from_cached_data_says_so_and_how_old(tmp_path: Path) -> None:
    """Served from the cache: the report names it and the data's age, in every format that has prose."""
    from datetime import timezone

    provider = StaticProvider(status=ServiceStatus(name="web"))
    orchestrator = DiagnosticOrchestrator(host=host_with(("static", provider_plugin("static", provider))))
    first = orchestrator.collect(REQUEST)
    second = orchestrator.collect(REQUEST)
    assert not first.from_cache and second.from_cache and second.collected_at == first.collected_at
    result = orchestrator.analyze(second, REQUEST)
    generator = orchestrator.report_generator()
    report = generator.generate_report(result, "summary")
    for fmt in ("text", "markdown", "html", "interactive"):
        assert "From the cache: collected" in generator.export_report(report, fmt), fmt
    import json

    document = json.loads(generator.export_report(report, "json"))
    assert document["from_cache"] is True and document["collected_at"].startswith(first.collected_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"))
