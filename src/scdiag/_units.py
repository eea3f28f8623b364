"""Parsing and printing of durations ("5m", "1h30m") and sizes ("100MB")."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["format_duration", "parse_duration", "parse_size"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


def parse_duration(text: str) -> timedelta:
    """Parse ``"90s"``, ``"5m"``, ``"1h30m"`` or ``"500ms"`` into a timedelta.

    Raises:
        ValueError: the text is not such a duration.
    """
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise ValueError(f'expected a duration such as "5m", got {text!r}')
    pos = 0
    seconds = 0.0
    for match in _DURATION_PART.finditer(cleaned):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(cleaned):
        raise ValueError(f'expected a duration such as "5m", got {text!r}')
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Print a timedelta the way :func:`parse_duration` reads it (``"1h30m"``)."""
    total = value.total_seconds()
    if total == 0:
        return "0s"
    if total < 1:
        return f"{round(total * 1000)}ms"
    parts = []
    remaining = int(total)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_size(text: str) -> int:
    """Parse ``"100MB"``, ``"1GiB"`` or ``"512"`` (bytes) into a byte count.

    Raises:
        ValueError: the text is not such a size.
    """
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise ValueError(f'expected a size such as "100MB", got {text!r}')
    unit = (match.group(2) or "B").lower()
    return int(float(match.group(1)) * _SIZE_UNITS[unit])
