"""The shipped knowledge base: complete, valid, and silent on healthy lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scdiag._builtin import PATTERN_DIRECTORY
from scdiag.analysis.loader import load_pattern_file
from scdiag.analysis.patterns import FailurePattern, Indicator, IndicatorKind

HEALTHY = yaml.safe_load((Path(__file__).parent / "healthy_examples.yaml").read_text(encoding="utf-8"))
PATTERNS: list[FailurePattern] = [p for f in sorted(PATTERN_DIRECTORY.glob("*.yaml")) for p in load_pattern_file(f)]
BY_ID = {p.id: p for p in PATTERNS}
CATALOGUE_IDS = {
    "container-oom-kill", "runtime-heap-oom", "disk-full", "k8s-evicted", "ecs-insufficient-capacity",
    "fargate-capacity-unavailable", "k8s-insufficient-resources", "quota-exceeded", "subnet-ip-exhaustion",
    "k8s-pod-sandbox-failure", "container-port-binding-failure", "container-not-listening-on-port",
    "dns-resolution-failure", "tls-certificate-error", "container-database-connection-failure",
    "image-pull-network-timeout", "ecs-eni-network-configuration", "k8s-service-no-endpoints", "image-not-found",
    "image-pull-auth-failure", "image-pull-rate-limit", "image-architecture-mismatch", "k8s-invalid-image-name",
    "container-entrypoint-not-found", "container-missing-config", "k8s-create-container-config-error",
    "k8s-create-container-error", "invalid-task-definition", "ecs-log-configuration-error",
    "ecs-deployment-config-blocked", "secrets-retrieval-failure", "iam-permission-denied",
    "container-permission-denied", "privileged-port-bind-denied", "read-only-filesystem", "lb-health-check-failure",
    "container-health-check-failure", "readiness-probe-failure", "startup-probe-failure",
    "k8s-unschedulable-constraints", "pvc-unbound", "volume-mount-failure", "container-application-crash",
    "container-dependency-missing", "ecs-container-runtime-timeout", "platform-initiated-stop",
    "cloudrun-cpu-throttled-background",
}
BEYOND_CATALOGUE = {"containerapp-secret-reference-missing"}
"""Causes added from what users paste, beyond the catalogue's."""
WRAPPER_IDS = {
    "ecs-essential-container-exited", "k8s-crashloop-backoff", "ecs-task-failed-to-start", "ecs-deployment-circuit-breaker",
    "k8s-progress-deadline-exceeded", "cloudrun-revision-not-ready", "azure-containerapp-provisioning-failed",
}
TEXT_KINDS = {IndicatorKind.LOG, IndicatorKind.EVENT, IndicatorKind.STATUS, IndicatorKind.CONTAINER, IndicatorKind.TARGET_HEALTH}


def test_every_catalogue_cause_and_wrapper_is_a_pattern() -> None:
    """The catalogue's 47 causes and 7 wrappers are all there, under its ids; more may be added."""
    assert CATALOGUE_IDS | BEYOND_CATALOGUE <= {p.id for p in PATTERNS if not p.wrapper}
    assert WRAPPER_IDS <= {p.id for p in PATTERNS if p.wrapper}


def test_every_shipped_pattern_declares_its_role() -> None:
    """The ranking reads roles: a shipped pattern says what it is rather than inheriting a default from its tier."""
    declared = {p["id"] for f in PATTERN_DIRECTORY.glob("*.yaml") for p in yaml.safe_load(f.read_text(encoding="utf-8"))["patterns"] if "role" in p}
    assert declared == {p.id for p in PATTERNS}


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_every_text_indicator_has_examples(pattern: FailurePattern) -> None:
    """Each log/event/status/container/target indicator ships real messages (matched at load)."""
    for indicator in pattern.indicators:
        if indicator.kind in TEXT_KINDS and indicator.state is None:
            assert indicator.examples, f"{pattern.id}/{indicator.id}"


@pytest.mark.parametrize("pattern", [p for p in PATTERNS if not p.wrapper], ids=lambda p: p.id)
def test_every_cause_has_a_fix_and_a_link(pattern: FailurePattern) -> None:
    """Every root cause tells what to change and where to read more."""
    assert pattern.solutions and pattern.solutions[0].steps
    assert pattern.learn_more and all(url.startswith("https://") for url in pattern.learn_more)


def _matches(indicator: Indicator, kind: str, item: Any) -> bool:
    if isinstance(item, str):
        item = {"message": item}
    message = item.get("message", "")
    reason = item.get("reason", "")
    if kind == "target_health" and indicator.state is not None and item.get("state") != indicator.state:
        return False
    if indicator.reason is not None and not indicator.reason.search(reason):
        return False
    if indicator.pattern is not None and not indicator.pattern.search(message):
        return False
    return indicator.reason is not None or indicator.pattern is not None or indicator.state is not None


@pytest.mark.parametrize("kind", ["log", "event", "status", "container", "target_health"])
def test_no_pattern_matches_a_healthy_line(kind: str) -> None:
    """Red herrings and healthy lines match no indicator of their field."""
    hits = [
        (pattern.id, indicator.id, item)
        for pattern in PATTERNS
        for indicator in pattern.indicators
        if indicator.kind.value == kind
        for item in HEALTHY[kind]
        if _matches(indicator, kind, item)
    ]
    assert hits == []
