"""Timestamps and levels of log lines, in the forms the clouds and runtimes print.

Handles RFC 3339 with or without a zone and with nanoseconds (kubectl
``--timestamps``, Cloud Logging), ``2024-05-01 10:00:00,123`` (Python
logging), epoch milliseconds (CloudWatch) and seconds. A time without a zone
is taken as UTC.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone

from scdiag import regex
from scdiag.models import LogLevel

__all__ = ["detect_level", "parse_timestamp", "split_timestamp"]

_RFC3339 = regex.deferred(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}:\d{2})(?:[.,](?P<frac>\d{1,9}))?"
    r"(?P<zone>Z|z|[+-]\d{2}:?\d{2})?"
)
_LEADING = regex.deferred(r"^\[?(?P<stamp>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|z|[+-]\d{2}:?\d{2})?)\]?\s+")
_LEVEL = regex.deferred(
    r"(?i)(?:^|[\s\[(|:\"=])(?P<level>fatal|panic|critical|crit|emerg|alert|error|err|warning|warn|info|notice|debug|trace)(?:$|[\s\]):|\",])"
)
_LEVELS = {
    "fatal": LogLevel.CRITICAL,
    "panic": LogLevel.CRITICAL,
    "critical": LogLevel.CRITICAL,
    "crit": LogLevel.CRITICAL,
    "emerg": LogLevel.CRITICAL,
    "alert": LogLevel.CRITICAL,
    "error": LogLevel.ERROR,
    "err": LogLevel.ERROR,
    "warning": LogLevel.WARNING,
    "warn": LogLevel.WARNING,
    "info": LogLevel.INFO,
    "notice": LogLevel.INFO,
    "debug": LogLevel.DEBUG,
    "trace": LogLevel.DEBUG,
}


def parse_timestamp(value: object) -> datetime | None:
    """A timezone-aware datetime from text, epoch numbers or a datetime; ``None`` otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if value > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=8192)
def _parse_text(value: str) -> datetime | None:
    # Cached: events and log lines of one capture share their seconds, and a datetime is immutable.
    text = value.strip()
    if text.isdigit():
        return parse_timestamp(int(text))
    if len(text) >= 20 and text[-1] == "Z" and text[4] == "-" and text[10] == "T" and text[13] == ":" and text[16] == ":":
        # The clouds' own form (2026-11-20T14:02:11.204312Z): the standard parser reads it as the expression below would.
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    match = _RFC3339.match(text)
    if match is None:
        return None
    frac = (match.group("frac") or "0")[:6].ljust(6, "0")
    zone = match.group("zone") or "+00:00"
    if zone in ("Z", "z"):
        zone = "+00:00"
    elif ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.fromisoformat(f"{match.group('date')}T{match.group('time')}.{frac}{zone}")
    except ValueError:
        return None


def split_timestamp(line: str) -> tuple[datetime | None, str]:
    """A leading timestamp of the line, and the rest of it."""
    match = _LEADING.match(line)
    if match is None:
        return None, line
    stamp = parse_timestamp(match.group("stamp"))
    if stamp is None:
        return None, line
    return stamp, line[match.end() :]


def detect_level(message: str) -> LogLevel:
    """The level word a line carries near its start (``ERROR``, ``level=warn``...)."""
    match = _LEVEL.search(message[:80])
    if match is None:
        return LogLevel.UNKNOWN
    return _LEVELS[match.group("level").lower()]
