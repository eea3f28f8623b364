"""Turning models into plain JSON-able data and back (cattrs).

Datetimes become RFC 3339 strings, timedeltas seconds, enums their values,
tuples lists. ``structure(unstructure(x), type(x)) == x`` for every model.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import cattrs

__all__ = ["iso_timestamp", "structure", "unstructure"]

T = TypeVar("T")


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, iso_timestamp)
    converter.register_structure_hook(datetime, lambda value, _t: datetime.fromisoformat(value))
    converter.register_unstructure_hook(timedelta, lambda value: value.total_seconds())
    # str-valued enums would pass through as enum objects (str comes before Enum in
    # their MRO), which YAML cannot represent: register each one by its class.
    from scdiag import models

    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, enum.Enum):
            converter.register_unstructure_hook(value, _enum_value)
    converter.register_structure_hook(timedelta, lambda value, _t: timedelta(seconds=value))
    # Ports are numbers or, in Kubernetes, names ("http"): keep whichever it is.
    converter.register_structure_hook_func(lambda t: t == (int | str | None), _port_or_name)
    return converter


def iso_timestamp(value: datetime) -> str:
    """One precision for every time scdiag writes: UTC, microseconds, ``+00:00``.

    ``isoformat`` alone drops the fraction when it is zero, so a report mixed
    ``14:02:11`` and ``14:02:11.204312``.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _enum_value(value: enum.Enum) -> Any:
    return value.value


def _port_or_name(value: Any, _type: Any) -> int | str | None:
    if value is None or isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected a port number or name, got {value!r}")


_CONVERTER = _make_converter()


def unstructure(value: Any) -> Any:
    """A model (or collection of models) as plain JSON-able data."""
    return _CONVERTER.unstructure(value)


def structure(data: Any, kind: type[T]) -> T:
    """Rebuild a model of type ``kind`` from :func:`unstructure`'s output.

    Raises:
        cattrs.BaseValidationError: the data does not fit the type.
    """
    return _CONVERTER.structure(data, kind)
