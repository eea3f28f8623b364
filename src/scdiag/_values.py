"""Validators shared by the model modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs


def aware(_instance: Any, attribute: attrs.Attribute[Any], value: datetime) -> None:
    """Reject naive datetimes: every timestamp in scdiag carries its zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be timezone-aware, got {value!r}")


def optional_aware(instance: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    """Like :func:`aware`, allowing ``None``."""
    if value is not None:
        aware(instance, attribute, value)


_SCALARS = (str, int, float, bool)
_SPECS: dict[type, tuple[tuple[str, tuple[type, ...], bool], ...]] = {}


def _scalar_spec(cls: type) -> tuple[tuple[str, tuple[type, ...], bool], ...]:
    """(field, accepted types, held as a float) for every field annotated with a scalar, an enum, or one of them or None."""
    import enum
    import types
    import typing

    hints = typing.get_type_hints(cls)
    spec = []
    for field in attrs.fields(cls):
        hint = hints.get(field.name)
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else (hint,)
        accepted: list[type] = []
        for option in options:
            if option is type(None) or option in _SCALARS or (isinstance(option, type) and issubclass(option, enum.Enum)):
                accepted.append(option)
                if option is float:
                    accepted.append(int)
            else:
                break
        else:
            spec.append((field.name, tuple(accepted), float in accepted and int not in options))
    return tuple(spec)


def check_scalars(instance: Any) -> None:
    """Refuse a model whose scalar fields hold another type: a normaliser handed on a raw value it did not read.

    A float field given an int (a probe period of ``10``) holds it as a float, so
    every reader's model, and every report written from it, says ``10.0``.

    Raises:
        TypeError: naming the class, the field and the type found.
    """
    cls = type(instance)
    spec = _SPECS.get(cls)
    if spec is None:
        spec = _SPECS[cls] = _scalar_spec(cls)
    for name, accepted, as_float in spec:
        value = getattr(instance, name)
        if not isinstance(value, accepted):
            raise TypeError(f"{cls.__name__}.{name} must be {' or '.join(t.__name__ for t in accepted)}, got {type(value).__name__} {value!r:.40}")
        if as_float and type(value) is int:
            object.__setattr__(instance, name, float(value))
