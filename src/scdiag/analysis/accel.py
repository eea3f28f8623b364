"""An optional prefilter for large logs: Hyperscan says which lines of a block any expression may match.

Installed with the ``fast`` extra (``pip install 'simple-container-diagnostics[fast]'``)
and used by :class:`scdiag.analysis.logscan.LogMatcher` once an analysis has
scanned :data:`ACCEL_AFTER_BYTES` of log text (compiling the database takes
most of a second, which a small input would not win back). A compiled
database is kept in the cache directory's ``prefilters`` folder, under its
expressions, Hyperscan's version and the machine; where one is kept, it is
loaded (a millisecond) once :data:`ACCEL_STORED_AFTER_BYTES` were scanned. The expressions
are compiled in Hyperscan's prefilter mode, which may report a match where
there is none but never misses one; RE2 still decides on every candidate
line, so the lines found and their rules are the same with or without it.
The same scan counts the block's lines, :data:`NEWLINES_PER_MARK` at a time:
``bytes.count``, which holds the GIL, is left fewer than that many lines
before each candidate and at the block's end, not the whole block.
``SCDIAG_MATCHER=re2`` turns it off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from scdiag._digest import hex_digest
from scdiag._private_files import read_own, write_own

__all__ = ["ACCEL_AFTER_BYTES", "ACCEL_STORED_AFTER_BYTES", "NEWLINES_PER_MARK", "WHOLE_TEXT_MARKERS", "Candidates", "Prefilter", "enabled", "loosened"]

ACCEL_AFTER_BYTES = 256 << 20
"""Log text an analysis scans with RE2 alone before the prefilter is compiled (measured: compiling
costs about 0.8 s, which a log of a million lines, 155 MB, does not win back)."""
ACCEL_STORED_AFTER_BYTES = 64 << 10
"""Log text scanned with RE2 alone before a database kept from an earlier run is loaded: a block this
large would have RE2's alternation compiled to locate its lines (measured with a kept database: a log of
64 KB took 0.086 s instead of 0.100 s, one of 1 MB 0.107 s instead of 0.127 s, one of 32 KB the same).
Hyperscan (about a millisecond to import) is imported for it only where the cache keeps some database."""
_KEEP = 16
"""Databases kept: one per set of expressions an analysis asks (the whole set, and it without the rules done)."""
WHOLE_TEXT_MARKERS = ("\\A", "\\z", "(?s", "(?-")
"""Constructs whose meaning in a block is not their meaning in a line (text anchors, flag changes)."""
_FLAGS_VERSION = 3
"""Raised when the flags, mode or added expressions the databases are compiled with change: kept ones are then not loaded."""
NEWLINES_PER_MARK = 100
"""Newlines between two matches of the counting expression each database also holds."""
_COUNTING = rb"\A(?:(?:[^\n]*\n){%d})+" % NEWLINES_PER_MARK
"""Matches at the end of every hundredth line of a block: Hyperscan counts the lines in the scan it
makes anyway, with the GIL released (measured: 0.3 ms a MB, against 0.6 ms a MB for ``bytes.count``,
which holds the GIL and was the largest share of it held by a large log's scan)."""
_MAX_MATCHES = 200_000
"""Matches in one block past which the block is left to RE2 alone (an expression matching nearly everywhere)."""


def enabled() -> bool:
    """Whether Hyperscan is installed and not turned off."""
    if os.environ.get("SCDIAG_MATCHER", "").lower() == "re2":
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class Prefilter:
    """A Hyperscan block-mode database of expressions, asked where in a block they may match."""

    def __init__(self, database: Any, hyperscan: Any, counting: int) -> None:
        self._database = database
        self._hyperscan = hyperscan
        self._counting = counting
        """The id of the counting expression."""
        self._local = threading.local()

    @staticmethod
    def _path(expressions: Sequence[str], cache: Path) -> Path:
        import hyperscan

        machine = os.uname()
        digest = hex_digest("\0".join([str(getattr(hyperscan, "__version__", "")), machine.machine, machine.nodename, str(_FLAGS_VERSION), *expressions]).encode())
        return cache / f"{digest}.hsdb"

    @classmethod
    def stored(cls, expressions: Sequence[str], cache: Path | None) -> bool:
        """Whether a database of ``expressions`` is kept in ``cache`` (and Hyperscan is on)."""
        return cache is not None and bool(expressions) and _keeps_any(cache) and enabled() and cls._path(expressions, cache).is_file()

    @classmethod
    def build(cls, expressions: Sequence[str], cache: Path | None = None) -> Prefilter | None:
        """The prefilter of ``expressions``; ``None`` when Hyperscan is missing, off, or refuses one of them.

        With ``cache``, a database kept there is loaded instead of compiled, and one compiled is kept.
        """
        if not expressions or not enabled():
            return None
        if any(marker in expression for expression in expressions for marker in WHOLE_TEXT_MARKERS):
            return None  # anchored to the whole text: per line and per block they differ, and RE2 asks per line
        import hyperscan

        path = cls._path(expressions, cache) if cache is not None else None
        kept = read_own(path) if path is not None else None
        if kept is not None:
            try:
                return cls(hyperscan.loadb(kept, hyperscan.HS_MODE_BLOCK), hyperscan, len(expressions))
            except (hyperscan.error, TypeError, ValueError):
                pass  # another build's or a damaged database: compiled again below
        # Multiline: the expressions carry (?m) for blocks; UTF-8: "." is one character, as in RE2.
        flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            # The counting expression last, exact and byte-wise: every newline byte counts.
            database.compile(
                expressions=[*(loosened(expression).encode("utf-8") for expression in expressions), _COUNTING],
                ids=list(range(len(expressions) + 1)),
                elements=len(expressions) + 1,
                flags=[flags] * len(expressions) + [0],
            )
        except hyperscan.error:
            return None  # one expression it cannot approximate: RE2 alone, never a missed line
        if path is not None:
            write_own(path, bytes(hyperscan.dumpb(database)), keep=_KEEP)
        return cls(database, hyperscan, len(expressions))

    def _scratch(self) -> Any:
        # Scratch space is per thread: one matcher serves concurrent analyses.
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hyperscan.Scratch(self._database)
        return scratch

    def scan(self, data: bytes) -> Candidates | None:
        """The lines of ``data`` some expression may match and where its hundredth lines end; ``None``: ask RE2 of every line.

        ``data`` must be valid UTF-8: on any other bytes, Hyperscan's UTF-8 mode may miss a match.
        """
        ends: list[int] = []
        marks: list[int] = []
        counting = self._counting

        def found(expression: int, _start: int, end: int, _flags: int, _context: Any) -> bool:
            if expression == counting:
                marks.append(end)
                return False
            ends.append(end)
            return len(ends) > _MAX_MATCHES  # True stops the scan

        self._database.scan(data, match_event_handler=found, scratch=self._scratch())
        if len(ends) > _MAX_MATCHES:
            return None
        # Hyperscan does not promise matches in order of their ends.
        return Candidates(sorted({data.rfind(b"\n", 0, end) + 1 for end in ends}), sorted(marks))


def _keeps_any(cache: Path) -> bool:
    """Whether ``cache`` holds some database, looked up without importing Hyperscan."""
    try:
        with os.scandir(cache) as entries:
            return any(entry.name.endswith(".hsdb") for entry in entries)
    except OSError:
        return False


def loosened(expression: str) -> str:
    """``expression`` without its line anchors (``^``, ``$``), as the prefilter is given it.

    Without an assertion an expression matches wherever it did and perhaps
    more, which a prefilter may; RE2 still asks the expression itself of
    every line named. Hyperscan runs an anchored expression's engine at
    every line's start (measured: the knowledge base's database scans a MB
    in 0.76 ms instead of 1.02 ms without its 28 expressions' anchors). An
    expression quoting with ``\\Q...\\E`` is given as it is.
    """
    if "\\Q" in expression:
        return expression
    kept: list[str] = []
    position, end, in_class = 0, len(expression), False
    while position < end:
        char = expression[position]
        if char == "\\":
            kept.append(expression[position : position + 2])
            position += 2
            continue
        if in_class:
            if expression.startswith("[:", position):
                close = expression.find(":]", position + 2)
                if close >= 0:  # a POSIX class inside the class: [[:alpha:]^]
                    kept.append(expression[position : close + 2])
                    position = close + 2
                    continue
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A ^ first negates the class; a ] first (after it) is one of its characters.
            head = 2 if expression.startswith("[^", position) else 1
            if expression.startswith("]", position + head):
                head += 1
            kept.append(expression[position : position + head])
            position += head
            continue
        elif char in "^$":
            position += 1
            continue
        kept.append(char)
        position += 1
    return "".join(kept)


class Candidates(NamedTuple):
    """What a prefilter's scan of a block found."""

    starts: list[int]
    """Offsets of the lines some expression may match, in order."""
    marks: list[int]
    """Offsets just after each :data:`NEWLINES_PER_MARK`-th newline, in order."""
