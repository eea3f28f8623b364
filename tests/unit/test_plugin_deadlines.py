"""Plugin code that never returns is abandoned and reported: credential checks, readers, sniffers, renderers.

The hanging parts wait on an event that the test releases at its end, so no
thread outlives the test; pytest-timeout fails a test that would hang.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.config import config_from_mapping
from scdiag.errors import RenderError
from scdiag.models import DiagnosticRequest, GapKind, LogEntry
from scdiag.plugins import CaptureReaderRegistry, ReportFormatRegistry, hookimpl
from scdiag.ports import CaptureSink, CaptureSource
from scdiag.testing import StaticProvider, host_with, provider_plugin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "k8s-oom-kill"


@pytest.fixture(name="release")
def _release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_credential_check_that_never_returns_is_cut_at_the_deadline(release: threading.Event) -> None:
    """A plugin provider's check that blocks is a timed-out credentials gap, within the request's timeout."""

    class Silent(StaticProvider):
        def validate_credentials(self, request: DiagnosticRequest) -> None:
            release.wait(60)

    host = host_with(("silent", provider_plugin("silent", Silent())))
    request = DiagnosticRequest(provider="silent", service_name="web", timeout=timedelta(seconds=0.5))
    data = DiagnosticOrchestrator(host=host, config=config_from_mapping({"diagnostics": {"cache": {"enabled": False}}})).collect(request)
    assert [(gap.source, gap.kind) for gap in data.gaps] == [("credentials", GapKind.TIMED_OUT)]


def test_a_credential_check_raising_a_plain_exception_is_a_gap() -> None:
    """A plugin's bug in its check is the credentials gap with the error's type, not a traceback."""

    class Broken(StaticProvider):
        def validate_credentials(self, request: DiagnosticRequest) -> None:
            raise ZeroDivisionError("division by zero")

    host = host_with(("broken", provider_plugin("broken", Broken())))
    data = DiagnosticOrchestrator(host=host).collect(DiagnosticRequest(provider="broken", service_name="web"), use_cache=False)
    assert [(gap.source, gap.reason) for gap in data.gaps] == [("credentials", "ZeroDivisionError: division by zero")]


class _Reader:
    """A plugin's reader of any text: sure of everything, so it is chosen over the built-in ones.

    Its first read blocks until released; the next read releases it and gives
    the abandoned one time to write into the run it was cut from.
    """

    name: ClassVar[str] = "hanging-reader"
    provider: ClassVar[str | None] = "static"
    release: ClassVar[threading.Event]
    hang_in: ClassVar[str] = "read"
    late_write_done: ClassVar[threading.Event]
    reads: ClassVar[int] = 0

    def sniff(self, source: CaptureSource) -> float:
        if self.hang_in == "sniff":
            self.release.wait(60)
        return 1.0

    def read(self, source: CaptureSource, sink: CaptureSink) -> int:
        type(self).reads += 1
        if type(self).reads == 1:
            self.release.wait(60)
            sink.add_log(LogEntry(message="written after being abandoned"), "late")
            self.late_write_done.set()
            return 1
        self.release.set()
        self.late_write_done.wait(10)
        sink.add_log(LogEntry(message="the second input, read in time"), "in-time")
        return 1


def _orchestrator_with_reader(hang_in: str, release: threading.Event) -> DiagnosticOrchestrator:
    reader = type("HangingReader", (_Reader,), {"release": release, "hang_in": hang_in, "late_write_done": threading.Event(), "reads": 0})

    class Plugin:
        @staticmethod
        @hookimpl
        def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
            registry.add_reader(reader())

    import scdiag_k8s.plugin

    config = config_from_mapping({"diagnostics": {"cache": {"enabled": False}, "captures": {"plugin_reader_timeout": "1s"}}})
    return DiagnosticOrchestrator(host=host_with(("hanging", Plugin()), ("kubernetes", scdiag_k8s.plugin)), config=config)


def test_a_plugin_reader_that_never_returns_is_abandoned_and_cannot_write_into_the_run_later(release: threading.Event) -> None:
    """The first input says its reader was abandoned; the abandoned reader's write during the second input is dropped."""
    orchestrator = _orchestrator_with_reader("read", release)
    result = orchestrator.analyze_captures([str(EXAMPLE / "pods.json"), str(EXAMPLE / "events.json")])
    assert result.data is not None
    first, second = result.data.inputs
    assert any("reader hanging-reader failed: Abandoned: did not finish within 1 s; abandoned" in p for p in first.problems)
    assert second.items == 1
    assert {log.source for log in result.data.logs} == {"in-time"}


def test_a_plugin_sniffer_that_never_returns_is_abandoned_and_the_builtin_readers_take_the_input(release: threading.Event) -> None:
    """The sniffer's failure is said; the pods are read by the kubectl reader as without the plugin."""
    orchestrator = _orchestrator_with_reader("sniff", release)
    result = orchestrator.analyze_captures([str(EXAMPLE / "pods.json")])
    assert result.data is not None
    (record,) = result.data.inputs
    assert record.reader == "kubectl-get-json"
    assert any("reader hanging-reader failed to sniff" in problem and "abandoned" in problem for problem in record.problems)


def test_a_plugin_renderer_that_never_returns_is_a_render_error(release: threading.Event, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering a report in a plugin's format that hangs fails with one clear error instead of hanging."""
    monkeypatch.setattr("scdiag.app._PLUGIN_RENDER_SECONDS", 0.5)

    def render(report: Any) -> str:
        release.wait(60)
        return ""

    class Plugin:
        @staticmethod
        @hookimpl
        def scdiag_register_report_formats(registry: ReportFormatRegistry) -> None:
            registry.add_format("slow", render)

    orchestrator = DiagnosticOrchestrator(host=host_with(("slow", Plugin())))
    result = orchestrator.analyze_captures([str(EXAMPLE)])
    generator = orchestrator.report_generator()
    with pytest.raises(RenderError, match="report format slow: the renderer did not finish within 0.5 s; abandoned"):
        generator.export_report(generator.generate_report(result), "slow")
