"""Shapes of API JSON that several clouds share, read defensively.

Kubernetes, Cloud Run (Knative) and others report status ``conditions`` the
same way; every normaliser also needs "this field, if it is a dict / list".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scdiag.captures.logtext import parse_timestamp
from scdiag.models import Condition

__all__ = ["as_dict", "as_list", "conditions"]


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def conditions(items: Iterable[Any]) -> tuple[Condition, ...]:
    """A Kubernetes-style ``conditions`` list (type, status, reason, message, lastTransitionTime)."""
    return tuple(
        Condition(
            type=str(c.get("type", "")),
            status=str(c.get("status", "Unknown")),
            reason=c.get("reason"),
            message=c.get("message"),
            last_transition=parse_timestamp(c.get("lastTransitionTime") or c.get("lastUpdateTime")),
        )
        for c in map(as_dict, items)
        if c.get("type")
    )
