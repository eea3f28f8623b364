"""Parsing and printing of durations ("5m", "1h30m"), sizes ("100MB") and resource quantities.

:func:`memory_mib` and :func:`cpu_vcpus` are the one reading of memory and
CPU amounts in every cloud's notation (Kubernetes quantities, MB/GB,
vCPU, millicores, ECS's MiB and CPU units); every adapter uses them.
"""

from __future__ import annotations

from datetime import timedelta

from scdiag import regex

__all__ = ["cpu_vcpus", "format_duration", "memory_mib", "format_size", "parse_duration", "parse_size"]

_DURATION_PART = regex.deferred(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE = regex.deferred(r"(?i)(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?")
_QUANTITY = regex.deferred(r"^([0-9]+(?:\.[0-9]+)?(?:[eE][0-9]+)?)\s*([A-Za-z]*)$")
_MEMORY_FACTORS = {
    # Kubernetes quantities: binary suffixes, and decimal ones with k or K for kilo.
    "ki": 1024.0, "mi": 1024.0**2, "gi": 1024.0**3, "ti": 1024.0**4,
    "k": 1000.0, "m": 1000.0**2, "g": 1000.0**3, "t": 1000.0**4,
    # Units spelt out: MB/GB are decimal, MiB/GiB binary.
    "kb": 1000.0, "mb": 1000.0**2, "gb": 1000.0**3, "tb": 1000.0**4,
    "kib": 1024.0, "mib": 1024.0**2, "gib": 1024.0**3, "tib": 1024.0**4,
    "b": 1.0, "": 1.0,
}
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


def _quantity(value: object) -> tuple[float, str] | None:
    """A number and its unit as written (case kept), from a number or text such as ``"512Mi"``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value), ""
    match = _QUANTITY.match(str(value).strip())
    return None if match is None else (float(match.group(1)), match.group(2))


def memory_mib(value: object, *, bare: str = "bytes") -> float | None:
    """A memory amount in MiB: ``"512Mi"`` -> 512, ``"1G"`` -> 953.67, ``"524288K"`` -> 500, ``"0.5Gi"`` -> 512.

    ``bare`` says what a number without a unit means: ``"bytes"``
    (Kubernetes, Cloud Run) or ``"MiB"`` (ECS task definitions). ``None``
    when the value is not an amount of memory. A lower-case ``m`` is milli, as
    in Kubernetes (``128974848000m`` is 123 MiB); ``M`` is mega.
    """
    quantity = _quantity(value)
    if quantity is None:
        return None
    number, unit = quantity
    if unit == "m":
        return round(number / 1000 / 1024**2, 2)
    unit = unit.lower()
    if unit == "" and bare == "MiB":
        return round(number, 2)
    factor = _MEMORY_FACTORS.get(unit)
    return None if factor is None else round(number * factor / 1024**2, 2)


def cpu_vcpus(value: object, *, bare: str = "vcpu") -> float | None:
    """A CPU amount in vCPUs: ``"500m"`` -> 0.5, ``"2"`` -> 2.0, ``"0.25 vCPU"`` -> 0.25.

    ``bare`` says what a number without a unit means: ``"vcpu"`` (Kubernetes,
    Cloud Run, Container Apps) or ``"units"`` (ECS: 1024 units per vCPU).
    """
    quantity = _quantity(value)
    if quantity is None:
        return None
    number, unit = quantity[0], quantity[1].lower()
    if unit == "m":
        return number / 1000
    if unit in ("vcpu", "vcpus", "cpu", "cpus", "core", "cores"):
        return number
    if unit == "":
        return number / 1024 if bare == "units" else number
    return None


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


def format_size(size: int) -> str:
    """A byte count the way the configuration writes it: ``"64MiB"``, ``"1.5GiB"``, ``"512B"``."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.4g}{unit}"
    return f"{size}B"
