"""Hex digests that name cache entries, made without loading OpenSSL.

Importing :mod:`hashlib` loads OpenSSL's libcrypto: 2.5-3.7 ms of a run
(measured), spent to name a few cache files. BLAKE2 is built into CPython
itself (it is where hashlib's own ``blake2b`` comes from when OpenSSL lacks
it), so it is taken from there, and from hashlib only where an interpreter
was built without it.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b as _blake2b
except ImportError:  # an interpreter built without its own BLAKE2
    from hashlib import blake2b as _blake2b

__all__ = ["hex_digest"]


def hex_digest(data: bytes, size: int = 20) -> str:
    """The BLAKE2b digest of ``data``, ``size`` bytes long, in hex (twice as many characters)."""
    return _blake2b(data, digest_size=size).hexdigest()
