"""The diagnostic cache: collected data kept for a while, secrets masked first.

A live collection can take a minute; reading the same report again with
``--details`` a moment later should not. :class:`DiagnosticCache` (the
seed's DiagnosticCache) stores :class:`~scdiag.models.DiagnosticData` for
``cache.ttl`` in a :class:`~scdiag.ports.CacheStore`; :class:`FileCacheStore`
is the default store, a directory capped at ``cache.max_size``. Data is
redacted before it is written: a cache never holds a secret.
"""

from __future__ import annotations

import json
import os
import time
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path

import attrs

from scdiag import regex
from scdiag._digest import hex_digest
from scdiag._records import mutable_record
from scdiag.collection import nothing_collected
from scdiag.models import DiagnosticData, DiagnosticRequest, GapKind
from scdiag.ports import CacheStore
from scdiag.redaction import Redactor, redact_structure
from scdiag.serialization import structure, unstructure

__all__ = ["DiagnosticCache", "FileCacheStore", "default_cache_directory", "file_fingerprint"]

_log = logging.getLogger(__name__)
_SAFE = regex.deferred(r"[^A-Za-z0-9_.-]+")


def default_cache_directory() -> Path:
    """``$SCDIAG_CACHE_DIR``, else ``$XDG_CACHE_HOME/scdiag``, else ``~/.cache/scdiag``."""
    explicit = os.environ.get("SCDIAG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scdiag"


@mutable_record
class FileCacheStore:
    """A :class:`~scdiag.ports.CacheStore` in a directory: one file per key, oldest evicted first.

    Each file's first line holds the expiry time and the key, so expired
    entries and prefixes can be found without an index.
    """

    directory: Path
    max_size: int = 100 * 1000**2
    clock: object = attrs.field(default=time.time, repr=False)

    def _path(self, key: str) -> Path:
        digest = hex_digest(key.encode(), 16)
        return self.directory / f"{_SAFE.sub('_', key)[:60]}-{digest}.cache"

    def _now(self) -> float:
        return float(self.clock())  # type: ignore[operator]

    def get(self, key: str) -> bytes | None:
        """The value, or ``None`` when absent, expired or unreadable."""
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                header = json.loads(handle.readline())
                if header.get("key") != key or header.get("expires", 0) < self._now():
                    return None
                return handle.read()
        except (OSError, ValueError):
            return None

    def set(self, key: str, value: bytes, ttl: timedelta) -> None:
        """Store ``value`` for ``ttl``, then trim the directory to ``max_size``."""
        # Only its owner reads the cache: the directory 0700, each entry 0600 (even redacted, it
        # names services, clusters and what went wrong with them).
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(key)
        temporary = path.with_suffix(".tmp")
        header = json.dumps({"key": key, "expires": self._now() + ttl.total_seconds()}).encode()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(header + b"\n" + value)
        os.replace(temporary, path)  # readers never see a half-written entry
        self._trim()

    def invalidate(self, prefix: str) -> None:
        """Drop every entry whose key starts with ``prefix``."""
        for path in self.directory.glob("*.cache"):
            try:
                with path.open("rb") as handle:
                    key = json.loads(handle.readline()).get("key", "")
            except (OSError, ValueError):
                continue
            if key.startswith(prefix):
                path.unlink(missing_ok=True)

    def _trim(self) -> None:
        files = sorted(self.directory.glob("*.cache"), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files)
        for path in files:
            if total <= self.max_size:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)


def file_fingerprint(path: str | os.PathLike[str] | None) -> str:
    """A file's path, size and modification time (``missing`` when absent): for a provider's
    :class:`~scdiag.ports.CacheIdentity`, so editing a credentials file (``kubectl config
    use-context``) changes the key."""
    if not path:
        return ""
    try:
        found = os.stat(path)
    except OSError:
        return f"{os.fspath(path)}:missing"
    return f"{os.fspath(path)}:{found.st_size}:{found.st_mtime_ns}"


def request_key(request: DiagnosticRequest, identity: Mapping[str, str] | None = None) -> str:
    """What identifies a collection: provider, service, where it lives, the window to the minute,
    and the provider's :class:`~scdiag.ports.CacheIdentity` (hashed: it may name accounts and files)."""
    context = request.context
    # Every coordinate a provider may read (options, attributes, region) is part of the key:
    # two clusters or subscriptions never share an entry.
    where = "/".join([*(f"{k}={v}" for k, v in sorted(context.options.items())), *(f"@{k}={v}" for k, v in sorted(context.attributes.items())), str(request.region or "")])
    window = "/".join(stamp.strftime("%Y%m%dT%H%M") if stamp else "" for stamp in (request.start_time, request.end_time))
    key = f"{request.provider}/{request.service_name}/{where}/{request.deployment_id or ''}/{window}"
    if identity:
        digest = hex_digest(json.dumps(sorted(identity.items())).encode(), 8)
        key += f"/id={digest}"
    return key


@mutable_record
class DiagnosticCache:
    """Collected data by request, for ``ttl``; redacted before it is stored."""

    store: CacheStore
    """Where entries live: a :class:`FileCacheStore`, or any implementation of the port (a shared store in CI)."""
    ttl: timedelta = timedelta(hours=1)
    redactor: Redactor = attrs.field(factory=Redactor)

    def get(self, request: DiagnosticRequest, identity: Mapping[str, str] | None = None) -> DiagnosticData | None:
        """The data of an identical recent request, if cached."""
        raw = self.store.get(request_key(request, identity))
        if raw is None:
            return None
        try:
            data = structure(json.loads(raw), DiagnosticData)
        except Exception:  # a stale format or a damaged file is a miss, not a failure
            return None
        return attrs.evolve(data, from_cache=True)

    def set(self, request: DiagnosticRequest, data: DiagnosticData, identity: Mapping[str, str] | None = None) -> None:
        """Keep the data (secrets masked) for ``ttl``."""
        masked = redact_structure(unstructure(data), self.redactor, skip=frozenset({"timestamp", "first_seen", "collected_at", "window_start", "window_end", "started_at", "finished_at", "created_at", "stopped_at", "updated_at", "last_transition"}))
        self.store.set(request_key(request, identity), json.dumps(masked).encode(), self.ttl)

    def through(self, request: DiagnosticRequest, collect: Callable[[DiagnosticRequest], DiagnosticData], identity: Mapping[str, str] | None = None) -> DiagnosticData:
        """The cache policy: an identical request collected within ``ttl`` is served from here;
        otherwise ``collect`` runs, and what it returns is kept when it is worth replaying.

        Not kept: a collection that delivered nothing, and one cut short by
        the deadline (a partial answer must not be replayed for the whole
        ``ttl``). A cache that cannot be written costs the cache, not the
        diagnosis.
        """
        cached = self.get(request, identity)
        if cached is not None:
            return cached
        data = collect(request)
        if nothing_collected(data) or any(gap.kind is GapKind.TIMED_OUT for gap in data.gaps):
            return data
        try:
            self.set(request, data, identity)
        except OSError as error:
            _log.warning("cannot write the cache: %s", error)
        return data

    def invalidate(self, request: DiagnosticRequest) -> None:
        """Forget everything cached for the request's provider and service."""
        self.store.invalidate(f"{request.provider}/{request.service_name}/")
