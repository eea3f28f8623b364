"""Turning models into plain JSON-able data and back.

Datetimes become RFC 3339 strings, timedeltas seconds, enums their values,
tuples lists. ``structure(unstructure(x), type(x)) == x`` for every model.

:func:`unstructure` walks the models' fields itself; :func:`structure` is
cattrs'. A cattrs converter generates and compiles one function per class on
first use, which costs a short run more than writing its whole report, while
plain data out of frozen values needs no more than their fields.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    import cattrs

__all__ = ["field_names", "iso_timestamp", "structure", "unstructure"]

T = TypeVar("T")
_FIELDS: dict[type, tuple[str, ...] | None] = {}
_AS_IS = (str, int, float, bool, type(None))
_EXACTLY_AS_IS = frozenset(_AS_IS)


def field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of an attrs class, in order; ``None`` for any other type."""
    try:
        return _FIELDS[kind]
    except KeyError:
        names = tuple(field.name for field in attrs.fields(kind)) if attrs.has(kind) else None
        _FIELDS[kind] = names
        return names


def iso_timestamp(value: datetime) -> str:
    """One precision for every time scdiag writes: UTC, microseconds, ``+00:00``.

    ``isoformat`` alone drops the fraction when it is zero, so a report mixed
    ``14:02:11`` and ``14:02:11.204312``.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).isoformat(timespec="microseconds")


def unstructure(value: Any) -> Any:
    """A model (or collection of models) as plain JSON-able data."""
    if type(value) in _EXACTLY_AS_IS:
        return value
    if isinstance(value, enum.Enum):
        # Before str: a str-valued enum is written as its value, not as the enum.
        return value.value
    if isinstance(value, _AS_IS):
        return value
    names = field_names(type(value))
    if names is not None:
        return {name: unstructure(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [unstructure(item) for item in value]
    if isinstance(value, Mapping):
        return {unstructure(key): unstructure(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a model of type ``kind`` from :func:`unstructure`'s output.

    Raises:
        cattrs.BaseValidationError: the data does not fit the type.
    """
    return _converter().structure(data, kind)


@functools.cache
def _converter() -> cattrs.Converter:
    # Made on first use: most runs structure nothing, and cattrs takes a while to import.
    import cattrs

    converter = cattrs.Converter()
    converter.register_structure_hook(datetime, lambda value, _t: datetime.fromisoformat(value))
    converter.register_structure_hook(timedelta, lambda value, _t: timedelta(seconds=value))
    # Ports are numbers or, in Kubernetes, names ("http"): keep whichever it is.
    converter.register_structure_hook_func(lambda t: t == (int | str | None), _port_or_name)
    return converter


def _port_or_name(value: Any, _type: Any) -> int | str | None:
    if value is None or isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected a port number or name, got {value!r}")
