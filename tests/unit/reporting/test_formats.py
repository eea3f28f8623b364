"""Every format, on the same results: failed, healthy, with data gaps, hostile, secret-bearing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from scdiag.models import DiagnosticResult
from scdiag.reporting.document import ReportDocument
from scdiag.reporting.generator import ReportGenerator
from scdiag.reporting.schema import report_schema
from scdiag.serialization import structure

from .conftest import FORMATS, SECRETS

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "report-schema.json"


def _render(generator: ReportGenerator, result: DiagnosticResult, fmt: str, detail: str = "summary", redact: bool = True) -> str:
    if not redact:
        generator = ReportGenerator(generator.renderers, redactor=None)
    return generator.export_report(generator.generate_report(result, detail), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", ["oom", "healthy", "gappy"])
@pytest.mark.parametrize("detail", ["summary", "details", "deep"])
def test_every_format_renders_every_result(generator: ReportGenerator, request: pytest.FixtureRequest, fmt: str, case: str, detail: str) -> None:
    """No format fails on failed, healthy or gappy results at any level of detail."""
    result = request.getfixturevalue(case)
    assert _render(generator, result, fmt, detail).strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_reaches_any_format(generator: ReportGenerator, secretive: DiagnosticResult, fmt: str) -> None:
    """Secret-shaped strings in evidence and summary are masked in every format."""
    out = _render(generator, secretive, fmt, "deep")
    leaked = [kind for secret, kind in SECRETS.items() if secret in out]
    assert leaked == []


def test_no_redact_keeps_secrets_and_says_so(generator: ReportGenerator, secretive: DiagnosticResult) -> None:
    """--no-redact is for local use, and the report says redaction was off."""
    out = _render(generator, secretive, "text", redact=False)
    assert "AKIAIOSFODNN7EXAMPLE" in out and "redaction was turned off" in out


@pytest.mark.parametrize("fmt", ["text", "interactive", "markdown", "html", "github"])
def test_hostile_content_cannot_escape_its_place(generator: ReportGenerator, hostile: DiagnosticResult, fmt: str) -> None:
    """No ANSI escape, bidi override or zero-width character survives; huge lines are clipped."""
    out = _render(generator, hostile, fmt, "details")
    assert "\x1b" not in out and "\u202e" not in out and "\u200b" not in out
    assert len(out) < 200_000


def test_markdown_fences_cannot_be_broken(generator: ReportGenerator, hostile: DiagnosticResult) -> None:
    """Evidence with ``` and ```` sits in a longer fence; prose has no live mention or HTML."""
    out = _render(generator, hostile, "markdown", "details")
    fence = re.search(r"^(`{3,})text$", out, re.MULTILINE)
    assert fence is not None and len(fence.group(1)) >= 5
    prose = re.sub(r"^(`{3,})[a-z]*\n.*?^\1$", "", out, flags=re.MULTILINE | re.DOTALL)
    assert "@octocat" not in prose.replace("\\@octocat", "")
    assert "<script>" not in prose


def test_html_escapes_everything(generator: ReportGenerator, hostile: DiagnosticResult) -> None:
    """No tag from the content reaches the page; there are no scripts and no external assets."""
    out = _render(generator, hostile, "html", "details")
    assert "<script" not in out and "onerror=alert" not in out.replace("onerror=alert(1)&gt;", "")
    assert not re.search(r'(src|href)="(?!https://)', out)
    assert re.findall(r'<link|<script|src="http', out) == []


def test_github_commands_cannot_be_injected(generator: ReportGenerator, hostile: DiagnosticResult) -> None:
    """Each workflow command is one line; content cannot start another."""
    out = _render(generator, hostile, "github")
    lines = out.strip().split("\n")
    # One error and three evidence warnings: content stays inside its own command's message.
    assert len(lines) == 4
    assert all(re.match(r"^::(error|warning|notice) [^:]*::", line) for line in lines)


