"""Loaded pattern files kept between processes, so a run does not parse and check them again.

Reading the knowledge base from YAML (parsing, structuring, compiling every
expression and matching every example against it) costs a short ``scdiag
analyze`` more than its own analysis. A pattern file that loaded without a
problem is stored here as the patterns it gave, under a key made of its path,
its content and the code that builds patterns, so an edit to the file or an
upgrade of scdiag misses the cache and loads the file again (and checks it
again). A file that fails to load is never stored: its problem is reported
on every run.

Entries are pickles, so only the owner's own files are read: the directory
is created 0700, each entry 0600, and an entry that another user owns or
that others may write is ignored. Every failure to read or write the cache
costs only the time it would have saved.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import sys
from pathlib import Path

import attrs

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


@attrs.define
class PatternCache:
    """Pattern files' loaded patterns in ``directory``, keyed by file path and content."""

    directory: Path
    _fingerprint: bytes | None = attrs.field(default=None, init=False, repr=False)

    def _entry(self, path: Path, content: bytes) -> Path:
        if self._fingerprint is None:
            self._fingerprint = _code_fingerprint()
        digest = hashlib.sha256(self._fingerprint + b"\0" + os.fsencode(path) + b"\0" + content).hexdigest()[:40]
        return self.directory / f"{digest}.patterns"

    def get(self, path: Path, content: bytes) -> list[FailurePattern] | None:
        """The patterns stored for this file and content, or ``None``."""
        entry = self._entry(path, content)
        try:
            with entry.open("rb") as handle:
                found = os.fstat(handle.fileno())
                if found.st_uid != os.getuid() or found.st_mode & 0o022:
                    _LOG.debug("pattern cache entry %s is not the user's own; ignored", entry)
                    return None
                loaded = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as error:  # noqa: BLE001 - a damaged entry is a miss, never a failure
            _LOG.debug("pattern cache entry %s cannot be read: %s", entry, error)
            return None
        if not isinstance(loaded, list) or not all(isinstance(pattern, FailurePattern) for pattern in loaded):
            return None
        return loaded

    def put(self, path: Path, content: bytes, patterns: list[FailurePattern]) -> None:
        """Store the patterns that ``path`` with ``content`` gave."""
        entry = self._entry(path, content)
        temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                pickle.dump(patterns, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)  # another process never reads half an entry
            self._trim()
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
            _LOG.debug("pattern cache entry %s cannot be written: %s", entry, error)
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)

    def _trim(self) -> None:
        entries = sorted(self.directory.glob("*.patterns"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in entries[_KEEP:]:
            stale.unlink(missing_ok=True)
