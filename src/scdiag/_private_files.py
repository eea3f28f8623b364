"""Cache files that only their owner reads: compiled knowledge kept between runs.

What is read back from such a file is trusted (a pickle, a compiled
database), so a file is read only when the current user owns it and nobody
else may write it; the directory is created 0700 and each file 0600. Every
failure to read or write costs only the time the file would have saved.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

__all__ = ["read_own", "write_own"]

_LOG = logging.getLogger(__name__)


def read_own(path: Path) -> bytes | None:
    """The file's bytes; ``None`` when it is absent, unreadable, or not the user's own."""
    try:
        with path.open("rb") as handle:
            found = os.fstat(handle.fileno())
            if found.st_uid != os.getuid() or found.st_mode & 0o022:
                _LOG.debug("cache file %s is not the user's own; ignored", path)
                return None
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        _LOG.debug("cache file %s cannot be read: %s", path, error)
        return None


def write_own(path: Path, data: bytes, *, keep: int) -> None:
    """Write ``data`` to ``path`` whole or not at all; then keep the ``keep`` newest files of its kind (suffix) there."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)  # another process never reads half a file
        entries = sorted(path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in entries[keep:]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        _LOG.debug("cache file %s cannot be written: %s", path, error)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
