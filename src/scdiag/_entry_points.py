"""The entry points of the installed distributions, optionally kept between runs.

Finding them through :mod:`importlib.metadata` costs a short run about 30 ms
(importing it and reading every distribution's metadata). With a cache
directory, the list found is kept there, keyed by the import path and, for
each of its directories, the names and modification times of the
distributions' metadata folders in it: installing, upgrading or removing a
distribution changes them, and the next run looks again. A file written into
a directory on the path (a report in the working directory) changes nothing.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scdiag._digest import hex_digest
from scdiag._private_files import read_own, write_own

__all__ = ["FoundEntryPoint", "find_entry_points"]

_METADATA_SUFFIXES = (".dist-info", ".egg-info")
_KEEP = 16
"""Lists kept: one per import path a user runs scdiag with (the working directory is on it for ``python -m``)."""


class FoundEntryPoint:
    """One entry point: its name, what it names, and the distribution that declares it."""

    __slots__ = ("_load", "distribution", "name", "value", "version")

    def __init__(self, name: str, value: str | None, distribution: str | None, version: str | None, load: Callable[[], Any] | None = None) -> None:
        self.name = name
        self.value = value
        """``module`` or ``module:attribute``; ``None`` when the entry point did not say (it is then not kept)."""
        self.distribution = distribution
        self.version = version
        self._load = load

    def load(self) -> Any:
        """Import what the entry point names."""
        if self._load is not None:
            return self._load()
        assert self.value is not None
        # As importlib.metadata.EntryPoint.load reads it: "module:attr.attr [extras]".
        module, _, attribute = self.value.partition("[")[0].partition(":")
        loaded: Any = importlib.import_module(module.strip())
        for part in filter(None, attribute.strip().split(".")):
            loaded = getattr(loaded, part)
        return loaded


def find_entry_points(group: str, cache: Path | None = None) -> list[FoundEntryPoint]:
    """Every entry point of ``group``; with ``cache``, the list kept there while the installed distributions stay the same."""
    path = cache / f"{_key(group)}.json" if cache is not None else None
    if path is not None:
        kept = _read(path)
        if kept is not None:
            return kept
    from importlib.metadata import entry_points

    found = []
    for entry_point in entry_points(group=group):
        dist = entry_point.dist
        found.append(
            FoundEntryPoint(
                entry_point.name,
                getattr(entry_point, "value", None),
                dist.name if dist is not None else None,
                dist.version if dist is not None else None,
                entry_point.load,
            )
        )
    if path is not None and all(item.value is not None for item in found):
        rows = [[item.name, item.value, item.distribution, item.version] for item in found]
        write_own(path, json.dumps(rows).encode(), keep=_KEEP)
    return found


def _key(group: str) -> str:
    """What the list depends on: the interpreter, the import path and the metadata folders on it."""
    parts: list[object] = [group, sys.version, sys.executable]
    for entry in sys.path:
        directory = entry or os.getcwd()
        folders: object
        try:
            with os.scandir(directory) as listing:
                folders = sorted((item.name, item.stat().st_mtime_ns) for item in listing if item.name.endswith(_METADATA_SUFFIXES))
        except NotADirectoryError:
            folders = [_modified(directory)]  # a zip archive: its time is all there is
        except OSError:
            folders = None
        parts.append([entry, folders])
    return hex_digest(json.dumps(parts).encode(), 16)


def _modified(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _read(path: Path) -> list[FoundEntryPoint] | None:
    data = read_own(path)
    if data is None:
        return None
    try:
        rows = json.loads(data)
    except ValueError:
        return None
    found = []
    for row in rows if isinstance(rows, list) else ():
        if not (isinstance(row, list) and len(row) == 4 and all(isinstance(part, str) for part in row[:2]) and all(part is None or isinstance(part, str) for part in row[2:])):
            return None
        found.append(FoundEntryPoint(*row))
    return found if isinstance(rows, list) else None
