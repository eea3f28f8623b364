"""Fixes name what the evidence named: the missing variable, under secrets when it is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from scdiag.analysis.solutions import evidence_values

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("KeyError: 'FEATURE_FLAGS_URL'", {"variable": "FEATURE_FLAGS_URL", "variable_section": "env", "variable_value": "<value>"}),
        ("RuntimeError: STRIPE_SECRET_KEY environment variable is not set", {"variable": "STRIPE_SECRET_KEY", "variable_section": "secrets", "variable_value": "${secret:stripe-secret-key}"}),
        ("thread 'main' panicked at 'DATABASE_URL must be set: NotPresent'", {"variable": "DATABASE_URL", "variable_section": "secrets", "variable_value": "${secret:database-url}"}),
        ("Error: Missing required environment variable: LOG_LEVEL", {"variable": "LOG_LEVEL", "variable_section": "env", "variable_value": "<value>"}),
    ],
)
def test_the_missing_setting_is_read_from_the_evidence(line: str, expected: dict[str, str]) -> None:
    """The name as the runtime printed it; secrets by their name's shape."""
    assert evidence_values([line]) == expected


def test_evidence_naming_no_setting_gives_nothing() -> None:
    """The fix then keeps its placeholders."""
    assert evidence_values(["Traceback (most recent call last):", "ValueError: bad"]) == {}


def test_the_report_puts_a_missing_secret_under_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped Cloud Run example misses OPENAI_API_KEY: the fix adds it as a secret reference, not a plain env value."""
    from scdiag.cli import main

    assert main(["analyze", str(EXAMPLES / "cloud-run-missing-env"), "-o", "text"]) == 0
    out = capsys.readouterr().out
    fix = out[out.index("Fix:") :]
    assert "secrets:" in fix and "OPENAI_API_KEY: ${secret:openai-api-key}" in fix
    assert "<NAME>" not in fix and "env:" not in fix


@pytest.mark.parametrize(("example", "wanted", "unwanted"), [("k8s-oom-kill", "kubernetes.io", "aws"), ("ecs-console-stopped-task", "docs.aws.amazon.com", "kubernetes.io")])
def test_learn_more_links_are_the_ones_for_the_cloud_at_hand(example: str, wanted: str, unwanted: str) -> None:
    """A Kubernetes OOM links Kubernetes' page, not an ECS article; links about every platform stay."""
    import scdiag

    cause = scdiag.analyze_captures([EXAMPLES / example]).root_cause
    assert cause is not None and cause.learn_more
    assert any(wanted in url for url in cause.learn_more)
    assert not any(unwanted in url for url in cause.learn_more)


@pytest.mark.parametrize(
    ("line", "image"),
    [
        ('Failed to pull image "registry.example.com/shop/web:2.14.O": rpc error: code = NotFound desc = failed to resolve reference', "registry.example.com/shop/web:2.14.O"),
        ("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2.15.0: not found", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2.15.0"),
        ("Revision 'web-00008-new' is not ready and cannot serve traffic. Image 'gcr.io/acme/web:latest' not found.", "gcr.io/acme/web:latest"),
    ],
)
def test_the_image_a_pull_failed_on_is_read_from_the_evidence(line: str, image: str) -> None:
    """The fix names the reference the platform could not pull, typos included."""
    assert evidence_values([line])["image"] == image
