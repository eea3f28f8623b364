"""Every secret shape, through every way out: each report format at each detail level, the cache, spans, errors.

The shapes are the redaction tests' corpus, plus one masked only by a
``redaction.patterns`` rule and one only by a plugin's rule: those two must
be masked wherever the built-in ones are. ``--no-redact`` shows the report
unmasked, and only the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scdiag.app import DiagnosticOrchestrator
from scdiag.cache import DiagnosticCache, FileCacheStore
from scdiag.cli import main
from scdiag.cloudcall import CloudOperation, RetryPolicy, cloud_call
from scdiag.config import config_from_mapping
from scdiag.errors import CloudError, NothingCollected
from scdiag.models import DiagnosticRequest, LogData, LogEntry, ServiceStatus
from scdiag.plugins import RedactionRegistry, hookimpl
from scdiag.ports import CollectionScope
from scdiag.reporting.generator import DETAIL_LEVELS
from scdiag.testing import StaticProvider, host_with, provider_plugin

from tests.unit.test_redaction import SECRETS

CONFIG_SECRET = ("ticket INTERNAL-482913 opened", "INTERNAL-482913")
PLUGIN_SECRET = ("vault lease vlt.Zq8TmXr2Lp9wKd3s renewed", "Zq8TmXr2Lp9wKd3s")
LINES = [text for text, _secret, _shape in SECRETS] + [CONFIG_SECRET[0], PLUGIN_SECRET[0]]
SECRET_PARTS = [secret for _text, secret, _shape in SECRETS] + [CONFIG_SECRET[1], PLUGIN_SECRET[1]]
CONFIG = {"diagnostics": {"redaction": {"patterns": [r"INTERNAL-\d{6}"]}, "cache": {"enabled": False}}}


class VaultRules:
    @staticmethod
    @hookimpl
    def scdiag_register_redaction_rules(registry: RedactionRegistry) -> None:
        registry.add_rule("vault-lease", r"vlt\.(?P<secret>[A-Za-z0-9]{16})")


def _orchestrator(provider: StaticProvider | None = None, config: dict[str, object] | None = None) -> DiagnosticOrchestrator:
    import scdiag_k8s.plugin

    plugins: list[tuple[str, object]] = [("vault", VaultRules()), ("kubernetes", scdiag_k8s.plugin)]
    if provider is not None:
        plugins.append(("static", provider_plugin("static", provider)))
    return DiagnosticOrchestrator(host=host_with(*plugins), config=config_from_mapping(config or CONFIG))


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRET_PARTS if secret in text]


@pytest.fixture(scope="module", name="capture")
def _capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crash-looping pod's log, every line an error holding a secret, each line repeated so it is kept."""
    directory = tmp_path_factory.mktemp("secrets")
    lines = [f"ERROR {line}".replace("\n", " ") for line in LINES for _ in range(2)]
    lines.append("Error: connect ECONNREFUSED 10.0.0.5:5432")
    (directory / "app.log").write_text("\n".join(lines) + "\n")
    return directory


@pytest.fixture(scope="module", name="unmasked_json")
def _unmasked_json(capture: Path) -> str:
    orchestrator = _orchestrator()
    generator = orchestrator.report_generator(redact=False)
    return generator.export_report(generator.generate_report(orchestrator.analyze_captures([str(capture)], redact=False), "deep"), "json")


def test_the_unmasked_deep_report_holds_every_secret(unmasked_json: str) -> None:
    """The corpus reaches the report at all: the masking tests below would pass vacuously otherwise."""
    assert _leaks(unmasked_json) == SECRET_PARTS


@pytest.mark.parametrize("detail", DETAIL_LEVELS)
@pytest.mark.parametrize("format", ["json", "yaml", "text", "markdown", "html", "github", "interactive"])
def test_no_secret_reaches_any_format_at_any_detail(capture: Path, format: str, detail: str) -> None:
    """Built-in, config and plugin rules all apply, in every format and at every level."""
    orchestrator = _orchestrator()
    generator = orchestrator.report_generator()
    report = generator.generate_report(orchestrator.analyze_captures([str(capture)]), detail)
    assert _leaks(generator.export_report(report, format)) == []


