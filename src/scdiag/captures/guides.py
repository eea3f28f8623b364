"""Capture guides: which commands capture what scdiag reads, and which provider a text looks like.

The guides are data (``guides.yaml`` beside this module), so the core knows
no cloud in code: it can still tell a user who pasted ``kubectl`` output
without the Kubernetes extra installed what to install, and print the exact
commands to capture a provider's data.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from scdiag import regex
from scdiag._records import record

__all__ = ["CaptureGuide", "capture_guides", "looks_like", "render_commands"]

_GUIDES = Path(__file__).with_name("guides.yaml")


@record
class CaptureGuide:
    """One provider's capture commands and the marks its output carries."""

    provider: str
    label: str
    commands: tuple[str, ...]
    marks: tuple[regex.Pattern, ...] = attrs.field(repr=False)


@functools.cache
def capture_guides() -> Mapping[str, CaptureGuide]:
    """Every provider's guide, by provider name."""
    import yaml  # asked only when an input was not understood

    document = yaml.safe_load(_GUIDES.read_text(encoding="utf-8"))
    guides = {}
    for provider, entry in document["providers"].items():
        guides[provider] = CaptureGuide(
            provider=provider,
            label=str(entry["label"]),
            commands=tuple(str(c) for c in entry["commands"]),
            marks=tuple(regex.compile(expression) for expression in entry["looks_like"]),
        )
    return guides


def looks_like(text: str, providers: Sequence[str] | None = None) -> str | None:
    """The provider whose output ``text`` looks like (most marks found), or ``None``."""
    best: tuple[int, str] | None = None
    for guide in capture_guides().values():
        if providers is not None and guide.provider not in providers:
            continue
        hits = sum(1 for mark in guide.marks if mark.search(text))
        if hits and (best is None or hits > best[0]):
            best = (hits, guide.provider)
    return None if best is None else best[1]


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key.replace('_', '-')}>"


def render_commands(provider: str, values: Mapping[str, str | None]) -> list[str]:
    """The provider's capture commands with ``values`` filled in; unknown values stay ``<placeholders>``.

    Raises:
        KeyError: no guide for ``provider``.
    """
    guide = capture_guides()[provider]
    filled = _Placeholders({key: value for key, value in values.items() if value})
    formatter = string.Formatter()
    return [formatter.vformat(command, (), filled) for command in guide.commands]
