"""The core judges neutral facts: no cloud's field values live in src/scdiag's code.

Adapters turn their cloud's data into neutral facts (an instance failing, a
condition failing, a rollout rolled back, a target's HTTP status); the
core's verdict and ranking read only those. Cloud words may appear in the
knowledge base's YAML, in the capture guides' data and in docstrings and
comments, never as values the code compares with.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "src" / "scdiag"
CLOUD_VALUES = (
    # Kubernetes
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "OOMKilled", "Evicted",
    "PodScheduled", "Progressing", "ReplicaFailure", "kubernetes-service", "Completed",
    # ECS and ELB
    "EssentialContainerExited", "TaskFailedToStart", "UserInitiated", "ServiceSchedulerInitiated", "STOPPED", "PRIMARY",
    "UNHEALTHY", "Target.", "ecs-svc", "arn:aws",
    # Cloud Run
    "RoutesReady", "ConfigurationsReady", "knative", "run.googleapis.com",
    # Container Apps
    "Microsoft.App", "ContainerApp", "Provisioned",
)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (of modules, classes, functions, or attributes)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for statement in body:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str):
                    found.add(id(statement.value))
    return found


def _code_strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_code_compares_with_no_cloud_value(path: Path) -> None:
    """No string in the core's code is one of a cloud's field values."""
    offending = [f"{path.name}:{line}: {text!r}" for line, text in _code_strings(path) for value in CLOUD_VALUES if value in text]
    assert offending == []
