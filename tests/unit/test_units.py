"""Durations and sizes as written in the configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scdiag._units import format_duration, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("5m", timedelta(minutes=5)), ("1h30m", timedelta(minutes=90)), ("500ms", timedelta(milliseconds=500)), ("2d", timedelta(days=2))],
)
def test_parse_duration_reads_each_unit(text: str, expected: timedelta) -> None:
    """Each unit and combination reads as the time it names."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "five", "5", "5 minutes", "m5", "-5m", "5x"])
def test_parse_duration_rejects_what_is_not_a_duration(text: str) -> None:
    """Anything else is a ValueError that quotes the text."""
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@pytest.mark.parametrize("value", [timedelta(seconds=0), timedelta(milliseconds=250), timedelta(hours=1, minutes=30, seconds=5), timedelta(days=1)])
def test_format_duration_round_trips(value: timedelta) -> None:
    """What format_duration prints, parse_duration reads back."""
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize(("text", "expected"), [("100MB", 100_000_000), ("1GiB", 1024**3), ("512", 512), ("1.5kb", 1500)])
def test_parse_size_reads_decimal_and_binary_units(text: str, expected: int) -> None:
    """Decimal and binary units, any case, and plain bytes."""
    assert parse_size(text) == expected


def test_parse_size_rejects_unknown_units() -> None:
    """An unknown unit is a ValueError."""
    with pytest.raises(ValueError, match="expected a size"):
        parse_size("10 parsecs")
