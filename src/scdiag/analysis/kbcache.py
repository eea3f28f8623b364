"""Loaded pattern files kept between processes, so a run does not parse and check them again.

Reading the knowledge base from YAML (parsing, structuring, compiling every
expression and matching every example against it) costs a short ``scdiag
analyze`` more than its own analysis. A pattern file that loaded without a
problem is stored here as the patterns it gave, under a key made of its path,
its content and the code that builds patterns, so an edit to the file or an
upgrade of scdiag misses the cache and loads the file again (and checks it
again). A file that fails to load is never stored: its problem is reported
on every run.

Entries are pickles, so only the owner's own files are read (see
:mod:`scdiag._private_files`).
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from pathlib import Path

import attrs

from scdiag._digest import hex_digest
from scdiag._private_files import read_own, write_own
from scdiag._records import mutable_record
from scdiag._version import __version__
from scdiag.analysis.patterns import FailurePattern

__all__ = ["PatternCache"]

_LOG = logging.getLogger(__name__)
_KEEP = 64
"""Entries kept: the newest, so the files of a few installed versions and plugin sets stay."""


def _code_fingerprint() -> bytes:
    # The modules whose classes are pickled, or that decide what a file's patterns are: an
    # editable install changes them without changing the version.
    from scdiag import models
    from scdiag.analysis import loader, patterns

    parts = [__version__, f"{sys.version_info.major}.{sys.version_info.minor}", str(pickle.HIGHEST_PROTOCOL)]
    for module in (models, loader, patterns):
        try:
            found = os.stat(module.__file__ or "")
            parts.append(f"{module.__name__}:{found.st_size}:{found.st_mtime_ns}")
        except OSError:
            parts.append(f"{module.__name__}:?")
    return "\0".join(parts).encode()


@mutable_record
class PatternCache:
    """Pattern files' loaded patterns in ``directory``, keyed by file path and content."""

    directory: Path
    _fingerprint: bytes | None = attrs.field(default=None, init=False, repr=False)

    def _entry(self, path: Path, content: bytes) -> Path:
        if self._fingerprint is None:
            self._fingerprint = _code_fingerprint()
        digest = hex_digest(self._fingerprint + b"\0" + os.fsencode(path) + b"\0" + content)
        return self.directory / f"{digest}.patterns"

    def get(self, path: Path, content: bytes) -> list[FailurePattern] | None:
        """The patterns stored for this file and content, or ``None``."""
        entry = self._entry(path, content)
        data = read_own(entry)
        if data is None:
            return None
        try:
            loaded = pickle.loads(data)
        except Exception as error:  # noqa: BLE001 - a damaged entry is a miss, never a failure
            _LOG.debug("pattern cache entry %s cannot be read: %s", entry, error)
            return None
        if not isinstance(loaded, list) or not all(isinstance(pattern, FailurePattern) for pattern in loaded):
            return None
        return loaded

    def put(self, path: Path, content: bytes, patterns: list[FailurePattern]) -> None:
        """Store the patterns that ``path`` with ``content`` gave."""
        try:
            data = pickle.dumps(patterns, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            _LOG.debug("patterns of %s cannot be stored: %s", path, error)
            return
        write_own(self._entry(path, content), data, keep=_KEEP)
