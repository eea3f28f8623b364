"""Durations and sizes as written in the configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scdiag._units import cpu_vcpus, format_duration, memory_mib, parse_duration, parse_size


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


@pytest.mark.parametrize(
    ("value", "bare", "expected"),
    [
        ("512Mi", "bytes", 512.0),
        ("0.5Gi", "bytes", 512.0),
        ("1G", "bytes", 953.67),
        ("524288K", "bytes", 500.0),
        ("524288k", "bytes", 500.0),
        ("512MB", "bytes", 488.28),
        ("1GiB", "bytes", 1024.0),
        ("128974848000m", "bytes", 123.0),
        (536870912, "bytes", 512.0),
        ("536870912", "bytes", 512.0),
        ("512", "MiB", 512.0),
        (2048, "MiB", 2048.0),
        ("half a gig", "bytes", None),
        ("12Qi", "bytes", None),
        (None, "bytes", None),
    ],
)
def test_memory_amounts_in_every_clouds_notation(value: object, bare: str, expected: float | None) -> None:
    """Kubernetes quantities, decimal and binary units, ECS's bare MiB."""
    assert memory_mib(value, bare=bare) == expected


@pytest.mark.parametrize(
    ("value", "bare", "expected"),
    [("500m", "vcpu", 0.5), ("2", "vcpu", 2.0), (1.5, "vcpu", 1.5), ("0.25 vCPU", "vcpu", 0.25), ("1024", "units", 1.0), (256, "units", 0.25), ("lots", "vcpu", None)],
)
def test_cpu_amounts_in_every_clouds_notation(value: object, bare: str, expected: float | None) -> None:
    """Millicores, vCPUs, ECS CPU units."""
    assert cpu_vcpus(value, bare=bare) == expected
