"""The plugin contract documented in docs/plugins.md matches the hook specs."""

from __future__ import annotations

import inspect
from pathlib import Path

from scdiag import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def test_every_hook_is_documented_with_its_signature() -> None:
    """A heading `### name(args)` exists for each hook spec."""
    text = DOCS.read_text(encoding="utf-8")
    hooks = [name for name, value in vars(hookspecs).items() if name.startswith("scdiag_") and callable(value)]
    assert hooks
    for name in hooks:
        args = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"### {name}({args})" in text, name
