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
