"""MkDocs hook: the configuration reference, generated from scdiag's configuration classes.

Replaces ``<!-- config-reference -->`` in a page with one table row per key:
its path under ``diagnostics``, its type, its default and its docstring, so
the reference cannot drift from the code.
"""

from __future__ import annotations

import ast
import inspect
from datetime import timedelta
from typing import Any

import attrs

MARKER = "<!-- config-reference -->"


def _field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (the string literal after each field), which attrs does not keep."""
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, following in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) and isinstance(following.value.value, str):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def _show(value: Any) -> str:
    from scdiag._units import format_duration

    if isinstance(value, timedelta):
        return f'`"{format_duration(value)}"`'
    if isinstance(value, tuple):
        return "`[" + ", ".join(repr(v) for v in value) + "]`" if value else "`[]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    if value is None:
        return "none"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _rows(cls: type, prefix: str) -> list[str]:
    rows = []
    docs = _field_docs(cls)
    for field in attrs.fields(cls):
        path = f"{prefix}.{field.name}"
        default = field.default.factory() if isinstance(field.default, attrs.Factory) else field.default  # type: ignore[misc]
        if attrs.has(type(default)):
            own = docs.get(field.name) or (type(default).__doc__ or "").strip().split("\n")[0]
            rows.append(f"| `{path}` | section | | {own} |")
            rows.extend(_rows(type(default), path))
            continue
        kind = getattr(field.type, "__name__", None) or str(field.type).replace("typing.", "")
        description = docs.get(field.name, "").replace("|", "\\|")
        rows.append(f"| `{path}` | {kind} | {_show(default)} | {description} |")
    return rows


def reference() -> str:
    """The table of every configuration key."""
    from scdiag.config import DiagnosticsConfig

    lines = ["| key | type | default | meaning |", "|---|---|---|---|", *_rows(DiagnosticsConfig, "diagnostics")]
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    """The MkDocs event: fill in the marker."""
    return markdown.replace(MARKER, reference()) if MARKER in markdown else markdown
