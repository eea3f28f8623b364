"""Column tables as CLIs print them: a header of upper-case names, values aligned under them.

kubectl, the ECS console and Log Analytics exports all print tables; the
clouds differ in the column names, not in how a table is laid out. Columns
are found from the header's positions; a row pasted with its alignment lost
(spaces squeezed by a chat or an issue tracker) is split at runs of two or
more spaces instead, or at tabs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from scdiag import regex
from scdiag._records import record

__all__ = ["Table", "find_header", "read_rows"]

_TWO_SPACES = regex.deferred(r"\t+| {2,}")


@record
class Table:
    """A header's columns: their names and where each starts."""

    names: tuple[str, ...]
    starts: tuple[int, ...]
    tabs: bool = False

    def row(self, line: str) -> dict[str, str] | None:
        """The values of one row by column name; ``None`` when the line is no row of this table."""
        if self.tabs:
            return self._split(line.split("\t"))
        if self._aligned(line):
            values = [line[start:end].strip() for start, end in zip(self.starts, (*self.starts[1:], None))]
            return dict(zip(self.names, values))
        # Runs of two or more spaces (or tabs) separate cells; str.split is much cheaper than an expression here.
        return self._split([cell for cell in line.strip().replace("\t", "  ").split("  ") if cell.strip()])

    def _aligned(self, line: str) -> bool:
        # Each column after the first starts after a space, or the row is not laid out under this header.
        return len(line) > self.starts[-1] and all(start == 0 or line[start - 1] == " " for start in self.starts[1:])

    def _split(self, parts: Sequence[str]) -> dict[str, str] | None:
        parts = [part.strip() for part in parts]
        if len(parts) < len(self.names) - 1:
            return None
        if len(parts) > len(self.names):
            # The last column (a message) may itself hold double spaces.
            parts = [*parts[: len(self.names) - 1], "  ".join(parts[len(self.names) - 1 :])]
        return dict(zip(self.names, parts))


def _header(line: str, names: Sequence[str]) -> Table | None:
    """The table whose header is ``line``, when ``line`` holds every name in ``names`` as columns."""
    if not all(name in line for name in names):
        return None  # most lines: no need to split them into cells
    tabs = "\t" in line
    if tabs:
        cells = [cell.strip() for cell in line.split("\t")]
        if all(name in cells for name in names):
            return Table(tuple(cells), tuple(range(len(cells))), tabs=True)
        return None
    found: list[tuple[int, str]] = []
    position = 0
    stripped = line.rstrip()
    for match in _TWO_SPACES.finditer(stripped + "  "):
        cell = stripped[position : match.start()]
        if cell:
            found.append((position, cell))
        position = match.end()
    if not all(any(cell == name for _start, cell in found) for name in names):
        return None
    return Table(tuple(cell for _start, cell in found), tuple(start for start, _cell in found))


def find_header(lines: Sequence[str], names: Sequence[str], limit: int = 50) -> tuple[int, Table] | None:
    """The first header among the first ``limit`` lines that has all of ``names``: (index, table)."""
    for index, line in enumerate(lines[:limit]):
        table = _header(line, names)
        if table is not None:
            return index, table
    return None


def read_rows(lines: Iterable[str], start: int, table: Table) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    """(index, row or ``None`` for a line that is not a row, raw line) for each line after the header.

    ``lines`` are all the lines, the header at index ``start`` among them (a
    list, or a stream of lines read once). A later line that is the same
    header again (a second table pasted below) is skipped, so its rows read as rows.
    """
    first_word = table.names[0].split()[0] if table.names and table.names[0] else ""
    for index, line in enumerate(lines):
        if index <= start or not line.strip():
            continue
        if first_word and line.startswith(first_word) and _header(line, table.names[:2]) is not None:
            continue
        yield index, table.row(line), line