def test_no_secret_reaches_the_findings_of_a_result(capture: Path) -> None:
    """The library's result: causes, evidence, symptoms, timeline and summary are masked; ``data`` is as collected."""
    from scdiag.serialization import unstructure

    result = _orchestrator().analyze_captures([str(capture)])
    findings = json.dumps([unstructure(getattr(result, name)) for name in ("root_cause", "secondary_causes", "symptoms", "timeline", "recommendations", "summary", "rollout")])
    assert "ECONNREFUSED" in findings and _leaks(findings) == []


def test_no_secret_reaches_the_cache(tmp_path: Path) -> None:
    """What the cache writes holds none of the shapes, config and plugin ones included."""
    logs = (LogData(source="app", entries=tuple(LogEntry(message=line) for line in LINES)),)
    provider = StaticProvider(status=ServiceStatus(name="web"), logs=logs)
    orchestrator = _orchestrator(provider, {"diagnostics": {"redaction": {"patterns": [r"INTERNAL-\d{6}"]}}})
    orchestrator.cache = DiagnosticCache(FileCacheStore(tmp_path))
    orchestrator.collect(DiagnosticRequest(provider="static", service_name="web"))
    written = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    assert written and _leaks(written.decode("utf-8", errors="replace")) == []


def test_no_secret_reaches_a_span_of_a_collector_thread(spans) -> None:  # type: ignore[no-untyped-def]
    """Cloud errors quoting each secret, raised in a collector thread, are masked on their spans with every rule."""
    operation = CloudOperation(provider="static", service="API", method="Get", region=None, target="web")

    def status(scope: CollectionScope) -> ServiceStatus:
        for line in LINES:
            def fail(line: str = line) -> None:
                raise CloudError(f"rejected: {line}", provider="static")

            with pytest.raises(CloudError):
                cloud_call(operation, fail, classify=lambda error: None, deadline=scope.deadline, policy=RetryPolicy(max_attempts=1))
        return ServiceStatus(name="web")

    _orchestrator(StaticProvider(status=status)).collect(DiagnosticRequest(provider="static", service_name="web"))
    failed = [s for s in spans.get_finished_spans() if (s.attributes or {}).get("rpc.method") == "Get"]
    shown = json.dumps([[s.status.description, [dict(e.attributes or {}) for e in s.events]] for s in failed])
    assert len(failed) == len(LINES) and "rejected" in shown
    assert _leaks(shown) == []


def test_no_secret_reaches_the_nothing_collected_error() -> None:
    """Every source failed with errors quoting secrets: the exception's message and reasons are masked."""
    provider = StaticProvider(credentials_error=CloudError("denied for " + " | ".join(LINES)))
    with pytest.raises(NothingCollected) as raised:
        _orchestrator(provider).diagnose(DiagnosticRequest(provider="static", service_name="web"))
    assert "denied for" in str(raised.value)
    assert _leaks(str(raised.value)) == [] and _leaks(" ".join(raised.value.reasons)) == []


@pytest.fixture(name="config_file")
def _config_file(tmp_path: Path) -> str:
    path = tmp_path / "diagnostics-config.yaml"
    path.write_text(json.dumps(CONFIG))
    return str(path)


def _cli_leaks(text: str) -> list[str]:
    # The command line loads the installed plugins, not the test's vault rule.
    return [secret for secret in _leaks(text) if secret != PLUGIN_SECRET[1]]


def test_no_redact_shows_the_report_unmasked_and_says_so(capture: Path, config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    """No rule is applied anywhere in the report, the configured one included, and the report says redaction was off."""
    main(["--config", config_file, "analyze", str(capture), "-o", "json", "--deep", "--no-redact"])
    out = capsys.readouterr().out
    assert json.loads(out)["redacted"] is False
    assert _cli_leaks(out) == [secret for secret in SECRET_PARTS if secret != PLUGIN_SECRET[1]]


def test_without_no_redact_the_command_line_report_holds_no_secret(capture: Path, config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The same command without the flag: every shape masked, on standard output and standard error, and the report says it was."""
    main(["--config", config_file, "analyze", str(capture), "-o", "json", "--deep"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["redacted"] is True
    assert _cli_leaks(captured.out + captured.err) == []
