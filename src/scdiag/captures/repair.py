"""A wrong-typed field costs that field, not its element or its file.

Readers normalise each element (a pod, a task, a log entry, a revision) with
the adapter's normaliser. When a field has a type the normaliser cannot take
(a string where a count belongs, a dict as a stop code, a timestamp in the
year 99999), :func:`conform` finds the most specific part of the element whose
removal lets the normaliser succeed, drops it, and says which one: the rest
of the element is kept. Removing one part at a time, deepest first, needs no
schema, so third-party readers get the same tolerance by calling it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from scdiag.redaction import redact_text

__all__ = ["SHAPE_ERRORS", "Unrepairable", "conform", "describe_drop", "format_path"]

T = TypeVar("T")

SHAPE_ERRORS: tuple[type[Exception], ...] = (TypeError, AttributeError, ValueError, KeyError, IndexError, OverflowError)
"""What a normaliser raises on a value of the wrong shape."""

_MAX_NODES = 2000
"""Parts of one element tried at most: an element this large and wrong is skipped, not searched."""
_MAX_ROUNDS = 4
"""Wrong fields removed from one element at most."""

Path = tuple[str | int, ...]


class Unrepairable(Exception):
    """No removal of up to a few parts makes the element readable; ``error`` is the normaliser's first complaint."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def format_path(path: Path) -> str:
    """``status.containerStatuses[0].restartCount``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the element)"


def _postorder(value: Any, path: Path = ()) -> Iterator[Path]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _postorder(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _postorder(child, (*path, index))
    if path:
        yield path


def _without(value: Any, path: Path) -> Any:
    """A copy of ``value`` with the part at ``path`` removed; only the containers on the path are copied."""
    head, *rest = path
    if isinstance(value, dict):
        copy = dict(value)
        if rest:
            copy[head] = _without(value[head], tuple(rest))
        else:
            del copy[head]
        return copy
    items = list(value)
    if rest:
        items[head] = _without(value[head], tuple(rest))  # type: ignore[index]
    else:
        del items[head]  # type: ignore[arg-type]
    return items


def _at(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


def _signature(error: Exception) -> tuple[type[Exception], str]:
    return type(error), str(error)


def conform(value: Any, use: Callable[[Any], T]) -> tuple[T, Any, list[tuple[Path, Any]]]:
    """``use(value)``, after removing the parts of ``value`` it cannot take.

    Returns the result, the value it was computed from, and each removed part
    as (path, the value that was there).

    Raises:
        Unrepairable: ``use`` fails however the element is pared down.
    """
    try:
        return use(value), value, []
    except SHAPE_ERRORS as error:
        first = error
    current = value
    dropped: list[tuple[Path, Any]] = []
    failure = _signature(first)
    for _round in range(_MAX_ROUNDS):
        progress: tuple[Path, Any, Any, tuple[type[Exception], str]] | None = None
        # Deepest first: the wrong leaf goes before the object holding it, and a
        # shallow discriminator (``kind``) whose removal makes the element vanish goes last.
        paths = sorted(itertools.islice(_postorder(current), _MAX_NODES), key=len, reverse=True)
        for path in paths:
            candidate = _without(current, path)
            try:
                result = use(candidate)
            except SHAPE_ERRORS as error:
                if progress is None and _signature(error) != failure:
                    # Another complaint: this part was one of several wrong ones.
                    progress = (path, _at(current, path), candidate, _signature(error))
                continue
            dropped.append((path, _at(current, path)))
            return result, candidate, dropped
        if progress is None:
            break
        path, removed, current, failure = progress
        dropped.append((path, removed))
    raise Unrepairable(first)


def describe_drop(path: Path, removed: Any) -> str:
    """One problem line for a dropped part."""
    shown = repr(removed)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    # The value came from the input and may be a secret typed wrongly (a number where a string belongs).
    shown = redact_text(shown)
    return f"{format_path(path)} dropped: {type(removed).__name__} {shown} is not what belongs there"
