"""The documentation site's generated configuration reference covers every key, with what it does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import attrs

from scdiag.config import DiagnosticsConfig

HOOK = Path(__file__).resolve().parents[2] / "docs" / "hooks" / "config_reference.py"


def _reference() -> str:
    spec = importlib.util.spec_from_file_location("config_reference", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.reference()
    return text


def _keys(cls: type, prefix: str) -> list[str]:
    keys = []
    for field in attrs.fields(cls):
        default = field.default.factory() if isinstance(field.default, attrs.Factory) else field.default  # type: ignore[misc]
        keys.append(f"{prefix}.{field.name}")
        if attrs.has(type(default)):
            keys.extend(_keys(type(default), f"{prefix}.{field.name}"))
    return keys


def test_every_configuration_key_has_a_row_that_says_what_it_does() -> None:
    """A key added without a docstring leaves its meaning cell empty, and this fails."""
    rows = {line.split("|")[1].strip(" `"): line.split("|")[4].strip() for line in _reference().splitlines()[2:]}
    keys = _keys(DiagnosticsConfig, "diagnostics")
    assert set(rows) == set(keys)
    assert [key for key in keys if not rows[key]] == []