def test_github_appends_the_summary_when_asked(generator: ReportGenerator, oom: DiagnosticResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GITHUB_STEP_SUMMARY gets the Markdown report appended."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _render(generator, oom, "github")
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "## scdiag: FAILED" in text


def test_json_follows_the_checked_in_schema(generator: ReportGenerator, oom: DiagnosticResult, healthy: DiagnosticResult, gappy: DiagnosticResult) -> None:
    """Reports of every kind validate against docs/report-schema.json."""
    schema = json.loads(SCHEMA_FILE.read_text())
    for result in (oom, healthy, gappy):
        for detail in ("summary", "deep"):
            jsonschema.Draft202012Validator(schema).validate(json.loads(_render(generator, result, "json", detail)))


def test_the_checked_in_schema_is_generated_from_the_models() -> None:
    """docs/report-schema.json equals what python -m scdiag.reporting.schema prints."""
    assert json.loads(SCHEMA_FILE.read_text()) == report_schema()


def test_the_json_report_round_trips(generator: ReportGenerator, oom: DiagnosticResult) -> None:
    """The JSON document structures back into the document model."""
    data = json.loads(_render(generator, oom, "json", "deep"))
    document = structure(data, ReportDocument)
    assert document.root_cause is not None and document.root_cause.pattern_id == "container-oom-kill"
    assert document.schema_version == "1.2"
    assert document.rollout is not None and document.rollout.attempted == oom.rollout.attempted


def test_yaml_carries_the_same_document(generator: ReportGenerator, oom: DiagnosticResult) -> None:
    """YAML and JSON are renderings of one document."""
    assert yaml.safe_load(_render(generator, oom, "yaml")) == json.loads(_render(generator, oom, "json"))


def test_the_oom_summary_fits_25_lines_at_80_columns(generator: ReportGenerator, oom: DiagnosticResult, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default view of an OOM diagnosis is one screen."""
    monkeypatch.setenv("COLUMNS", "80")
    out = _render(generator, oom, "interactive")
    lines = out.rstrip("\n").split("\n")
    assert len(lines) <= 25
    assert max(len(line) for line in lines) <= 80


def test_the_summary_has_verdict_cause_evidence_and_fix(generator: ReportGenerator, oom: DiagnosticResult) -> None:
    """Summary level: the verdict, the cause with confidence, evidence and the first fix with its change."""
    out = _render(generator, oom, "text")
    assert out.startswith("FAILED:") and "99%" in out and "OOMKilled" in out
    assert "Give the container more memory" in out and "-         memory: 256" in out and "+         memory: 512" in out


def test_details_add_the_folded_timeline(generator: ReportGenerator, oom: DiagnosticResult) -> None:
    """Repeated events appear once with their count."""
    out = _render(generator, oom, "text", "details")
    assert "Back-off restarting failed container" in out and "x27" in out


def test_fix_steps_name_the_users_stack(generator: ReportGenerator, oom: DiagnosticResult) -> None:
    """{stack} and {environment} are filled from the request (the steps are shown with --details)."""
    import attrs

    from scdiag.models import RequestContext

    request = attrs.evolve(oom.request, context=RequestContext(stack="shop", environment="production"))
    out = _render(generator, attrs.evolve(oom, request=request), "markdown", "details")
    assert "stacks.production.config.size.memory" in out and "<stack>" not in out


def test_the_html_report_opens_in_a_browser(generator: ReportGenerator, oom: DiagnosticResult, tmp_path: Path) -> None:
    """Headless Chromium renders the page; its DOM shows the verdict, the cause and the fix.

    Skipped only where Chromium is absent and could not be installed; .ci/run
    sets SCDIAG_REQUIRE_CHROMIUM wherever it could, and then its absence fails.
    """
    if shutil.which("chromium") is None:
        if os.environ.get("SCDIAG_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (SCDIAG_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("chromium is not installed (.ci/run installs it)")
    page = tmp_path / "report.html"
    page.write_text(_render(generator, oom, "html", "details"), encoding="utf-8")
    profile = tmp_path / "profile"
    command = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--dump-dom", page.as_uri(),
    ]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    assert re.search(r'id="verdict">FAILED: orders-api: Container killed for exceeding its memory limit', dom)
    assert "Give the container more memory" in dom and "pods.json:89" in dom


@pytest.mark.parametrize("detail", ["summary", "details"])
def test_below_deep_the_report_keeps_only_the_collected_data_it_shows(generator: ReportGenerator, oom: DiagnosticResult, detail: str) -> None:
    """Logs, events and instances are shown only by deep reports: they are not masked and carried for the others."""
    assert oom.data is not None and oom.data.events and oom.data.status is not None and oom.data.status.instances
    data = generator.generate_report(oom, detail).result.data
    assert data is not None and data.status is not None
    assert (data.logs, data.events, data.status.instances) == ((), (), ())
    assert (data.status.containers, data.gaps, data.inputs) == (oom.data.status.containers, oom.data.gaps, oom.data.inputs)


def test_a_deep_report_keeps_everything_collected(generator: ReportGenerator, oom: DiagnosticResult) -> None:
    assert oom.data is not None and oom.data.status is not None
    data = generator.generate_report(oom, "deep").result.data
    assert data is not None and data.status is not None
    assert (len(data.events), len(data.logs), len(data.status.instances)) == (len(oom.data.events), len(oom.data.logs), len(oom.data.status.instances))
