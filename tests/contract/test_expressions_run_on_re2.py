"""Every regular expression in scdiag and its adapters runs on RE2: no module imports Python's backtracking ``re``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[2] / "src").rglob("*.py"))


def _imports_re(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(alias.name == "re" for alias in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "re":
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_the_module_does_not_import_backtracking_re(path: Path) -> None:
    """Patterns, masking and the readers' own parsing alike: RE2 (scdiag.regex), linear in the input."""
    assert _imports_re(path) == [], f"{path} imports re at line(s) {_imports_re(path)}; use scdiag.regex"
