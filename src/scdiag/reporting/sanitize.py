"""Making untrusted text (log lines, event messages) safe to show.

Log content is written by whatever ran in the container: it may carry ANSI
escapes that repaint a terminal, bidi overrides that reorder what is read,
zero-width characters, or lines of megabytes.
"""

from __future__ import annotations

from scdiag import regex


__all__ = ["clip", "clean"]

_CONTROL = regex.deferred(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_ANSI = regex.deferred(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean(text: str) -> str:
    """Remove ANSI escapes, control, bidi-override and zero-width characters."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis and the count cut."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… (+{len(text) - limit + 1} chars)"
