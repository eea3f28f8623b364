"""The contract every capture reader and provider registered by a plugin must keep."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scdiag.app import DiagnosticOrchestrator
from scdiag.captures.collector import CaptureCollector
from scdiag.errors import CaptureError
from scdiag.plugins import resolve
from scdiag.ports import CaptureReader, CaptureSource, DiagnosticProvider

ORCHESTRATOR = DiagnosticOrchestrator()
READERS = ORCHESTRATOR.host.capture_readers()
PROVIDERS = ORCHESTRATOR.host.providers()


def _source(text: str, name: str = "input") -> CaptureSource:
    return CaptureSource(name=name, head=text[:65536], open=lambda: io.StringIO(text))


def _collector() -> CaptureCollector:
    collector = CaptureCollector(ORCHESTRATOR.engine().log_matcher)  # type: ignore[attr-defined]
    collector.begin_input("input")
    return collector


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_a_reader_implements_the_port(reader: Any) -> None:
    """Name, provider, sniff and read, as the CaptureReader protocol says."""
    assert isinstance(reader, CaptureReader)
    assert reader.name and isinstance(reader.name, str)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_a_reader_names_are_unique(reader: Any) -> None:
    """Reports name the reader that took each file: two readers cannot share a name."""
    assert [r.name for r in READERS].count(reader.name) == 1


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=400) | st.sampled_from(['{"items": [', "[", '{"kind": "List", "apiVersion": "v1", "items": [{"kind": 1}]}', '{"events": "x", "logStreamName": 1}', '{"tasks": [{"taskArn": 5}]}', "Name: x\nNamespace: y\nContainers:\n  a:\n    State: Waiting\n"]))
def test_a_reader_never_fails_with_anything_but_a_capture_error(reader: Any, text: str) -> None:
    """On any text: sniff returns a number in [0, 1]; read returns a count, or raises a CaptureError naming the input."""
    source = _source(text)
    score = reader.sniff(source)
    assert 0.0 <= score <= 1.0
    try:
        count = reader.read(source, _collector())
    except CaptureError as error:
        assert error.path == source.name and str(error).startswith(f"{source.name}")
    else:
        assert isinstance(count, int) and count >= 0


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_a_provider_implements_the_port(name: str) -> None:
    """The registered factory builds an object of the DiagnosticProvider protocol, without network."""
    factory = resolve(PROVIDERS[name].factory)
    provider = factory(ORCHESTRATOR.config)
    assert isinstance(provider, DiagnosticProvider)
    assert provider.name == name
