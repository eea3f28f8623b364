"""A config change shown as the small YAML diff a user would make in the file.

``stacks.production.config.size.memory: 256 -> 512`` becomes::

      stacks:
        production:
          config:
            size:
    -         memory: 256
    +         memory: 512

Keys the path quotes (compose labels such as
``labels."simple-container.com/ingress/port"``) stay one key.
"""

from __future__ import annotations

from scdiag import regex
from scdiag.models import ConfigChange

__all__ = ["config_diff_lines", "split_key_path"]

_KEY = regex.deferred(r'"([^"]*)"|([^.]+)')


def split_key_path(path: str) -> list[str]:
    """``a.b."c.d".e`` -> ``["a", "b", "c.d", "e"]``."""
    return [quoted or plain for quoted, plain in _KEY.findall(path)]


def config_diff_lines(change: ConfigChange) -> list[str]:
    """The change as diff lines (context lines start with a space)."""
    keys = split_key_path(change.key_path)
    if not keys:
        return []
    lines = [f"  {'  ' * depth}{key}:" for depth, key in enumerate(keys[:-1])]
    indent = "  " * (len(keys) - 1)
    last = keys[-1]
    if change.before is not None:
        lines.append(f"- {indent}{last}: {change.before}")
    if change.after is not None:
        lines.append(f"+ {indent}{last}: {change.after}")
    return lines
