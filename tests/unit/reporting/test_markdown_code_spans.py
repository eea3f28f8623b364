"""Inline code in the Markdown report renders as written (checked by rendering it as CommonMark, as GitHub does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from scdiag.cli import main
from scdiag.reporting.markdown_format import code_span

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "k8s-oom-kill"


def _code(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parseInline(markdown)
    return [child.content for token in tokens for child in token.children or () if child.type == "code_inline"]


@pytest.mark.parametrize("text", [".sc/stacks/<stack>/client.yaml", "a `tick` inside", "``double`` and *stars* and \\backslash", "`starts with a tick"])
def test_a_code_span_renders_its_text_literally(text: str) -> None:
    """No backslash escapes inside (CommonMark shows them literally), and no way out of the span."""
    assert _code(code_span(text)) == [text]


def test_the_report_names_the_file_to_change_literally(capsys: pytest.CaptureFixture[str]) -> None:
    """The config file in the fix reads .sc/stacks/<stack>/client.yaml once rendered, not \\<stack\\>."""
    assert main(["analyze", str(EXAMPLE), "-o", "markdown"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("In `"))
    assert _code(line) == [".sc/stacks/<stack>/client.yaml"]


def test_every_time_in_the_json_report_has_one_precision(capsys: pytest.CaptureFixture[str]) -> None:
    """Whole seconds and fractions alike are written with microseconds, in UTC."""
    import json

    from scdiag import regex

    assert main(["analyze", str(EXAMPLE), "-o", "json", "--details"]) == 0
    document = json.loads(capsys.readouterr().out)
    stamps = [event["timestamp"] for event in document["timeline"] if event.get("timestamp")] + [document["generated_at"]]
    shape = regex.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
    assert len(stamps) > 3 and all(shape.search(stamp) for stamp in stamps), stamps


def test_evidence_points_at_the_line_that_holds_it(capsys: pytest.CaptureFixture[str]) -> None:
    """The annotation for OOMKilled names the line with "reason": "OOMKilled", not the pod object's first line."""
    from scdiag import regex

    assert main(["analyze", str(EXAMPLE), "-o", "github"]) == 0
    annotation = next(line for line in capsys.readouterr().out.splitlines() if "pods.json" in line and "OOMKilled" in line)
    line = int(regex.compile(r"line=(\d+)").search(annotation).group(1))  # type: ignore[union-attr]
    assert '"reason": "OOMKilled"' in (EXAMPLE / "pods.json").read_text().splitlines()[line - 1]
